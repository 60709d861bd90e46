"""The web UI as a person uses it: headless chromium against the app served on 127.0.0.1."""

from __future__ import annotations

import json
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


@pytest.fixture
def page(browser, url):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_selector("#question textarea")
    yield page
    context.close()


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

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-answer.png"), full_page=True)


def test_narrowing_the_document_filter_narrows_the_citations(page):
    ask(page, COUNTERMEASURES)
    unfiltered = set(cited_docs(page))
    assert unfiltered
    # Narrow to a study the unfiltered answer did not cite, so the citations must change.
    target, option, measure = next(study for study in STUDIES if study[0] not in unfiltered)

    page.click("#filter-docs input")
    page.locator('#filter-docs [role="option"]', has_text=option).click()
    page.keyboard.press("Escape")
    page.wait_for_selector(f"#filter-docs .token:has-text('{option}')")
    ask(page, COUNTERMEASURES)

    narrowed = cited_docs(page)
    assert narrowed and set(narrowed) == {target}
    assert measure in last_answer(page)


def test_example_questions_and_new_conversation(page):
    page.click("#example-finding")
    page.wait_for_selector("#sources .source-card")
    assert "lack of primary medical staff" in last_answer(page)
    assert set(cited_docs(page)) == {"j-town-health-poverty-alleviation"}

    page.click("#new-conversation")
    page.wait_for_selector("#sources .sources-empty")
    assert page.locator("#chat .bot").count() == 0


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
        assert "uploads-k-village-dental-pilot" in page.inner_text("#documents-table")

        page.get_by_role("tab", name="Ask").click()
        ask(page, "What did the K Village dental pilot find?")
        assert cited_docs(page)[0] == "uploads-k-village-dental-pilot"
        assert "fluoride varnish reduced caries" in last_answer(page)
        context.close()
    stored = settings.data_dir / "uploads" / "k-village-dental-pilot.txt"
    assert stored.read_bytes() == note.read_bytes()
