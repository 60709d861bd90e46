"""What kind of answer a question wants, from the way analysts phrase them.

Ordered rules from cues.yaml: the first intent whose pattern matches wins, and
comparison is checked first because "compare the problems ..." is a comparison first.
"""

from __future__ import annotations

from assistant.answering.cues import cues
from assistant.answering.models import Intent


def detect_intent(question: str) -> Intent:
    for intent, pattern in cues().intents:
        if pattern.search(question):
            return intent  # type: ignore[return-value]
    return "fact"


def secondary_intent(question: str) -> Intent:
    """For a comparison: what is being compared (findings, countermeasures, ...)."""
    for intent, pattern in cues().intents:
        if intent != "comparison" and pattern.search(question):
            return intent  # type: ignore[return-value]
    return "overview"
