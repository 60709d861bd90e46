"""Example questions made from the documents in front of the user, not from ours.

For each kind of document in the library, questions of the intent that kind answers (a study's
findings and recommendations, a plan's responsible departments, a notice's main points) about
one of its real titles. The kinds' words and the question templates are data
(`examples.yaml` beside this module); nothing here knows a document.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel

from assistant.answering.intents import detect_intent
from assistant.answering.models import Intent

RULES_FILE = Path(__file__).with_name("examples.yaml")
# A title's part before a colon stands for the whole when it is a title in itself (three words or
# more): "Implementation of X policy: a study based on Y" -> "Implementation of X policy".
_HEAD = re.compile(r"^(.{12,}?):\s")


class ExampleQuestion(BaseModel):
    intent: Intent
    question: str
    doc_ids: list[str]  # the documents it is about


class QuestionTemplate(BaseModel):
    intent: Intent
    template: str


class KindRule(BaseModel):
    name: str
    words: list[str] = []  # empty: every kind the rules before it leave
    questions: list[QuestionTemplate]

    def matches(self, kind: str) -> bool:
        found = set(re.findall(r"\w+", kind.lower()))
        return not self.words or any(word.lower() in found for word in self.words)


class Titled(BaseModel):
    """What an example needs of a document (DocumentInfo has these and more)."""

    doc_id: str
    title: str
    kind: str


@cache
def load_rules(path: Path = RULES_FILE) -> tuple[KindRule, ...]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return tuple(KindRule.model_validate(rule) for rule in data["rules"])


def short_title(title: str) -> str:
    head = _HEAD.match(title)
    if head and len(head.group(1).split()) >= 3:
        return head.group(1).strip()
    return " ".join(title.split())


def example_questions(
    documents: Sequence[object], limit: int = 6, rules: Sequence[KindRule] | None = None
) -> list[ExampleQuestion]:
    """Up to `limit` example questions: the first question of each kind's rule, then the second
    of each, and so on, every kind present getting its first question before any gets a second."""
    rules = load_rules() if rules is None else rules
    members: dict[str, list[Titled]] = {rule.name: [] for rule in rules}
    for document in sorted(documents, key=lambda d: d.doc_id):
        rule = next((r for r in rules if r.matches(document.kind)), None)
        if rule is not None:
            members[rule.name].append(Titled.model_validate(document, from_attributes=True))
    groups = [(rule, members[rule.name]) for rule in rules if members[rule.name]]

    examples: list[ExampleQuestion] = []
    asked = {rule.name: 0 for rule, _ in groups}  # documents of each group asked about so far
    for round_ in range(max((len(rule.questions) for rule, _ in groups), default=0)):
        for rule, group in groups:
            if round_ >= len(rule.questions) or len(examples) >= limit:
                continue
            example = _make(rule.questions[round_], group, asked[rule.name])
            if example is not None and example.question not in {e.question for e in examples}:
                examples.append(example)
                asked[rule.name] += 1
    return examples


def _make(template: QuestionTemplate, members: list[Titled], turn: int) -> ExampleQuestion | None:
    first = members[turn % len(members)]
    chosen = [first]
    values = {"title": short_title(first.title)}
    if "{other}" in template.template:
        if len(members) < 2:
            return None
        other = members[(turn + 1) % len(members)]
        chosen.append(other)
        values["other"] = short_title(other.title)
    question = template.template.format(**values)
    if detect_intent(question) != template.intent:
        return None
    return ExampleQuestion(intent=template.intent, question=question, doc_ids=[d.doc_id for d in chosen])
