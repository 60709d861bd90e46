"""The curated question sets in evals/*.yaml, read and validated."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError, model_validator

from assistant.answering.models import Intent
from assistant.errors import AssistantError


class Turn(BaseModel):
    """One question with its gold: the documents that answer it and the facts an answer must contain."""

    question: str
    intent: Intent
    answerable: bool = True
    expected_docs: list[str] = []
    key_facts: list[list[str]] = []  # each fact: acceptable phrasings, any one counts

    @model_validator(mode="after")
    def _consistent(self) -> Turn:
        if self.answerable and not (self.expected_docs and self.key_facts):
            raise ValueError("an answerable question needs expected_docs and key_facts")
        if not self.answerable and (self.expected_docs or self.key_facts):
            raise ValueError("an unanswerable question has no expected_docs or key_facts")
        if any(not fact for fact in self.key_facts):
            raise ValueError("a key fact needs at least one phrasing")
        return self


class Case(BaseModel):
    """A single question, or a conversation of 2 to 4 turns that lean on each other."""

    id: str
    turns: list[Turn]
    tags: list[str] = []
    set_name: str = ""

    @property
    def is_conversation(self) -> bool:
        return len(self.turns) > 1


class QuestionSet(BaseModel):
    name: str
    description: str = ""
    path: Path
    cases: list[Case]


class QuestionSetError(AssistantError, ValueError):
    """A question set that cannot be read; the message names the file and the case."""


def _case(raw: dict, set_name: str) -> Case:
    raw = dict(raw)
    if "turns" not in raw:
        turn_fields = {k: raw.pop(k) for k in list(raw) if k in Turn.model_fields}
        raw["turns"] = [turn_fields]
    return Case(**raw, set_name=set_name)


def load_set(path: Path) -> QuestionSet:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise QuestionSetError(f"{path}: cannot read: {exc}") from None
    name = data.get("name") or path.stem
    cases = []
    for number, raw in enumerate(data.get("cases") or [], 1):
        try:
            cases.append(_case(raw, name))
        except ValidationError as exc:
            label = raw.get("id", f"case {number}") if isinstance(raw, dict) else f"case {number}"
            problems = "; ".join(
                f"{'.'.join(str(p) for p in err['loc']) or 'case'}: {err['msg'].removeprefix('Value error, ')}"
                for err in exc.errors()
            )
            raise QuestionSetError(f"{path.name}: {label}: {problems}") from None
        except TypeError as exc:
            raise QuestionSetError(f"{path.name}: case {number}: {exc}") from None
    return QuestionSet(name=name, description=data.get("description", ""), path=path, cases=cases)


def find_sets(evals_dir: Path, names: list[str] | None = None) -> list[Path]:
    """evals/*.yaml that hold cases, or the named ones (by set file stem or path)."""
    if names:
        paths = []
        for name in names:
            candidate = Path(name)
            if not candidate.exists():
                candidate = evals_dir / (name if name.endswith(".yaml") else f"{name}.yaml")
            if not candidate.exists():
                raise QuestionSetError(f"no question set named {name!r} in {evals_dir}")
            paths.append(candidate)
        return paths
    return sorted(p for p in evals_dir.glob("*.yaml") if "cases" in (yaml.safe_load(p.read_text("utf-8")) or {}))


def load_sets(paths: list[Path]) -> list[QuestionSet]:
    sets = [load_set(p) for p in paths]
    seen: dict[str, str] = {}
    for qset in sets:
        for case in qset.cases:
            if case.id in seen:
                raise QuestionSetError(f"case id {case.id!r} appears in both {seen[case.id]} and {qset.name}")
            seen[case.id] = qset.name
    return sets


def normalise(text: str) -> str:
    """How key facts are matched: case-insensitive, whitespace runs collapsed, curly quotes straightened."""
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2018", "'").replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip().lower()


def contains_fact(text: str, phrasings: list[str]) -> bool:
    haystack = normalise(text)
    return any(normalise(p) in haystack for p in phrasings)
