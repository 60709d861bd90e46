"""Sentence-aware chunks sized for the embedding model, with overlap.

A chunk never crosses a section heading, so each carries the heading path it
sits under. Chunk text is a verbatim slice of the cleaned document
(`text == document.text[start:end]`), which is what lets a citation point at
exact characters.
"""

from __future__ import annotations

import hashlib

from pydantic import BaseModel

from assistant.documents import Document
from assistant.documents.structure import Span, find_headings, section_path, split_sentences

MODEL_LIMIT = 254  # all-MiniLM-L6-v2 reads 256 word pieces, two of them [CLS] and [SEP]


class Chunk(BaseModel):
    id: str
    doc_id: str
    title: str
    kind: str
    region: str | None = None
    year: int | None = None
    section: str = ""
    ordinal: int
    start: int
    end: int
    text: str

    @property
    def embed_text(self) -> str:
        """What the embedder and BM25 see: the passage under its title and heading."""
        header = f"{self.title}\n{self.section}" if self.section else self.title
        return f"{header}\n{self.text}"

    def metadata(self) -> dict:
        """Flat metadata for the vector store (Chroma takes no None values)."""
        data = {
            "doc_id": self.doc_id,
            "title": self.title,
            "kind": self.kind,
            "section": self.section,
            "ordinal": self.ordinal,
            "start": self.start,
            "end": self.end,
        }
        if self.region is not None:
            data["region"] = self.region
        if self.year is not None:
            data["year"] = self.year
        return data


def _split_long(span: Span, budget: int, tokenizer) -> list[Span]:
    """Cut a sentence longer than the budget into pieces of at most `budget`
    word pieces, ending each piece at a word boundary where one exists."""
    encoding = tokenizer.encode(span.text, add_special_tokens=False)
    offsets, word_ids = encoding.offsets, encoding.word_ids
    pieces, first = [], 0
    while first < len(offsets):
        stop = min(first + budget, len(offsets))
        if stop < len(offsets):
            boundary = stop
            while boundary > first + 1 and word_ids[boundary] == word_ids[boundary - 1]:
                boundary -= 1
            if boundary > first + 1:
                stop = boundary
        start, end = offsets[first][0], offsets[stop - 1][1]
        pieces.append(Span(span.start + start, span.start + end, span.text[start:end]))
        first = stop
    return pieces


def count_tokens(tokenizer, texts: list[str]) -> list[int]:
    """Word pieces of each text, without the [CLS]/[SEP] the model adds: one call into the
    tokenizer for them all (one call per sentence cost ~12% of a large ingest's chunking)."""
    return [len(encoding.ids) for encoding in tokenizer.encode_batch(texts, add_special_tokens=False)]


def chunk_document(document: Document, tokenizer, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """`tokenizer`: the embedding model's, from `tokenizers`, with padding and truncation off."""
    headings = find_headings(document.text)
    sections: list[tuple[str, list[Span]]] = []
    for sentence in split_sentences(document.text):
        path = section_path(headings, sentence.start)
        if sections and sections[-1][0] == path:
            sections[-1][1].append(sentence)
        else:
            sections.append((path, [sentence]))

    chunks: list[Chunk] = []
    # Ids change with the text and with the chunking, so a rebuild never reuses an id.
    version = hashlib.sha256(
        f"{document.content_hash}:{max_tokens}:{overlap_tokens}".encode()
    ).hexdigest()[:12]

    def emit(section: str, spans: list[Span]) -> None:
        start, end = spans[0].start, spans[-1].end
        chunks.append(
            Chunk(
                id=f"{document.doc_id}:{version}:{len(chunks):04d}",
                doc_id=document.doc_id,
                title=document.title,
                kind=document.kind,
                region=document.region,
                year=document.year,
                section=section,
                ordinal=len(chunks),
                start=start,
                end=end,
                text=document.text[start:end],
            )
        )

    prefixes = count_tokens(tokenizer, [f"{document.title}\n{section}" for section, _ in sections])
    sizes = iter(count_tokens(tokenizer, [sentence.text for _, sentences in sections for sentence in sentences]))
    for (section, sentences), prefix in zip(sections, prefixes, strict=True):
        budget = max(16, min(max_tokens, MODEL_LIMIT - prefix))
        units: list[tuple[Span, int]] = []
        for sentence in sentences:
            tokens = next(sizes)
            if tokens <= budget:
                units.append((sentence, tokens))
            else:
                pieces = _split_long(sentence, budget, tokenizer)
                units.extend(zip(pieces, count_tokens(tokenizer, [piece.text for piece in pieces]), strict=True))

        current: list[tuple[Span, int]] = []
        for unit in units:
            if current and sum(t for _, t in current) + unit[1] > budget:
                emit(section, [s for s, _ in current])
                carried: list[tuple[Span, int]] = []
                for previous in reversed(current[1:]):  # never carry the whole chunk
                    kept = sum(t for _, t in carried) + previous[1]
                    if kept > overlap_tokens or kept + unit[1] > budget:
                        break
                    carried.insert(0, previous)
                current = carried
            current.append(unit)
        if current:
            emit(section, [s for s, _ in current])
    return chunks
