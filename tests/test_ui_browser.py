"""The web UI as a person uses it: headless chromium against the app served on 127.0.0.1, at
desktop size (1440x1000) and on a phone (390x844). Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
import re
import time

import pytest
from ui_support import ARTIFACTS, chromium, copy_seed, served, with_data_dir

from assistant.api import Assistant

pytestmark = pytest.mark.slow

RESPONSIBILITY = "Which departments are responsible for Internet + Social Security in Guangdong's plan?"
COUNTERMEASURES = "What countermeasures are proposed to improve policy implementation?"
STUDIES = [  # (doc id, words of its title, a measure it proposes)
    ("l-county-medical-community", "in L County", "improving the implementation rules of county health community"),
    ("j-town-health-poverty-alleviation", "in J Town", "improve the coverage of the health poverty alleviation"),
    ("gd-internet-medical-implementation", "Internet medical policy", "improve the rationality of the policy"),
]


@pytest.fixture(scope="module")
def bot(seed_index, embedder, tmp_path_factory):
    """The seed index (read-only); feedback goes to a data folder of this module's own."""
    return Assistant(with_data_dir(seed_index, tmp_path_factory.mktemp("ui-data")), embedder=embedder)


@pytest.fixture(scope="module")
def url(bot):
    with served(bot) as address:
        yield address


@pytest.fixture(scope="module")
def browser():
    playwright, browser = chromium()
    yield browser
    browser.close()
    playwright.stop()


DESKTOP = {"width": 1440, "height": 1000}
PHONE = {"width": 390, "height": 844}


