"""What an answer is: text with [n] markers, and the passages they point at."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

Intent = Literal[
    "responsibility", "finding", "cause", "countermeasure", "fact", "overview", "comparison"
]


class Citation(BaseModel):
    number: int
    doc_id: str
    title: str
    source: str
    kind: str = ""
    year: int | None = None
    section: str = ""
    text: str  # verbatim from the cleaned document
    start: int  # character offsets of `text` in the cleaned document
    end: int
    score: float = 0.0


class Passage(BaseModel):
    """A retrieved passage (one chunk), in rank order; the answer was chosen from these."""

    doc_id: str
    start: int  # character offsets in the cleaned document
    end: int
    score: float  # fused retrieval score
    section: str = ""


class Answer(BaseModel):
    text: str
    citations: list[Citation] = []
    abstained: bool = False
    intent: Intent = "fact"
    question: str  # as answered: a follow-up rewritten to stand alone
    original_question: str | None = None
    mode: Literal["extractive", "llm"] = "extractive"
    closest_documents: list[str] = []  # titles, when abstaining
    removed_citations: list[int] = []  # LLM markers that pointed at no passage
    retrieved: list[Passage] = []  # what retrieval returned, best first (for checking and evals)
    warnings: list[str] = []
    seconds: float = 0.0
