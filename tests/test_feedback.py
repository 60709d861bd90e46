"""Ratings of answers (feedback.jsonl) and their import as draft eval cases."""

from __future__ import annotations

import json

import pytest
import yaml
from ui_support import with_data_dir

from assistant.api import Assistant
from assistant.evaluation.cli import import_feedback
from assistant.feedback import FeedbackStore

pytestmark = pytest.mark.slow

PLAN_QUESTION = "Which departments are responsible for Internet + Social Security in Guangdong's plan?"
J_TOWN_QUESTION = "What problems did the J Town study find in implementing health poverty alleviation?"


@pytest.fixture
def bot(seed_index, embedder, tmp_path):
    return Assistant(with_data_dir(seed_index, tmp_path / "data"), embedder=embedder)


def test_a_rating_appends_one_line_with_the_answer_and_its_citations(bot):
    answer = bot.ask(PLAN_QUESTION)

    record = bot.record_feedback(answer, liked=False, comment="lists a task as a department")

    lines = (bot.settings.data_dir / "feedback.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    saved = json.loads(lines[0])
    assert saved["id"] == record.id
    assert saved["rating"] == "down" and saved["comment"] == "lists a task as a department"
    assert saved["question"] == PLAN_QUESTION
    assert saved["answer"] == answer.text and "Finance Department" in saved["answer"]
    assert [(c["number"], c["doc_id"]) for c in saved["citations"]] == [
        (c.number, c.doc_id) for c in answer.citations
    ]
    assert {c["doc_id"] for c in saved["citations"]} == {"gd-internet-plus-action-plan"}
    assert saved["settings"] == bot.settings.fingerprint() and len(saved["settings"]) == 12
    assert saved["timestamp"].endswith("+00:00")
    assert (saved["intent"], saved["mode"], saved["abstained"]) == ("responsibility", "extractive", False)


def test_a_later_comment_amends_the_rating_and_a_damaged_line_is_skipped(bot):
    answer = bot.ask(J_TOWN_QUESTION)
    first = bot.record_feedback(answer, liked=True)
    path = bot.settings.data_dir / "feedback.jsonl"
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"id": "cut-off-by-a-cra')  # a crash mid-write
        handle.write("\n")
    bot.record_feedback(answer, liked=False, comment="misses the causes", feedback_id=first.id)

    store = FeedbackStore(path)
    assert len(path.read_text().splitlines()) == 3
    assert len(store.records()) == 2
    [latest] = store.latest()
    assert (latest.id, latest.rating, latest.comment) == (first.id, "down", "misses the causes")


def test_import_feedback_turns_thumbs_down_into_draft_cases(bot, tmp_path, capsys):
    down = bot.ask(J_TOWN_QUESTION)
    up = bot.ask(PLAN_QUESTION)
    bot.record_feedback(down, liked=False, comment="misses the barriers of administrative divisions")
    bot.record_feedback(up, liked=True)
    output = tmp_path / "drafts" / "feedback-test.yaml"
    overrides = {"root": bot.settings.root, "ui": {"data_dir": str(bot.settings.data_dir)},
                 "corpus": {"path": str(bot.settings.corpus_dir)}}

    assert import_feedback(["--output", str(output)], **overrides) == 0

    assert "1 new draft cases" in capsys.readouterr().out
    drafts = yaml.safe_load(output.read_text(encoding="utf-8"))
    [case] = drafts["cases"]
    assert case["review"] is True
    assert case["question"] == J_TOWN_QUESTION
    assert case["answerable"] is None
    assert case["expected_docs"] == ["j-town-health-poverty-alleviation"]
    assert case["key_facts"] == []
    assert case["intent"] == "finding"
    assert case["feedback"]["comment"] == "misses the barriers of administrative divisions"

    # Run again after a reviewer edited the draft: the edit stays, nothing is duplicated.
    case["key_facts"] = [["lack of primary medical staff"]]
    output.write_text(yaml.safe_dump(drafts, sort_keys=False), encoding="utf-8")
    assert import_feedback(["--output", str(output)], **overrides) == 0
    again = yaml.safe_load(output.read_text(encoding="utf-8"))["cases"]
    assert len(again) == 1 and again[0]["key_facts"] == [["lack of primary medical staff"]]


def test_import_feedback_without_thumbs_down_writes_nothing(bot, tmp_path, capsys):
    output = tmp_path / "drafts.yaml"
    overrides = {"root": bot.settings.root, "ui": {"data_dir": str(bot.settings.data_dir)},
                 "corpus": {"path": str(bot.settings.corpus_dir)}}
    assert import_feedback(["--output", str(output)], **overrides) == 0
    assert "no thumbs-down feedback" in capsys.readouterr().out
    assert not output.exists()
