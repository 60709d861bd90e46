"""What the UI renders, checked without a browser: examples, markers, the sources panel, serving options."""

from __future__ import annotations

import html
import re

import pytest

from assistant.answering.intents import detect_intent
from assistant.answering.models import Answer, Citation
from assistant.api import Assistant, DocumentInfo
from assistant.examples import example_questions, short_title
from assistant.retrieval import Filters
from assistant.server import launch_options
from assistant.ui.analysis import render_report
from assistant.ui.render import documents_table, link_markers, question_message, render_sources, reveal_steps


@pytest.fixture(scope="module")
def bot(seed_index, embedder):
    return Assistant(seed_index, embedder=embedder)


def doc(doc_id: str, title: str, kind: str) -> DocumentInfo:
    return DocumentInfo(doc_id=doc_id, title=title, kind=kind, source=f"{doc_id}.txt", chunks=1)


# A user's own library, none of it ours: what the examples must be about.
OWN = [
    doc("rural-clinics-survey", "Village clinics after the 2018 reform: a survey of three prefectures",
        "survey report"),
    doc("telehealth-evaluation", "Telehealth in Qinghai's townships: an evaluation study", "evaluation study"),
    doc("pharmacy-plan", "Provincial pharmacy service improvement plan 2021-2025", "implementation plan"),
    doc("insurance-notice", "Notice on cross-province settlement of outpatient costs", "policy notice"),
    doc("minutes", "Minutes of the county health committee, March", "document"),
]


def test_examples_are_made_from_the_users_own_titles_one_intent_per_kind():
    examples = example_questions(OWN, limit=10)
    by_doc = {}
    for example in examples:  # each document's first question
        by_doc.setdefault(tuple(example.doc_ids), example)
    # Every kind gets a question, each of the intent its kind answers, quoting the document's own title.
    assert by_doc[("rural-clinics-survey",)].intent == "finding"
    assert by_doc[("pharmacy-plan",)].intent == "responsibility"
    assert by_doc[("insurance-notice",)].intent == "overview"
    assert by_doc[("minutes",)].intent == "overview"
    assert "Provincial pharmacy service improvement plan 2021-2025" in by_doc[("pharmacy-plan",)].question
    assert "Village clinics after the 2018 reform" in by_doc[("rural-clinics-survey",)].question
    assert "a survey of three prefectures" not in by_doc[("rural-clinics-survey",)].question  # the part before ":"
    # The second study gets the second study question, and the two are compared.
    assert by_doc[("telehealth-evaluation",)].intent == "countermeasure"
    assert {e.intent for e in examples if len(e.doc_ids) == 2} == {"comparison"}
    for example in examples:
        assert detect_intent(example.question) == example.intent, example.question
    # The first round reaches every kind before any kind gets a second question.
    first_four = {tuple(e.doc_ids) for e in example_questions(OWN, limit=4)}
    assert first_four == {("rural-clinics-survey",), ("pharmacy-plan",), ("insurance-notice",), ("minutes",)}


def test_no_examples_without_documents_and_none_about_documents_not_there():
    assert example_questions([]) == []
    only_plan = example_questions([OWN[2]])
    assert [e.doc_ids for e in only_plan] == [["pharmacy-plan"]]
    seed_words = ("J Town", "L County", "Guangdong")
    assert not any(word in e.question for e in example_questions(OWN, limit=10) for word in seed_words)


def test_a_short_title_is_the_part_before_a_colon_when_that_is_a_title():
    assert short_title("Implementation of X policy in Y: a study based on Z") == "Implementation of X policy in Y"
    assert short_title("Re: the plan") == "Re: the plan"  # too short before the colon to stand alone
    assert short_title("  A   plain\n title ") == "A plain title"


EXPECTED = {  # on the seed corpus: a fact each example's answer must state
    "finding": "insufficient top-level design",
    "responsibility": "Local Taxation Bureau",
    "overview": "six reform tasks",
    "countermeasure": "improve the coverage of the health poverty alleviation",
    "comparison": "improve the coverage of the health poverty alleviation",
}


@pytest.mark.slow
def test_each_example_of_the_seed_library_is_answered_from_its_documents(bot):
    examples = bot.example_questions()
    kinds = {d.kind for d in bot.documents()}
    covered = {d.kind for d in bot.documents() if any(d.doc_id in e.doc_ids for e in examples)}
    assert covered == kinds  # every kind of document present has an example
    for example in examples:
        answer = bot.ask(example.question)
        assert not answer.abstained, example.question
        assert {c.doc_id for c in answer.citations} <= set(example.doc_ids), example.question
        assert {c.doc_id for c in answer.citations} & set(example.doc_ids), example.question
        if example.intent in EXPECTED:
            assert EXPECTED[example.intent] in answer.text, (example.question, answer.text[:400])


def test_markers_become_links_to_their_source_cards():
    text = "Finance Department [1]\n- Education Department [2] and see [12]; not a marker: [a] [1"
    assert link_markers(text) == (
        "Finance Department [\\[1\\]](#source-1)\n- Education Department [\\[2\\]](#source-2) "
        "and see [\\[12\\]](#source-12); not a marker: [a] [1"
    )


def test_markers_of_another_panel_link_to_its_own_cards():
    assert link_markers("Task [3]", "analysis-source") == "Task [\\[3\\]](#analysis-source-3)"


