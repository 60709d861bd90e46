"""Check one half of the field corpus against its documents as the project's reader returns them.

Run from the project root:  .venv/bin/python evals/field/check_half.py dev   (or: test)

Checks, and exits non-zero on any failure:
- every document in docs/<half>/ reads with `load_document` and is listed in sources-<half>.yaml;
- <half>.yaml loads with the evals loader (schema), ids carry the half's prefix and are unique,
  expected documents exist, comparisons name two or more documents;
- every phrasing of every key fact occurs verbatim (the evals' own `contains_fact`) in one of
  its case's expected documents, and inside one sentence or list item there;
- every analysis-gold `text`, task, lead and department occurs verbatim in its document,
  each lead is among its task's departments, and labels/frameworks/components are known values.
Then prints the counts the brief asks for.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import yaml

from assistant.documents.corpus import load_document
from assistant.evaluation.cases import contains_fact, load_set, normalise

FIELD = Path(__file__).parent
PREFIX = {"dev": "fd-", "test": "ft-"}
FRAMEWORKS = {"smith", "cfir", "who-building-blocks", "hood", "barriers-facilitators", "own"}
COMPONENTS = {"policy", "organisation", "target_group", "environment", None}
# Nearly the pieces tests/test_eval_sets.py looks for a key fact in: a fact lives inside one
# sentence or list item, not across a sentence end or a list separator. A single line break
# is not a break here: PDF text wraps every line, mid-sentence; a blank line still is.
SEGMENT_BREAK = re.compile(r"\n\s*\n|[.!?:](?=\s|$)|;|,\s|\u3001|\uff0c|\uff1b|\u3002")


def read_documents(half: str) -> dict[str, str]:
    texts = {}
    for path in sorted((FIELD / "docs" / half).iterdir()):
        document = load_document(path, path.name, None, 50_000_000)
        texts[path.stem] = document.text
    return texts


def in_one_segment(text: str, phrasing: str) -> bool:
    return any(normalise(phrasing) in normalise(piece) for piece in SEGMENT_BREAK.split(text))


def check_questions(half: str, texts: dict[str, str], problems: list[str]) -> Counter:
    qset = load_set(FIELD / f"{half}.yaml")  # raises with the case named if the schema is broken
    counts: Counter = Counter()
    if qset.name != f"field-{half}":
        problems.append(f"{half}.yaml: name should be field-{half}, not {qset.name}")
    ids = [case.id for case in qset.cases]
    for duplicate in [i for i, n in Counter(ids).items() if n > 1]:
        problems.append(f"case id used twice: {duplicate}")
    for case in qset.cases:
        if not case.id.startswith(PREFIX[half]):
            problems.append(f"{case.id}: id should start with {PREFIX[half]}")
        if not case.tags:
            problems.append(f"{case.id}: no tags")
        if case.is_conversation:
            counts["conversations"] += 1
            counts["conversation turns"] += len(case.turns)
            if not 2 <= len(case.turns) <= 4:
                problems.append(f"{case.id}: a conversation has 2 to 4 turns")
        for number, turn in enumerate(case.turns, 1):
            label = case.id + (f"#turn{number}" if case.is_conversation else "")
            if not case.is_conversation:
                counts[turn.intent if turn.answerable else "unanswerable"] += 1
                if not turn.answerable and "off-topic" in case.tags:
                    counts["unanswerable (off-topic)"] += 1
            missing = [d for d in turn.expected_docs if d not in texts]
            if missing:
                problems.append(f"{label}: expected_docs not in docs/{half}: {missing}")
                continue
            if turn.intent == "comparison" and turn.answerable and len(turn.expected_docs) < 2:
                problems.append(f"{label}: a comparison draws on two or more documents")
            if not 1 <= len(turn.key_facts) <= 5 and turn.answerable:
                problems.append(f"{label}: {len(turn.key_facts)} key facts (1-5 expected)")
            for fact in turn.key_facts:
                for phrasing in fact:
                    holders = [d for d in turn.expected_docs if contains_fact(texts[d], [phrasing])]
                    if not holders:
                        problems.append(f"{label}: {phrasing!r} is in none of {turn.expected_docs}")
                    elif not any(in_one_segment(texts[d], phrasing) for d in holders):
                        problems.append(f"{label}: {phrasing!r} spans a sentence or list break")
                    if not 1 <= len(phrasing.split()) <= 8:
                        problems.append(f"{label}: {phrasing!r} is not 1-8 words")
    return counts


def check_analysis(half: str, texts: dict[str, str], problems: list[str]) -> Counter:
    counts: Counter = Counter()
    path = FIELD / f"analysis-{half}.yaml"
    if not path.is_file():
        problems.append(f"{path.name} is missing")
        return counts
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def present(doc: str, span: str, what: str) -> None:
        if normalise(span) not in normalise(texts[doc]):
            problems.append(f"analysis {doc}: {what} {span!r} is not in the document")

    for doc, study in (data.get("studies") or {}).items():
        if doc not in texts:
            problems.append(f"analysis: study {doc} is not a document of docs/{half}")
            continue
        counts["studies"] += 1
        if study.get("framework") not in FRAMEWORKS:
            problems.append(f"analysis {doc}: framework {study.get('framework')!r} unknown")
        for kind in ("findings", "causes", "countermeasures"):
            for item in study.get(kind) or []:
                counts[kind] += 1
                present(doc, item["text"], kind[:-1])
                if not str(item.get("label", "")).strip():
                    problems.append(f"analysis {doc}: {item['text']!r} has no label")
                if item.get("component") not in COMPONENTS:
                    problems.append(f"analysis {doc}: component {item.get('component')!r} unknown")
                if study.get("framework") == "smith" and item.get("label") != item.get("component"):
                    problems.append(f"analysis {doc}: in a Smith study the label equals the component")
    for doc, rows in (data.get("responsibility") or {}).items():
        if doc not in texts:
            problems.append(f"analysis: responsibility {doc} is not a document of docs/{half}")
            continue
        counts["responsibility documents"] += 1
        for row in rows:
            counts["responsibility tasks"] += 1
            present(doc, row["task"], "task")
            departments = row.get("departments") or []
            counts["department mentions"] += len(departments)
            for department in departments:
                present(doc, department, "department")
            if "lead" in row:
                counts["tasks with a lead"] += 1
                present(doc, row["lead"], "lead")
                if row["lead"] not in departments:
                    problems.append(f"analysis {doc}: lead {row['lead']!r} not in the departments of {row['task']!r}")
    return counts


def check_sources(half: str, texts: dict[str, str], problems: list[str]) -> None:
    data = yaml.safe_load((FIELD / f"sources-{half}.yaml").read_text(encoding="utf-8"))
    listed = [entry["id"] for entry in data["documents"]]
    for entry in data["documents"]:
        missing = [k for k in ("id", "shape", "topic", "factual_source", "notes") if not entry.get(k)]
        if missing:
            problems.append(f"sources-{half}.yaml {entry.get('id')}: missing {missing}")
    if sorted(listed) != sorted(texts):
        problems.append(f"sources-{half}.yaml lists {sorted(set(listed) ^ set(texts))} differently from docs/{half}")


def main(half: str) -> int:
    problems: list[str] = []
    texts = read_documents(half)
    for doc, text in texts.items():
        if not re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", doc):
            problems.append(f"document id {doc!r} is not lowercase words joined by '-'")
        print(f"{doc:58} {len(text.split()):6} words")
    check_sources(half, texts, problems)
    questions = check_questions(half, texts, problems)
    analysis = check_analysis(half, texts, problems)
    print("questions:", dict(sorted(questions.items())))
    print("analysis: ", dict(sorted(analysis.items())))
    for problem in problems:
        print("PROBLEM:", problem)
    print(f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "dev"))
