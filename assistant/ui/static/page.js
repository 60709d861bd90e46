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
// so the reader starts at the answer's first line (Gradio's own autoscroll is off).
window.questionsShown = 0;
new MutationObserver(() => {
  const rows = document.querySelectorAll("#chat .user-row");
  if (rows.length === window.questionsShown) return;
  window.questionsShown = rows.length;
  const log = document.querySelector('#chat [role="log"]');
  if (!log || !rows.length) return;
  requestAnimationFrame(() => {
    const row = rows[rows.length - 1];
    log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  });
}).observe(document.documentElement, {childList: true, subtree: true});
