"""A question, read once: everything later stages need to know about it.

`Query` is made once per question by `read_query` and handed down to retrieval,
evidence gathering, composing and abstention; none of them re-reads the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from assistant.answering.cues import cues
from assistant.answering.intents import detect_intent, secondary_intent
from assistant.answering.models import Intent
from assistant.answering.terms import content_terms, stem, topic_terms, words


@dataclass(frozen=True)
class Query:
    text: str  # cleaned
    intent: Intent
    aspect: Intent  # for a comparison: what is compared (finding, cause, ...); else the intent itself
    terms: tuple[str, ...]  # stems of the content words
    topic: tuple[str, ...]  # content stems without framing words: what the question is about
    answer_type: str | None  # money | share | change | year | count | place | None
    asks_method: bool  # about how a study was done: design statements may answer it
    names: tuple[str, ...]  # named places and bodies, figures and years the question gives
    wants_problems: bool  # asks what is wrong (problems, barriers, challenges), not any result
    wants_positive: bool  # asks what went well (what helped, facilitators, achievements)
    surface: tuple[tuple[str, str], ...] = ()  # (stem, the word as the question wrote it) for the topic
    context: str | None = None  # a follow-up's earlier question: what "it" refers to

    @property
    def search_text(self) -> str:
        return f"{self.text} {self.context}" if self.context else self.text
    vector: np.ndarray = field(repr=False, compare=False, default_factory=lambda: np.zeros(0, np.float32))

    @property
    def wants_list(self) -> bool:
        return self.intent in ("finding", "cause", "countermeasure", "responsibility", "comparison")


_NOT_NAMES = frozenset(
    "what which who whom why how when where does do did is are was were can could should would will "
    "according in on for the a an and of to please tell give list i we our internet".split()
)


def named_terms(text: str) -> tuple[str, ...]:
    """Figures, years, named places and bodies, and other capitalised names (not the question's
    first word): the things a near-miss question gets wrong and the documents must mention."""
    found: list[str] = re.findall(r"(?<![\w.])\d+(?:[.,]\d+)?%?(?![\w])", text)
    found += [m.group(0) for m in cues().place.finditer(text)]
    tokens = re.findall(r"[A-Za-z][A-Za-z'’-]*", text)
    for index, token in enumerate(tokens):
        bare = re.sub(r"['’]s$", "", token)
        if index > 0 and bare[:1].isupper() and len(bare) > 1 and bare.lower() not in _NOT_NAMES:
            found.append(bare)
    return tuple(dict.fromkeys(name.lower() for name in found))


def wanted_answer_type(text: str) -> str | None:
    for answer_type in cues().answer_types:
        if answer_type.asks.search(text):
            return answer_type.name
    return None


def read_query(text: str, vector=None, intent: Intent | None = None, context: str | None = None) -> Query:
    intent = intent or detect_intent(text)
    topic = topic_terms(text)
    # The earlier question's topic counts too, after the follow-up's own words.
    topic += [t for t in (topic_terms(context) if context else []) if t not in topic]
    return Query(
        text=text,
        intent=intent,
        aspect=secondary_intent(text) if intent == "comparison" else intent,
        terms=tuple(content_terms(text)),
        topic=tuple(topic),
        answer_type=wanted_answer_type(text),
        asks_method=bool(cues().method_question.search(text)),
        names=named_terms(text),
        wants_problems=bool(cues().problem_words.search(text)),
        wants_positive=bool(cues().positive_words.search(text)) and not cues().problem_words.search(text),
        surface=tuple((stem(w), w) for w in dict.fromkeys(words(text)) if stem(w) in topic),
        context=context,
        vector=np.asarray(vector if vector is not None else [], dtype=np.float32),
    )
