"""Multi-turn conversations: a follow-up is rewritten into a question that stands alone.

"What does it recommend?" after "What did the J Town study find?" becomes "What does
the J Town study recommend?", asked of that study's document; "And in L County?"
becomes the earlier question about L County, asked of the whole corpus. The
rewritten question is a question in words, which `Answer.question` carries and the
UI shows as "Answered as". LLM mode asks the model to condense the follow-up with
the template in prompts/condense.txt.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from pydantic import BaseModel

from assistant.answering.cues import cues
from assistant.answering.intents import detect_intent
from assistant.answering.models import Answer, Intent
from assistant.answering.query import named_terms
from assistant.answering.terms import topic_terms
from assistant.questions import clean_question
from assistant.retrieval import Filters

_REFERS_BACK = re.compile(
    r"\b(?:it|its|they|them|their|this|that|these|those|there|the same|above|former|latter|he|she)\b"
    r"|\b(?:the|this|that) (?:study|paper|plan|notice|document|article|report|policy|survey|review"
    r"|town|county|city|province)\b"
    r"|\bthe (?:authors?|researchers|writers)\b|\bthe \w+ ones?\b"
    r"|^\s*(?:and|also|what about|how about|so|then|but)\b",
    re.IGNORECASE,
)
_DOCUMENT_NOUNS = r"(?:study|paper|plan|notice|document|article|report|survey|review|opinions|programme|analysis)"
# "the J Town study", "Guangdong's 2015 plan", "the study of Guangdong's Internet medical policy"
_SUBJECT = re.compile(
    rf"\b(?:the|this|that)\s+(?:(?!of\b)[\w’'+-]+\s+){{1,6}}?{_DOCUMENT_NOUNS}\b"
    rf"|\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){{0,3}}[’']s\s+(?:[\w+-]+\s+){{0,4}}?{_DOCUMENT_NOUNS}\b",
)
# A reference to the earlier subject inside a follow-up, replaced by the subject itself.
_POINTER = re.compile(
    rf"\b(?:this|that)\s+{_DOCUMENT_NOUNS}\b|\bthe\s+(?:same\s+)?{_DOCUMENT_NOUNS}\b"
    r"|\bit\b(?!\s+(?:is|was) (?:suggested|recommended|necessary))",
    re.IGNORECASE,
)
_FOLLOW_ON = re.compile(r"^\s*(?:and|also|so|then|but|ok(?:ay)?|now)\b[\s,]*", re.IGNORECASE)
_ASKS_FACT = re.compile(r"\b(?:how many|how much|when|what year|which year|what share|what percentage)\b", re.I)
_STANDALONE_BY_INTENT = {
    "finding": "What did {subject} find?",
    "cause": "What reasons does {subject} give?",
    "countermeasure": "What does {subject} recommend?",
    "responsibility": "Who is responsible in {subject}?",
    "overview": "What is {subject} about?",
}
_KIND_NOUN = [
    (re.compile(r"\b(?:research|study|abstract|survey|review|thesis)\b", re.I), "study"),
    (re.compile(r"\bplan\b", re.I), "plan"),
    (re.compile(r"\b(?:notice|circular|opinions)\b", re.I), "notice"),
    (re.compile(r"\breport\b", re.I), "report"),
]


class Turn(BaseModel):
    question: str
    answer: Answer


AskFunction = Callable[..., Answer]  # (question, filters=..., intent=...) -> Answer
Condense = Callable[[list[Turn], str], str]  # an LLM rewriting a follow-up


def is_follow_up(question: str) -> bool:
    """Leans on an earlier turn: refers back ("it", "those", "the authors"), or is too short or too
    bare of topic words to stand alone ("Who is being left out?")."""
    return bool(_REFERS_BACK.search(question)) or len(question.split()) <= 4 or len(topic_terms(question)) <= 1


def subject_of(question: str) -> str | None:
    """The phrase by which a question names the document it is about, if it names one."""
    match = _SUBJECT.search(question)
    return match.group(0).strip() if match else None


def describe(title: str, kind: str) -> str:
    """How to name a document in a question: 'the study “<title up to its colon>”'."""
    noun = next((n for pattern, n in _KIND_NOUN if pattern.search(f"{kind} {title}")), "document")
    short = re.split(r"[:：]\s", title, maxsplit=1)[0].strip()
    words = short.split()
    if len(words) > 12:
        short = " ".join(words[:12]) + " …"
    return f"the {noun} “{short}”"


def standalone(question: str, intent: Intent, subject: str) -> str:
    """The follow-up with its pointer ("it", "the study") replaced by the subject, or the intent's
    plain question about the subject when the follow-up is only a fragment ("And why?")."""
    body = _FOLLOW_ON.sub("", question.strip())
    body = body[:1].upper() + body[1:] if body else body
    if len(body.split()) <= 3 and intent in _STANDALONE_BY_INTENT:
        return _STANDALONE_BY_INTENT[intent].format(subject=subject)
    replaced, count = _POINTER.subn(subject, body, count=1)
    if count:
        return replaced
    return re.sub(r"\s*\?*\s*$", "", body) + f" in {subject}?"


class Conversation:
    def __init__(
        self,
        ask: AskFunction,
        max_turns: int = 10,
        filters: Filters | None = None,
        condense: Condense | None = None,
        max_question_chars: int | None = None,
    ):
        self._ask = ask
        self.max_question_chars = max_question_chars
        self.turns: deque[Turn] = deque(maxlen=max_turns)
        self.filters = filters
        self.condense = condense

    def reset(self) -> None:
        self.turns.clear()

    def ask(self, question: str, **kwargs) -> Answer:
        # Refuse a question with nothing in it before it can pass for a short follow-up
        # ("?!" after a turn would otherwise be rewritten into the earlier question).
        # Cut here too, with the library's limit: a 100,000-character "follow-up" must not be
        # rewritten into the earlier question and lose the warning that it was cut.
        question, warnings = clean_question(question, self.max_question_chars)
        previous = self.turns[-1] if self.turns else None
        rewritten, filters, intent = question, kwargs.pop("filters", self.filters), None
        context = None
        if previous is not None and not previous.answer.abstained and is_follow_up(question):
            if self.condense is not None:
                rewritten = self.condense(list(self.turns), question)
            else:
                rewritten, filters, intent = self._carry(previous, question, filters)
                # The earlier question says what "that task" or "them" is: it guides the search.
                context = previous.answer.question
        answer = self._ask(rewritten, filters=filters, intent=intent, context=context, **kwargs)
        if rewritten != question:
            answer.original_question = question
        answer.warnings = [w for w in warnings if w not in answer.warnings] + answer.warnings
        self.turns.append(Turn(question=question, answer=answer))
        return answer

    @staticmethod
    def _carry(previous: Turn, question: str, filters: Filters | None):
        """Extractive rewriting: name the earlier turn's subject in the follow-up and, unless the
        follow-up names a place or body of its own, keep to the earlier turn's document."""
        earlier = previous.answer
        intent: Intent | None = detect_intent(question)
        if intent == "fact" and not _ASKS_FACT.search(question):
            intent = earlier.intent
        new_names = [n for n in named_terms(question) if not n[:1].isdigit()]
        if new_names and cues().place.search(question) or new_names and not _POINTER.search(question):
            # "And in L County?": the same question about something else, over the whole corpus.
            return Conversation._swap_subject(earlier.question, question), filters, intent
        focus = earlier.citations[0] if earlier.citations else None
        if focus is None:
            return question, filters, intent
        if filters is not None and filters.doc_ids and focus.doc_id not in filters.doc_ids:
            # The reader has since narrowed the search to other documents (the UI's filter): that
            # wins, and nothing of the earlier question (another document's names) is carried in.
            return question, filters, intent
        subject = subject_of(earlier.question) or describe(focus.title, focus.kind)
        carried = Filters(doc_ids=[focus.doc_id])
        if filters is not None and filters.active():
            carried = filters.model_copy(update={"doc_ids": [focus.doc_id]})
        return standalone(question, intent or earlier.intent, subject), carried, intent

    @staticmethod
    def _swap_subject(earlier: str, follow_up: str) -> str:
        """'What did the J Town study find?' + 'And in L County?' -> 'What did the J Town study find
        in L County?' unless the follow-up is a question of its own."""
        body = _FOLLOW_ON.sub("", follow_up.strip())
        if len(body.split()) > 5:
            return body[:1].upper() + body[1:]
        about = re.sub(r"^(?:what about|how about|in|for|about)\s+", "", body.rstrip("?"), flags=re.I).strip()
        places = [m.group(0) for m in cues().place.finditer(earlier)]
        if places:
            return earlier.replace(places[0], about, 1)
        return re.sub(r"\s*\?*\s*$", "", earlier) + f" in {about}?" if about else earlier
