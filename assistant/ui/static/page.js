// A click on a link to something on the page (a marker [n] to its source card, a "Jump to" link
// to an analysis table) scrolls that element into view, and flashes a source card, in place of
// navigating: the page keeps its state and the sources panel scrolls on its own.
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#"]');
  if (!link) return;
  const target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
  if (!target) return;
  event.preventDefault();
  event.stopPropagation();
  const isCard = target.classList.contains("source-card");
  target.scrollIntoView({behavior: "smooth", block: isCard ? "nearest" : "start"});
  if (isCard) {
    target.classList.remove("flash");
    void target.offsetWidth;
    target.classList.add("flash");
  }
}, true);

// Keep the latest question at the top of the conversation while its answer streams in below,
// so the reader starts at the answer's first line (Gradio's own autoscroll is off). The answer
// grows after the question appears, so the question stays pinned there until the answer is
// complete or the reader scrolls the conversation.
window.questionsShown = 0;
let pinned = -1;  // index of the question held at the top, or -1
const unpin = (event) => { if (event.target.closest && event.target.closest("#chat")) pinned = -1; };
document.addEventListener("wheel", unpin, {passive: true, capture: true});
document.addEventListener("touchmove", unpin, {passive: true, capture: true});
new MutationObserver(() => {
  const rows = document.querySelectorAll("#chat .user-row");
  if (rows.length !== window.questionsShown) {
    window.questionsShown = rows.length;
    pinned = rows.length - 1;
  }
  const log = document.querySelector('#chat [role="log"]');
  if (!log || pinned < 0 || pinned >= rows.length) return;
  requestAnimationFrame(() => {
    const row = document.querySelectorAll("#chat .user-row")[pinned];
    if (!row) return;
    const offset = row.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
    if (Math.abs(offset) > 1) log.scrollTop += offset;
  });
}).observe(document.documentElement, {childList: true, subtree: true, characterData: true});
