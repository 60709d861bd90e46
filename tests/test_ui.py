"""What the UI renders, checked without a browser: examples, markers, the sources panel, serving options."""

from __future__ import annotations

import pytest

from assistant.answering.intents import detect_intent
from assistant.answering.models import Answer, Citation
from assistant.api import Assistant
from assistant.retrieval import Filters
from assistant.server import launch_options
from assistant.ui import EXAMPLES, link_markers, render_sources, reveal_steps

INTENTS = {"responsibility", "finding", "cause", "countermeasure", "fact", "overview", "comparison"}


@pytest.fixture(scope="module")
def bot(seed_index, embedder):
    return Assistant(seed_index, embedder=embedder)


def test_there_is_one_example_per_intent_and_each_reads_as_its_intent():
    assert len(EXAMPLES) == len(INTENTS)
    assert {intent for intent, _ in EXAMPLES} == INTENTS
    for intent, question in EXAMPLES:
        assert detect_intent(question) == intent, question


EXPECTED = {  # a fact each example's answer must state, and the documents it must cite
    "responsibility": ("Local Taxation Bureau", {"gd-internet-plus-action-plan"}),
    "finding": ("lack of primary medical staff", {"j-town-health-poverty-alleviation"}),
    "cause": ("supporting policies are not perfect", {"gd-internet-medical-implementation"}),
    "countermeasure": ("improve the supervision and incentive mechanism", {"gd-internet-medical-implementation"}),
    "fact": ("six reform tasks", {"gd-medical-reform-key-tasks"}),
    "overview": ("tightly-knit county medical community policy in L County", {"l-county-medical-community"}),
    "comparison": (
        "optimizing the policy implementation environment",
        {"l-county-medical-community", "j-town-health-poverty-alleviation"},
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize(("intent", "question"), EXAMPLES, ids=[i for i, _ in EXAMPLES])
def test_each_example_is_answered_by_the_corpus(bot, intent, question):
    answer = bot.ask(question)
    fact, docs = EXPECTED[intent]
    assert not answer.abstained
    assert fact in answer.text
    assert {c.doc_id for c in answer.citations} == docs


def test_markers_become_links_to_their_source_cards():
    text = "Finance Department [1]\n- Education Department [2] and see [12]; not a marker: [a] [1"
    assert link_markers(text) == (
        "Finance Department [\\[1\\]](#source-1)\n- Education Department [\\[2\\]](#source-2) "
        "and see [\\[12\\]](#source-12); not a marker: [a] [1"
    )


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