def open_page(browser, url, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    return context, page


@pytest.fixture
def page(browser, url):
    context, page = open_page(browser, url)
    yield page
    context.close()


@pytest.fixture
def phone(browser, url):
    context, page = open_page(browser, url, PHONE)
    yield page
    context.close()


def screenshot(page, name: str, full_page: bool = False) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def sideways_overflow(page) -> int:
    """How many pixels the page is wider than the screen (0: no horizontal scrolling)."""
    return page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")


IN_VIEW = """([selector, container]) => {
    const r = document.querySelector(selector).getBoundingClientRect();
    const onScreen = r.top >= 0 && r.top < window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;
    if (!container) return onScreen;
    const c = document.querySelector(container).getBoundingClientRect();
    return onScreen && r.top >= c.top - 1 && r.top < c.bottom;
}"""


def in_view(page, selector: str, container: str | None = None) -> bool:
    """Whether the top of the first element matching `selector` is on screen (and inside the visible
    part of `container`, when that scrolls on its own)."""
    return page.evaluate(IN_VIEW, [selector, container])


def comes_into_view(page, selector: str, container: str | None = None) -> bool:
    """`in_view` within 5 s (smooth scrolling takes a moment)."""
    try:
        page.wait_for_function(IN_VIEW, arg=[selector, container], timeout=5_000)
    except Exception:  # Playwright's TimeoutError: report it as the assertion's False
        return False
    return True


def ask(page, question: str) -> None:
    """Type a question, press Enter, and wait until the answer is complete (the sources panel
    is rendered after the last piece of the answer)."""
    before = page.get_attribute("#sources .sources", "data-answer")
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    page.wait_for_function(
        "before => { const s = document.querySelector('#sources .sources');"
        " return s && s.dataset.answer && s.dataset.answer !== before; }",
        arg=before,
    )


def cited_docs(page) -> list[str]:
    return page.eval_on_selector_all("#sources .source-card", "cards => cards.map(c => c.dataset.docId)")


def last_answer(page) -> str:
    return page.locator("#chat .bot").last.inner_text()


def test_question_streams_in_with_linked_markers_and_highlighted_sources(page, bot):
    # Record the answer's length each time the chat changes, to see it arrive in pieces.
    page.evaluate(
        """() => {
        window.answerLengths = [];
        new MutationObserver(() => {
            const bots = document.querySelectorAll('#chat .bot');
            if (bots.length) window.answerLengths.push(bots[bots.length - 1].innerText.length);
        }).observe(document.querySelector('#chat'), {subtree: true, childList: true, characterData: true});
        }"""
    )
    ask(page, RESPONSIBILITY)

    lengths = page.evaluate("window.answerLengths")
    assert len(set(lengths)) >= 4, f"the answer did not stream in pieces: {lengths}"
    text = last_answer(page)
    for department in ("Provincial Human Resources and Social Security Department", "Finance Department",
                       "Local Taxation Bureau"):
        assert department in text
    markers = page.eval_on_selector_all(
        '#chat .bot a[href^="#source-"]', "links => links.map(a => [a.textContent, a.getAttribute('href')])"
    )
    assert ["[1]", "#source-1"] in markers
    assert all(label == f"[{href.removeprefix('#source-')}]" for label, href in markers)

    assert set(cited_docs(page)) == {"gd-internet-plus-action-plan"}
    card = page.locator("#source-1")
    assert "Guangdong \"Internet +\" Action Plan" in card.locator(".source-title").inner_text()
    assert "action plan · 2015" in card.locator(".source-meta").inner_text()
    highlighted = card.locator("mark").inner_text()
    assert "Local Taxation Bureau" in highlighted
    document = bot.document_text("gd-internet-plus-action-plan")
    assert " ".join(highlighted.split()) in " ".join(document.split())
    context = card.locator(".source-context").inner_text()
    assert len(context) > len(highlighted) + 100, "the passage is shown without its surrounding text"

    # A marker jumps to its source card rather than opening anything.
    page.locator('#chat .bot a[href="#source-1"]').first.click()
    page.wait_for_function("() => document.getElementById('source-1').classList.contains('flash')")
    assert len(page.context.pages) == 1

    screenshot(page, "ui-desktop-answer.png")


def test_narrowing_the_document_filter_narrows_the_citations(page):
    ask(page, COUNTERMEASURES)
    unfiltered = set(cited_docs(page))
    assert unfiltered
    # Narrow to a study the unfiltered answer did not cite, so the citations must change.
    target, option, measure = next(study for study in STUDIES if study[0] not in unfiltered)

    page.click("#search-in button.label-wrap")  # the filters are folded under "Search in"
    page.click("#filter-docs input")
    page.locator('#filter-docs [role="option"]', has_text=option).click()
    page.keyboard.press("Escape")
    page.wait_for_selector(f"#filter-docs .token:has-text('{option}')")
    ask(page, COUNTERMEASURES)

    assert page.inner_text("#search-in button.label-wrap").startswith("Search in: 1 document")
    narrowed = cited_docs(page)
    assert narrowed and set(narrowed) == {target}
    assert measure in last_answer(page)


def test_example_questions_about_the_library_and_new_conversation(page):
    examples = page.locator("#chat button.example").all_inner_texts()
    assert len(examples) == 6 and any("Guangdong \"Internet +\" Action Plan (2015-2020)" in e for e in examples)
    page.locator("#chat button.example", has_text="What problems did the study").first.click()
    page.wait_for_selector("#sources .source-card")
    assert "insufficient top-level design" in last_answer(page)
    assert set(cited_docs(page)) == {"gd-internet-medical-implementation"}
    assert page.locator("#chat button.example").count() == 0  # the examples make way for the conversation

    page.click("#new-conversation")
    page.wait_for_selector("#sources .sources-empty")
    assert page.locator("#chat .bot").count() == 0
    assert page.locator("#chat button.example").count() == 6


def test_rating_an_answer_with_a_comment_is_recorded(page, bot):
    feedback = bot.settings.data_dir / "feedback.jsonl"
    ask(page, RESPONSIBILITY)
    page.locator('#chat button[aria-label="Dislike"]').last.click()
    page.fill("#feedback-comment textarea", "The task line is not a department")
    page.click("#send-comment")
    page.wait_for_selector("#comment-row", state="hidden")

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(feedback.read_text().splitlines() if feedback.exists() else []) < 2:
        time.sleep(0.1)
    first, second = (json.loads(line) for line in feedback.read_text().splitlines()[-2:])
    assert first["id"] == second["id"]
    assert first["rating"] == second["rating"] == "down"
    assert (first["comment"], second["comment"]) == ("", "The task line is not a department")
    assert second["question"] == RESPONSIBILITY
    assert "Finance Department" in second["answer"]
    assert {c["doc_id"] for c in second["citations"]} == {"gd-internet-plus-action-plan"}
    assert second["settings"] == bot.settings.fingerprint()
    assert second["timestamp"]


def test_an_uploaded_file_is_searchable_at_once(browser, seed_index, embedder, tmp_path):
    settings = copy_seed(seed_index, tmp_path)
    note = tmp_path / "outside" / "k-village-dental-pilot.txt"
    note.parent.mkdir()
    note.write_text(
        "Dental care pilot in K Village\n\nThe K Village dental pilot was run by the township health centre. "
        "It found that fluoride varnish reduced caries among children by a third.\n",
        encoding="utf-8",
    )
    bot = Assistant(settings, embedder=embedder)
    with served(bot) as address:
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.goto(address)
        page.get_by_role("tab", name="Documents").click()
        page.set_input_files("#upload input[type=file]", str(note))
        page.wait_for_selector("#upload :text('k-village-dental-pilot.txt')")
        page.click("#add-files")
        page.wait_for_selector("#upload-status :text('Added')")
        assert "uploads-k-village-dental-pilot" in page.inner_text("#upload-status")
        assert "uploads-k-village-dental-pilot" in page.inner_text("#documents-list")

        page.get_by_role("tab", name="Ask").click()
        ask(page, "What did the K Village dental pilot find?")
        assert cited_docs(page)[0] == "uploads-k-village-dental-pilot"
        assert "fluoride varnish reduced caries" in last_answer(page)
        context.close()
    stored = settings.data_dir / "uploads" / "k-village-dental-pilot.txt"
    assert stored.read_bytes() == note.read_bytes()


# -- reading a conversation ---------------------------------------------------------------------

FOLLOW_UP = ("What problems did the J Town study find?", "What does it recommend?")


def test_the_newest_answer_starts_in_view_and_a_long_question_is_folded(page):
    ask(page, RESPONSIBILITY)  # a long answer first, so the conversation has to scroll
    long_question = "What problems did the J Town study find? " + "Context pasted from a report. " * 170
    assert len(long_question) > 5_000
    ask(page, long_question)

    newest = "#chat .bot >> nth=-1"
    page.wait_for_timeout(300)  # the last scroll runs on the next animation frame
    top = page.evaluate(
        """() => { const log = document.querySelector('#chat [role="log"]').getBoundingClientRect();
                   const bots = document.querySelectorAll('#chat .bot');
                   const r = bots[bots.length - 1].getBoundingClientRect();
                   return [r.top - log.top, log.bottom - log.top, r.top, window.innerHeight]; }"""
    )
    answer_top, log_height, page_top, window_height = top
    assert 0 <= answer_top < log_height - 40, f"the newest answer starts outside the conversation box: {top}"
    assert page_top < window_height - 40
    assert "J Town" in page.locator(newest).inner_text()

    folded = page.locator("#chat .long-question").last
    assert folded.evaluate("d => d.open") is False
    assert folded.bounding_box()["height"] < 120  # first lines only, not 5,000 characters
    assert "show all" in folded.locator("summary").inner_text()
    folded.locator("summary").click()
    assert folded.evaluate("d => d.open") is True
    assert folded.locator("p").inner_text().count("Context pasted from a report.") == 170  # all of it, a click away


def test_a_follow_up_is_shown_answered_as_a_question_in_words(page):
    ask(page, FOLLOW_UP[0])
    assert page.locator("#sources .answered-as").count() == 0  # a question that stands alone: nothing shown
    ask(page, FOLLOW_UP[1])
    answered_as = page.inner_text("#sources .answered-as q")
    assert "J Town" in answered_as
    assert not re.search(r"[\[\]]|earlier question", answered_as), answered_as


# -- the analysis tab -----------------------------------------------------------------------------


def test_the_analysis_opens_rendered_and_its_markers_scroll_to_their_passages(page, bot):
    page.get_by_role("tab", name="Analysis").click()
    page.wait_for_selector("#analysis-view .analysis-part")  # nothing to press: the default view is there
    report = bot.analyze()
    parts = len(report.matrices) + len(report.studies) + len(report.comparisons)
    assert page.locator("#analysis-view .analysis-part").count() == parts
    screenshot(page, "ui-desktop-analysis.png")

    # A marker far down the tables: its card is far down the sources panel too.
    marker = page.locator('#analysis-view a[href^="#analysis-source-"]').last
    number = marker.get_attribute("href").removeprefix("#analysis-source-")
    card = f"#analysis-source-{number}"
    assert not in_view(page, card)
    marker.scroll_into_view_if_needed()
    marker.click()
    page.wait_for_function(f"() => document.querySelector('{card}').classList.contains('flash')")
    assert comes_into_view(page, card, "#analysis-sources .sources")
    citation = report.citations[int(number) - 1]
    assert " ".join(page.inner_text(f"{card} mark").split()) == " ".join(citation.text.split())

    # "Jump to" reaches one document's tables; the picker shows only them.
    page.evaluate("window.scrollTo(0, 0)")
    link = page.locator(".analysis-toc a", has_text="in J Town")
    section = link.get_attribute("href")
    assert not in_view(page, section)
    link.click()
    assert comes_into_view(page, section)
    page.click("#analysis-doc input")
    page.locator('#analysis-doc [role="option"]', has_text="in J Town").click()
    page.wait_for_function("() => document.querySelectorAll('#analysis-view .analysis-part').length === 1")
    assert "J Town" in page.inner_text("#analysis-view h2")


# -- on a phone -----------------------------------------------------------------------------------


def test_on_a_phone_the_question_box_is_on_the_first_screen_and_nothing_scrolls_sideways(phone):
    box = phone.locator("#question textarea").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"the question box is below the first screen: {box}"
    assert phone.locator("#search-in button.label-wrap").is_visible()  # the filters, folded
    assert not phone.locator("#filter-docs").is_visible()
    screenshot(phone, "ui-phone-first-screen.png")

    ask(phone, RESPONSIBILITY)
    assert sideways_overflow(phone) == 0
    assert "Local Taxation Bureau" in last_answer(phone)
    # The answer comes before its sources, and the highlighted passage fits the screen's width.
    answer_box = phone.locator("#chat").bounding_box()
    assert phone.locator("#sources").bounding_box()["y"] > answer_box["y"] + answer_box["height"] - 1
    mark = phone.locator("#source-1 mark")
    mark.scroll_into_view_if_needed()
    mark_box = mark.bounding_box()
    assert mark_box["x"] >= 0 and mark_box["x"] + mark_box["width"] <= PHONE["width"]
    assert phone.evaluate("() => window.scrollX") == 0
    screenshot(phone, "ui-phone-answer.png", full_page=True)


def test_on_a_phone_the_library_is_readable_and_the_analysis_is_not_cut(phone):
    phone.get_by_role("tab", name="Documents").click()
    phone.wait_for_selector("#documents-list td")
    widths = phone.eval_on_selector_all(
        "#documents-list td", "cells => cells.filter(c => c.offsetParent).map(c => c.getBoundingClientRect().width)"
    )
    assert len(widths) == 5 * 7
    assert min(widths) >= 60, f"cells narrower than 60 px: {sorted(widths)[:5]}"
    assert sideways_overflow(phone) == 0
    screenshot(phone, "ui-phone-documents.png", full_page=True)

    phone.get_by_role("tab", name="Analysis").click()
    phone.wait_for_selector("#analysis-view .analysis-part")
    assert sideways_overflow(phone) == 0
    for dropdown in ("#analysis-doc input", "#analysis-component input"):
        shown = phone.eval_on_selector(dropdown, "i => [i.scrollWidth, i.clientWidth, i.value]")
        assert shown[0] <= shown[1], f"{dropdown} text is cut: {shown}"
    screenshot(phone, "ui-phone-analysis.png")


# -- describing documents --------------------------------------------------------------------------

@pytest.fixture
def counting(monkeypatch, embedder):
    """Counts every call into the embedding model (passages and questions) from now on."""
    calls = []
    for name in ("embed_query", "embed_passages", "embed_chunks"):  # every way into the model
        method = getattr(embedder, name)
        monkeypatch.setattr(embedder, name, lambda texts, method=method: calls.append(
            1 if isinstance(texts, str) else len(texts)) or method(texts))
    return calls


def test_a_year_set_in_the_documents_tab_is_found_by_the_year_filter_without_embedding(
    browser, seed_index, embedder, tmp_path, counting
):
    settings = copy_seed(seed_index, tmp_path)
    bot = Assistant(settings, embedder=embedder)
    j_town = "j-town-health-poverty-alleviation"
    assert next(d for d in bot.documents() if d.doc_id == j_town).year is None
    with served(bot) as address:
        context, page = open_page(browser, address)
        page.get_by_role("tab", name="Documents").click()
        page.click("#details-doc input")
        page.locator('#details-doc [role="option"]', has_text="in J Town").click()
        page.wait_for_function("() => document.querySelector('#details-title textarea, #details-title input').value")
        assert "J Town" in page.input_value("#details-title textarea, #details-title input")
        counting.clear()
        page.fill("#details-year input", "2016")
        page.click("#save-details")
        page.wait_for_selector("#details-status :text('Saved')")
        assert counting == [], f"saving a year embedded {sum(counting)} texts"
        assert "2016" in page.inner_text(f'#documents-list tr[data-doc-id="{j_town}"]')

        page.get_by_role("tab", name="Ask").click()
        page.click("#search-in button.label-wrap")
        page.click("#filter-year input")
        page.locator('#filter-year [role="option"]', has_text="2016").click()
        page.keyboard.press("Escape")
        ask(page, "What problems were found?")
        assert set(cited_docs(page)) == {j_town}
        context.close()
    assert next(d for d in bot.documents() if d.doc_id == j_town).year == 2016
    assert "2016" in (settings.corpus_dir / "catalog.yaml").read_text(encoding="utf-8")


def test_an_upload_shows_the_kind_and_year_read_from_it_for_correction(browser, seed_index, embedder, tmp_path):
    settings = copy_seed(seed_index, tmp_path)
    notice = tmp_path / "outside" / "telehealth-pilot.txt"
    notice.parent.mkdir()
    notice.write_text(
        "Notice on the 2022 township telehealth pilot\n\n"
        "The provincial health commission issues this notice. Each county shall connect its township "
        "health centres to the county hospital for remote consultations by the end of the year.\n",
        encoding="utf-8",
    )
    bot = Assistant(settings, embedder=embedder)
    with served(bot) as address:
        context, page = open_page(browser, address)
        page.get_by_role("tab", name="Documents").click()
        page.set_input_files("#upload input[type=file]", str(notice))
        page.wait_for_selector("#upload :text('telehealth-pilot.txt')")
        page.click("#add-files")
        page.wait_for_selector("#upload-status :text('Added')")
        page.wait_for_selector("#details-status :text('as read from the file')")
        assert page.input_value("#details-year input") == "2022"
        assert "notice" in page.input_value("#details-kind input").lower()
        assert "Notice on the 2022 township telehealth pilot" in page.input_value(
            "#details-title textarea, #details-title input"
        )
        screenshot(page, "ui-desktop-upload-details.png", full_page=True)
        context.close()
