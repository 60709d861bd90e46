"""Multi-turn conversations: follow-ups are rewritten to stand alone.

Extractive mode carries the earlier turn's document focus and topic: "And
what does it suggest doing about them?" after a question on the J Town study
becomes a countermeasure question restricted to that study. LLM mode asks the
model to condense the follow-up with the template in prompts/condense.txt.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from pydantic import BaseModel

from assistant.answering.abstention import salient_terms
from assistant.answering.intents import detect_intent
from assistant.answering.models import Answer, Intent
from assistant.questions import clean_question
from assistant.retrieval import Filters

_REFERS_BACK = re.compile(
    r"\b(?:it|its|they|them|their|this|that|these|those|there|the same|above|former|latter|he|she)\b"
    r"|\bthe (?:study|paper|plan|notice|document|article|report|policy|town|county|province)\b"
    r"|^\s*(?:and|also|what about|how about|so|then|but)\b",
    re.IGNORECASE,
)
_INTENT_PHRASE = {
    "finding": "What problems were found",
    "cause": "What causes are given",
    "countermeasure": "What is recommended",
    "responsibility": "Who is responsible",
    "overview": "What is the document about",
}


class Turn(BaseModel):
    question: str
    answer: Answer


AskFunction = Callable[..., Answer]  # (question, filters=..., intent=..., original=...) -> Answer
Condense = Callable[[list[Turn], str], str]  # an LLM rewriting a follow-up


def is_follow_up(question: str) -> bool:
    return bool(_REFERS_BACK.search(question)) or len(question.split()) <= 4


class Conversation:
    def __init__(
        self,
        ask: AskFunction,
        max_turns: int = 10,
        filters: Filters | None = None,
        condense: Condense | None = None,
    ):
        self._ask = ask
        self.turns: deque[Turn] = deque(maxlen=max_turns)
        self.filters = filters
        self.condense = condense

    def reset(self) -> None:
        self.turns.clear()

    def ask(self, question: str, **kwargs) -> Answer:
        # Refuse a question with nothing in it before it can pass for a short follow-up
        # ("?!" after a turn would otherwise be rewritten into the earlier question).
        question, _ = clean_question(question)
        previous = self.turns[-1] if self.turns else None
        standalone, filters, intent = question, kwargs.pop("filters", self.filters), None
        if previous is not None and is_follow_up(question):
            if self.condense is not None:
                standalone = self.condense(list(self.turns), question)
            else:
                standalone, filters, intent = self._carry(previous, question, filters)
        answer = self._ask(standalone, filters=filters, intent=intent, **kwargs)
        if standalone != question:
            answer.original_question = question
        self.turns.append(Turn(question=question, answer=answer))
        return answer

    @staticmethod
    def _carry(previous: Turn, question: str, filters: Filters | None):
        """Extractive rewriting: keep the earlier turn's topic and, unless the
        follow-up names a place or body of its own, its document."""
        earlier = previous.answer
        intent: Intent | None = detect_intent(question)
        if intent == "fact" and not re.search(r"\b(?:how many|when|what year|how much)\b", question, re.I):
            intent = earlier.intent
        if salient_terms(question):
            # "And in L County?": same kind of question, new focus.
            phrase = _INTENT_PHRASE.get(intent or "", earlier.question.rstrip("?"))
            return f"{phrase} — {question.strip()}", filters, intent
        focus = earlier.citations[0] if earlier.citations else None
        if focus is None:
            return f"{question.strip()} (following: {earlier.question})", filters, intent
        if filters is not None and filters.doc_ids and focus.doc_id not in filters.doc_ids:
            # The reader has since narrowed the search to other documents (the UI's filter): that
            # wins, and nothing of the earlier question (another document's names) is carried in.
            return question.strip(), filters, intent
        carried = Filters(doc_ids=[focus.doc_id])
        if filters is not None and filters.active():
            carried = filters.model_copy(update={"doc_ids": [focus.doc_id]})
        rewritten = f"{question.strip()} [about {focus.title}; earlier question: {earlier.question}]"
        return rewritten, carried, intent
