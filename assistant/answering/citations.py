"""Numbering the passages an answer cites, in order of first use."""

from __future__ import annotations

from assistant.answering.models import Citation
from assistant.documents import Document


class CitationBook:
    """Numbers passages (document spans) in order of first use; the same span keeps its number."""

    def __init__(self, documents: dict[str, Document], doc_scores: dict[str, float] | None = None):
        self.documents = documents
        self.doc_scores = doc_scores or {}
        self.citations: list[Citation] = []
        self._numbers: dict[tuple[str, int, int], int] = {}

    def cite(self, doc_id: str, start: int, end: int, section: str = "") -> int:
        key = (doc_id, start, end)
        if key not in self._numbers:
            document = self.documents[doc_id]
            number = len(self.citations) + 1
            self._numbers[key] = number
            self.citations.append(Citation(
                number=number, doc_id=doc_id, title=document.title, source=document.source,
                kind=document.kind, year=document.year, section=section,
                text=document.text[start:end], start=start, end=end,
                score=round(self.doc_scores.get(doc_id, 0.0), 4),
            ))
        return self._numbers[key]

    def cite_unit(self, unit) -> int:
        """Cite the passage a unit comes from (anything with doc_id, passage_start, passage_end, section)."""
        return self.cite(unit.doc_id, unit.passage_start, unit.passage_end, unit.section)

    @property
    def doc_ids(self) -> list[str]:
        return list(dict.fromkeys(c.doc_id for c in self.citations))