def test_a_long_question_is_folded_and_escaped_a_short_one_only_escaped():
    assert question_message("Who runs <b>it</b>?") == "Who runs &lt;b&gt;it&lt;/b&gt;?"
    long = "What does the plan say about " + "village clinics and their staff " * 160 + "<script>x</script>?"
    shown = question_message(long)
    assert shown.startswith('<details class="long-question"><summary>What does the plan say about village clinics')
    summary = shown.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert len(summary) < 400 and f"({len(long):,} characters: show all)" in summary
    assert "&lt;script&gt;x&lt;/script&gt;?" in shown and "<script>" not in shown  # all of it, escaped
    assert question_message("one\ntwo\nthree\nfour\nfive\nsix").startswith("<details")  # many short lines


def test_the_library_table_labels_every_cell_and_escapes_titles():
    table = documents_table([doc("x-1", "Plan <b>${x}</b> & co", "action plan")])
    assert "Plan &lt;b&gt;&#36;&#123;x&#125;&lt;/b&gt; &amp; co" in table and "<b>" not in table
    labels = re.findall(r'<td data-label="([^"]+)"', table)
    assert labels == ["Title", "Kind", "Region", "Year", "Passages", "ID", "From"]
    assert documents_table([]) == '<p class="library-empty">No documents are indexed yet.</p>'


@pytest.mark.slow
def test_every_marker_of_the_analysis_tables_links_to_a_card_of_its_sources(bot):
    report = bot.analyze()
    tables, sources = render_report(bot, report)
    linked = set(re.findall(r'href="#analysis-source-(\d+)"', tables))
    cards = set(re.findall(r'id="analysis-source-(\d+)"', sources))
    assert linked == cards == {str(c.number) for c in report.citations}
    # one section per matrix, study and comparison, each reached from the "Jump to" list
    parts = len(report.matrices) + len(report.studies) + len(report.comparisons)
    assert re.findall(r'<section class="analysis-part" id="(analysis-part-\d+)"', tables) == [
        f"analysis-part-{i}" for i in range(parts)
    ]
    assert len(re.findall(r'<a href="#analysis-part-\d+">', tables)) == parts
    assert "<table>" in tables and "Local Taxation Bureau" in tables
    highlighted = re.search(r'id="analysis-source-1".*?<mark>(.*?)</mark>', sources, re.S).group(1)
    assert html.unescape(highlighted) == report.citations[0].text


def test_the_answer_is_revealed_in_whole_words_ending_with_all_of_it():
    text = "According to the plan [1], the departments are:\n- Finance Department [1]\n- Education Department [1]"
    steps = reveal_steps(text, steps=5)
    assert len(steps) >= 5 and steps[-1] == text
    assert all(later.startswith(earlier) for earlier, later in zip(steps, steps[1:], strict=False))
    assert all(text[len(step) - 1].isspace() or step == text for step in steps)
    assert reveal_steps("") == [""]


@pytest.mark.slow
def test_sources_panel_marks_the_passage_in_context_and_escapes_document_text(bot):
    document = bot.document_text("gd-internet-plus-action-plan")
    start = document.index("(Provincial Human Resources")
    end = document.index(")", start) + 1
    citation = Citation(
        number=1, doc_id="gd-internet-plus-action-plan", title='Plan <b>"Internet +"</b> & ${x} {{y}}',
        source="x.txt", kind="action plan", year=2015, text=document[start:end], start=start, end=end,
    )
    answer = Answer(text="Finance Department [1]", citations=[citation], question="Who?", intent="responsibility")

    panel = render_sources(bot, answer, answer_id=7)

    assert 'data-answer="7"' in panel
    assert 'id="source-1"' in panel and 'data-doc-id="gd-internet-plus-action-plan"' in panel
    assert "Plan &lt;b&gt;&quot;Internet +&quot;&lt;/b&gt; &amp; &#36;&#123;x&#125; &#123;&#123;y&#125;&#125;" in panel
    assert "<b>" not in panel
    assert "action plan · 2015" in panel
    marked = panel.split("<mark>", 1)[1].split("</mark>", 1)[0]
    assert marked.startswith("(Provincial Human Resources and Social Security Department")
    assert "Local Taxation Bureau" in marked
    before = panel.split("<mark>", 1)[0].rsplit('<blockquote class="source-context">', 1)[1]
    assert "medical insurance" in before and len(before) > 200  # the surrounding text, not the span alone


def test_an_abstention_shows_the_closest_documents_instead_of_sources(bot):
    answer = Answer(
        text="The documents do not contain an answer.", abstained=True, question="What about K County?",
        closest_documents=["Plan <one>"],
    )
    panel = render_sources(bot, answer)
    assert "No passage in the documents answers this question." in panel
    assert "<li>Plan &lt;one&gt;</li>" in panel
    assert "<mark>" not in panel


def test_the_app_is_served_locally_and_never_shared(seed_index):
    options = launch_options(seed_index)
    assert (options["server_name"], options["server_port"], options["share"]) == ("127.0.0.1", 7860, False)
    assert options["auth"] is None
    assert options["max_file_size"] == 50_000_000
    with pytest.raises(ValueError, match="both ui.username and ui.password"):
        launch_options(seed_index.model_copy(update={"ui": seed_index.ui.model_copy(update={"username": "a"})}))


@pytest.mark.slow
def test_a_document_filter_set_mid_conversation_wins_over_the_carried_focus(bot):
    conversation = bot.conversation()
    first = conversation.ask("What problems did the J Town study find?")
    assert {c.doc_id for c in first.citations} == {"j-town-health-poverty-alleviation"}

    follow_up = conversation.ask(
        "And what countermeasures does it propose?", filters=Filters(doc_ids=["l-county-medical-community"])
    )

    assert follow_up.citations and {c.doc_id for c in follow_up.citations} == {"l-county-medical-community"}
