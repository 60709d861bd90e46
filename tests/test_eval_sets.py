"""The curated question sets in evals/*.yaml: schema, coverage and gold checked against the cleaned corpus.

Needs no index and no embedding model: only the YAML files, the catalog and the cleaner."""

from __future__ import annotations

import re
from collections import Counter

import pytest
import yaml
from conftest import PROJECT, SEED_CORPUS, SEED_DOC_IDS, build_settings

from assistant.documents.corpus import scan_corpus
from assistant.evaluation.cases import contains_fact

EVALS = PROJECT / "evals"
INTENTS = {"responsibility", "finding", "cause", "countermeasure", "fact", "overview", "comparison"}
TURN_FIELDS = ("question", "intent", "answerable", "expected_docs", "key_facts")
SHORT_NAMES = {  # the tag that names each document
    "action-plan": "gd-internet-plus-action-plan",
    "reform-2020": "gd-medical-reform-key-tasks",
    "gd-implementation": "gd-internet-medical-implementation",
    "l-county": "l-county-medical-community",
    "j-town": "j-town-health-poverty-alleviation",
}
KEBAB = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A key fact lives inside one sentence and one list item: split the cleaned text at line
# breaks, sentence punctuation and list separators, and look for the phrasing in one piece.
SEGMENT_BREAK = re.compile(r"\n|[.!?:](?=\s|$)|;|,\s|\u3001|\uff0c|\uff1b|\u3002")
MINIMUMS = {"responsibility": 9, "countermeasure": 9, "fact": 9, "overview": 4, "comparison": 5}


def squash(text: str) -> str:
    """The brief's matching rule: case-insensitive, whitespace runs collapsed to one space."""
    return re.sub(r"\s+", " ", text).strip().lower()


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


SET_PATHS = sorted(p for p in EVALS.glob("*.yaml") if "cases" in load(p))
SETS = {p.stem: load(p) for p in SET_PATHS}


def turns_of(case: dict) -> list[dict]:
    return case["turns"] if "turns" in case else [case]


def all_turns():
    """(label, case, turn) for every turn of every case in every set."""
    for set_name, data in SETS.items():
        for case in data["cases"]:
            turns = turns_of(case)
            for number, turn in enumerate(turns, 1):
                label = f"{set_name}:{case['id']}" + (f"#turn{number}" if "turns" in case else "")
                yield label, case, turn


@pytest.fixture(scope="module")
def cleaned_texts() -> dict[str, str]:
    settings = build_settings(PROJECT, SEED_CORPUS)
    docs, errors = scan_corpus(settings)
    assert not errors, errors
    return {d.doc_id: d.text for d in docs}


@pytest.fixture(scope="module")
def catalog_ids() -> set[str]:
    ids = {entry["id"] for entry in load(SEED_CORPUS / "catalog.yaml")["documents"]}
    assert ids == SEED_DOC_IDS
    return ids


def test_the_two_curated_sets_exist():
    assert {"single_turn", "conversations"} <= set(SETS), [p.name for p in SET_PATHS]
    for name, data in SETS.items():
        assert data.get("name") == name, f"{name}.yaml: `name` should be {name!r}"
        assert isinstance(data.get("description"), str) and data["description"].strip(), f"{name}.yaml: no description"
        assert isinstance(data["cases"], list) and data["cases"], f"{name}.yaml: no cases"


def test_case_ids_are_kebab_case_and_unique_across_sets():
    ids = [case.get("id") for data in SETS.values() for case in data["cases"]]
    bad = [i for i in ids if not isinstance(i, str) or not KEBAB.match(i)]
    assert not bad, f"ids that are not kebab-case: {bad}"
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"ids used more than once: {duplicates}"


def test_every_case_has_tags_and_the_right_shape():
    for set_name, data in SETS.items():
        for case in data["cases"]:
            cid = case.get("id")
            assert isinstance(case.get("tags"), list) and case["tags"], f"{cid}: needs tags"
            if set_name == "conversations":
                assert "turns" in case, f"{cid}: a conversation needs turns"
                assert 2 <= len(case["turns"]) <= 4, f"{cid}: a conversation has 2 to 4 turns, not {len(case['turns'])}"
                stray = set(TURN_FIELDS) & set(case)
                assert not stray, f"{cid}: {sorted(stray)} belong inside the turns"
            else:
                assert "turns" not in case, f"{cid}: single-turn cases carry their fields directly"


