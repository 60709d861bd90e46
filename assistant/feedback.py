"""Readers' ratings of answers, kept in `<data dir>/feedback.jsonl`, and drafts of eval cases made from them.

One JSON object a line, appended. A rating and a comment added to it later
are two lines with the same `id`; `FeedbackStore.latest()` keeps the last.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from assistant.answering.models import Answer
from assistant.files import atomic_write

FEEDBACK_FILE = "feedback.jsonl"


class CitedPassage(BaseModel):
    number: int
    doc_id: str
    title: str
    start: int
    end: int
    text: str


class FeedbackRecord(BaseModel):
    id: str
    timestamp: str  # ISO 8601, UTC
    rating: Literal["up", "down"]
    comment: str = ""
    question: str  # as answered (a follow-up rewritten to stand alone)
    original_question: str | None = None  # as typed, when it was rewritten
    answer: str
    citations: list[CitedPassage] = []
    intent: str = ""
    mode: str = ""
    abstained: bool = False
    settings: str = ""  # Settings.fingerprint() of the run that answered


class FeedbackStore:
    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()

    def add(
        self,
        answer: Answer,
        liked: bool,
        comment: str = "",
        settings_fingerprint: str = "",
        feedback_id: str | None = None,
    ) -> FeedbackRecord:
        """Append a rating of `answer`; pass the `id` of an earlier record to amend it (e.g. add a comment)."""
        record = FeedbackRecord(
            id=feedback_id or uuid.uuid4().hex[:12],
            timestamp=datetime.now(UTC).isoformat(timespec="seconds"),
            rating="up" if liked else "down",
            comment=comment.strip(),
            question=answer.question,
            original_question=answer.original_question,
            answer=answer.text,
            citations=[
                CitedPassage(number=c.number, doc_id=c.doc_id, title=c.title, start=c.start, end=c.end, text=c.text)
                for c in answer.citations
            ],
            intent=answer.intent,
            mode=answer.mode,
            abstained=answer.abstained,
            settings=settings_fingerprint,
        )
        line = record.model_dump_json() + "\n"
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(line)
        return record

    def records(self) -> list[FeedbackRecord]:
        """Every line, oldest first; a damaged line (a crash mid-write) is skipped."""
        if not self.path.is_file():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            try:
                records.append(FeedbackRecord(**json.loads(line)))
            except (ValueError, TypeError, ValidationError):
                continue
        return records

    def latest(self) -> list[FeedbackRecord]:
        """One record per id, the last written, in order of first appearance."""
        merged: dict[str, FeedbackRecord] = {}
        for record in self.records():
            merged[record.id] = record
        return list(merged.values())


def draft_cases(records: list[FeedbackRecord]) -> list[dict]:
    """Eval case drafts from thumbs-down answers: the question and the documents the answer
    cited; a reviewer decides `answerable`, fills `key_facts` and corrects `expected_docs`."""
    cases, seen = [], set()
    for record in records:
        if record.rating != "down" or record.question in seen:
            continue
        seen.add(record.question)
        cases.append({
            "id": f"feedback-{record.id}",
            "review": True,
            "question": record.question,
            "intent": record.intent or "fact",
            "answerable": None,
            "expected_docs": list(dict.fromkeys(c.doc_id for c in record.citations)),
            "key_facts": [],
            "feedback": {
                "comment": record.comment,
                "timestamp": record.timestamp,
                "settings": record.settings,
                "answer": record.answer,
            },
        })
    return cases


def write_drafts(records: list[FeedbackRecord], path: Path) -> int:
    """Write the drafts of `records` as a YAML question set; returns how many cases are new.

    Cases already in an existing `path` are kept as they are (a reviewer may have edited
    them); only feedback not drafted yet is added."""
    import yaml

    class Dumper(yaml.SafeDumper):
        pass

    def text(dumper: yaml.SafeDumper, value: str):  # multi-line answers as readable blocks
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    Dumper.add_representer(str, text)
    existing: list[dict] = []
    if path.is_file():
        existing = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("cases") or []
    known = {case.get("id") for case in existing} | {case.get("question") for case in existing}
    new = [case for case in draft_cases(records) if case["id"] not in known and case["question"] not in known]
    document = {
        "name": path.stem,
        "description": (
            f"Drafts from thumbs-down feedback, {date.today().isoformat()}. Review each case: set answerable, "
            "write key_facts, check expected_docs, drop `review` and `feedback`, then move it into a question set."
        ),
        "cases": existing + new,
    }
    atomic_write(path, yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100))
    return len(new)
