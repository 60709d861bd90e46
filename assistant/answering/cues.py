"""The language cues of cues.yaml, compiled once.

Folded YAML lines are joined with a space; a space before `|` is never part of a
pattern, so it is dropped when compiling.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CUES_FILE = Path(__file__).with_name("cues.yaml")


def _pattern(text: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    return re.compile(re.sub(r"\s+\|", "|", text.strip()), flags)


@dataclass(frozen=True)
class AnswerType:
    name: str
    asks: re.Pattern[str]
    looks: re.Pattern[str]


@dataclass(frozen=True)
class Cues:
    intents: list[tuple[str, re.Pattern[str]]]
    method_question: re.Pattern[str]
    answer_types: list[AnswerType]
    organisation_heads: frozenset[str]
    administrative_levels: frozenset[str]
    place_units: frozenset[str]
    metadata_line: re.Pattern[str]
    reference_line: re.Pattern[str]
    affiliation_words: frozenset[str]
    labels: dict[str, str]  # label word -> design | background | finding | conclusion
    design_statement: re.Pattern[str]
    roles: dict[str, re.Pattern[str]]
    dangling_openers: re.Pattern[str]
    problem_words: re.Pattern[str]
    positive_words: re.Pattern[str]
    purpose_statement: re.Pattern[str]
    role_search_words: dict[str, str]
    imperative: re.Pattern[str]
    list_triggers: re.Pattern[str]

    @property
    def organisation(self) -> re.Pattern[str]:
        """A named body: capitalised words (with 'of', 'and', 'for', '&' between) ending in a head noun."""
        return _organisation_pattern(self.organisation_heads)

    @property
    def place(self) -> re.Pattern[str]:
        """A named place: one or two capitalised words (or a single capital) and a place unit."""
        return _place_pattern(self.place_units)


@cache
def _organisation_pattern(heads: frozenset[str]) -> re.Pattern[str]:
    head = "|".join(sorted(heads, key=len, reverse=True))
    word = r"(?:[A-Z][\w’'&.-]*|\"[^\"]{1,30}\")"
    joined = rf"{word}(?:\s+(?:of|and|for|on|&)\s+(?:the\s+)?{word}|\s+{word})*"
    return re.compile(rf"\b(?:{joined}\s+)?(?:{head})\b(?:\s+(?:of|for|on)\s+(?:the\s+)?{joined})?")


@cache
def _place_pattern(units: frozenset[str]) -> re.Pattern[str]:
    unit = "|".join(sorted(units, key=len, reverse=True))
    return re.compile(rf"\b(?:[A-Z][a-z’'-]+\s){{1,2}}(?:{unit})\b|\b[A-Z]\s(?:{unit})\b")


@cache
def cues() -> Cues:
    data = yaml.safe_load(CUES_FILE.read_text(encoding="utf-8"))
    answer_types = []
    for name, spec in data["answer_types"].items():
        looks_flags = 0 if spec.get("case_sensitive_looks") else re.IGNORECASE
        looks = (_organisation_pattern(frozenset(data["organisation_heads"])) if spec["looks"] == "@organisation"
                 else _pattern(spec["looks"], looks_flags))
        answer_types.append(AnswerType(name, _pattern(spec["asks"]), looks))
    labels = {word: group for group, words in data["labels"].items() for word in words}
    layout = data["layout"]
    return Cues(
        intents=[(intent, _pattern(pattern)) for intent, pattern in data["intents"].items()],
        method_question=_pattern(data["method_question"]),
        answer_types=answer_types,
        organisation_heads=frozenset(data["organisation_heads"]),
        administrative_levels=frozenset(data["administrative_levels"]),
        place_units=frozenset(data["place_units"]),
        metadata_line=_pattern(layout["metadata_line"]),
        reference_line=_pattern(layout["reference_line"], 0),
        affiliation_words=frozenset(layout["affiliation_words"]),
        labels=labels,
        design_statement=_pattern(data["design_statement"]),
        roles={role: _pattern(pattern) for role, pattern in data["roles"].items()},
        dangling_openers=_pattern(data["dangling_openers"]),
        problem_words=_pattern(data["problem_words"]),
        positive_words=_pattern(data["positive_words"]),
        purpose_statement=_pattern(data["purpose_statement"]),
        role_search_words=dict(data["role_search_words"]),
        imperative=re.compile(
            r"^(?:(?:and|also|we (?:will|should|must|need to)|it is (?:necessary|suggested|recommended) to)\s+)?(?:"
            + "|".join(re.escape(v) for v in sorted(set(data["imperative_verbs"]), key=len, reverse=True))
            + r")\b",
            re.IGNORECASE,
        ),
        list_triggers=_pattern(data["list_triggers"]),
    )