def test_every_turn_is_well_formed(catalog_ids):
    for label, _case, turn in all_turns():
        missing = [f for f in TURN_FIELDS if f not in turn]
        assert not missing, f"{label}: missing {missing}"
        assert isinstance(turn["question"], str) and turn["question"].strip(), f"{label}: empty question"
        assert turn["intent"] in INTENTS, f"{label}: unknown intent {turn['intent']!r}"
        assert isinstance(turn["answerable"], bool), f"{label}: answerable must be true or false"
        docs, facts = turn["expected_docs"], turn["key_facts"]
        assert isinstance(docs, list) and isinstance(facts, list), f"{label}: expected_docs and key_facts are lists"
        unknown = [d for d in docs if d not in catalog_ids]
        assert not unknown, f"{label}: expected_docs not in catalog.yaml: {unknown}"
        assert len(set(docs)) == len(docs), f"{label}: an expected doc is listed twice"
        if turn["answerable"]:
            assert docs, f"{label}: an answerable question needs at least one expected doc"
            assert facts, f"{label}: an answerable question needs at least one key fact"
        else:
            assert not docs and not facts, f"{label}: an unanswerable question has no expected_docs or key_facts"
        for fact in facts:
            assert isinstance(fact, list) and fact, f"{label}: each key fact is a non-empty list of phrasings"
            for phrasing in fact:
                assert isinstance(phrasing, str) and phrasing.strip(), f"{label}: empty phrasing in {fact}"
        if turn["intent"] == "comparison" and turn["answerable"]:
            assert len(docs) >= 2, f"{label}: a comparison draws on two or more documents"


def test_every_phrasing_occurs_verbatim_in_an_expected_document(cleaned_texts):
    for label, _case, turn in all_turns():
        haystacks = {d: squash(cleaned_texts[d]) for d in turn["expected_docs"]}
        for fact in turn["key_facts"]:
            for phrasing in fact:
                needle = squash(phrasing)
                assert any(needle in text for text in haystacks.values()), (
                    f"{label}: key-fact phrasing {phrasing!r} is not in the cleaned text of {turn['expected_docs']}"
                )
                # the scorer's own matcher (which also straightens quotes) must agree
                assert any(contains_fact(cleaned_texts[d], [phrasing]) for d in haystacks), (
                    f"{label}: the scorer would not match {phrasing!r}"
                )


def test_no_phrasing_spans_a_sentence_line_or_list_boundary(cleaned_texts):
    for label, _case, turn in all_turns():
        segments = [
            squash(piece)
            for d in turn["expected_docs"]
            for piece in SEGMENT_BREAK.split(cleaned_texts[d])
        ]
        for fact in turn["key_facts"]:
            for phrasing in fact:
                needle = squash(phrasing)
                assert any(needle in seg for seg in segments), (
                    f"{label}: key-fact phrasing {phrasing!r} only occurs across sentence punctuation, "
                    "a line break or a list separator"
                )


def test_questions_do_not_give_away_their_key_facts():
    for label, _case, turn in all_turns():
        question = squash(turn["question"])
        for fact in turn["key_facts"]:
            for phrasing in fact:
                assert squash(phrasing) not in question, f"{label}: the question contains its key fact {phrasing!r}"


def test_tags_name_the_documents_and_mark_unanswerable_kinds():
    for set_name, data in SETS.items():
        for case in data["cases"]:
            tags = set(case["tags"])
            for turn in turns_of(case):
                for doc in turn["expected_docs"]:
                    short = next(s for s, d in SHORT_NAMES.items() if d == doc)
                    assert short in tags, f"{set_name}:{case['id']}: tag {short!r} missing for {doc}"
            if set_name == "single_turn" and not case["answerable"]:
                assert tags & {"near-miss", "off-topic"}, f"{case['id']}: mark it near-miss or off-topic"
                assert not tags >= {"near-miss", "off-topic"}, f"{case['id']}: near-miss or off-topic, not both"


def test_single_turn_set_meets_the_minimum_counts(catalog_ids):
    cases = SETS["single_turn"]["cases"]
    answerable = [c for c in cases if c["answerable"]]
    intents = Counter(c["intent"] for c in answerable)
    assert len(cases) >= 55, f"only {len(cases)} single-turn cases"
    for intent, minimum in MINIMUMS.items():
        assert intents[intent] >= minimum, f"{intent}: {intents[intent]} answerable cases, need {minimum}"
    assert intents["finding"] + intents["cause"] >= 9, intents
    assert intents["cause"] >= 4 and intents["finding"] >= 1, intents
    assert set(intents) == INTENTS, f"intents never asked: {INTENTS - set(intents)}"
    covered = {d for c in answerable for d in c["expected_docs"]}
    assert covered == catalog_ids, f"documents no case asks about: {catalog_ids - covered}"
    per_doc = Counter(d for c in answerable for d in c["expected_docs"])
    assert min(per_doc.values()) >= 5, per_doc

    unanswerable = [c for c in cases if not c["answerable"]]
    assert len(unanswerable) >= 12, f"only {len(unanswerable)} unanswerable cases"
    off_topic = [c for c in unanswerable if "off-topic" in c["tags"]]
    near_miss = [c for c in unanswerable if "near-miss" in c["tags"]]
    assert len(off_topic) >= 3, off_topic
    assert len(near_miss) >= 6, near_miss


def test_conversations_meet_the_minimum_and_follow_up():
    conversations = SETS["conversations"]["cases"]
    assert len(conversations) >= 7, f"only {len(conversations)} conversations"
    follow_up = re.compile(r"\b(it|its|they|them|their|those|that|these|this|the two|the last|the same|one)\b")
    for case in conversations:
        for number, turn in enumerate(case["turns"][1:], 2):
            assert follow_up.search(turn["question"].lower()), (
                f"{case['id']}#turn{number}: a later turn should lean on an earlier one: {turn['question']!r}"
            )
