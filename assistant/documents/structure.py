"""Sentences and section headings of a cleaned document, as character spans.

Sentence boundaries come from NLTK's Punkt model (the copy that ships inside
llama-index-core, so nothing is downloaded). Headings are found by layout:
Markdown `#` lines, short numbered lines ("2. Guangdong action plan") and
short lines ending in a colon ("Internet + Social Security:").
"""

from __future__ import annotations

import importlib.util
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Heading:
    start: int
    end: int
    level: int
    title: str


@lru_cache(maxsize=1)
def _punkt():
    import nltk
    from nltk.tokenize.punkt import PunktTokenizer

    spec = importlib.util.find_spec("llama_index.core")
    if spec and spec.submodule_search_locations:
        cache = Path(next(iter(spec.submodule_search_locations))) / "_static" / "nltk_cache"
        if str(cache) not in nltk.data.path:
            nltk.data.path.append(str(cache))
    return PunktTokenizer("english")


def lines_with_offsets(text: str) -> list[Span]:
    spans, position = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.index(stripped)
            spans.append(Span(start, start + len(stripped), stripped))
        position += len(line) + 1
    return spans


# "Chapter 5 Causes of the remaining problems", "Part II Key tasks", "Annex A Tables": a report's top level.
_CHAPTER = re.compile(r"^(?:chapter|part|annex|appendix)\s+(?:\d{1,2}|[IVX]{1,4}|[A-Z])\b[.:]?\s*\S", re.IGNORECASE)
_NUMBERED = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*[.)、]|[IVX]{1,4}\.|\(\d{1,2}\)|[一二三四五六七八九十]+、)\s*\S")


def heading_level(line: str, is_first_line: bool = False) -> int | None:
    """The level of a heading line, or None for body text."""
    markdown = re.match(r"^(#{1,6})\s+\S", line)
    if markdown:
        return len(markdown.group(1))
    words = line.split()
    if not words or len(words) > 14 or len(line) > 120:
        return None
    if _CHAPTER.match(line) and not re.search(r"[.;。]$", line):
        return 1
    if _NUMBERED.match(line) and not re.search(r"[.;。]$", line):
        number = re.match(r"^[\d.]+", line)
        return number.group(0).rstrip(".").count(".") + 1 if number else 1
    if line.endswith((":", "：")) and len(words) <= 10 and line.count("(") <= line.count(")"):
        return 3  # not "(Responsible:", a list of bodies broken over lines
    if is_first_line and not re.search(r"[.!?;,。]$", line):
        return 1
    return None


def find_headings(text: str) -> list[Heading]:
    headings = []
    for index, line in enumerate(lines_with_offsets(text)):
        level = heading_level(line.text, is_first_line=index == 0)
        if level is not None:
            title = line.text.lstrip("#").strip().rstrip(":：").strip()
            headings.append(Heading(line.start, line.end, level, title))
    return headings


def heading_chain(headings: list[Heading], offset: int) -> list[Heading]:
    """The headings above `offset`, outermost first."""
    chain: list[Heading] = []
    for heading in headings:
        if heading.start > offset:
            break
        while chain and chain[-1].level >= heading.level:
            chain.pop()
        chain.append(heading)
    return chain


def section_path(headings: list[Heading], offset: int) -> str:
    """The chain of headings above `offset`, outermost first ("2. Plan > Internet + Medical")."""
    return " > ".join(h.title for h in heading_chain(headings, offset))


MAX_BRACKET_LINES = 4


def _bracketed_lines(source: str, lines: list[Span]) -> list[Span]:
    """Lines, with a parenthesis broken over lines joined back into one line ("(Responsible:" /
    "Provincial Health Commission;" / "Provincial Department of Education)", as PDF text gives
    it), when it closes within MAX_BRACKET_LINES lines."""
    joined: list[Span] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        depth = line.text.count("(") - line.text.count(")")
        last = index
        while depth > 0 and last + 1 < len(lines) and last - index < MAX_BRACKET_LINES:
            last += 1
            depth += lines[last].text.count("(") - lines[last].text.count(")")
        if depth == 0 and last > index:
            joined.append(Span(line.start, lines[last].end, source[line.start:lines[last].end]))
            index = last + 1
            continue
        joined.append(line)
        index += 1
    return joined


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentences of `text[start:end]` with offsets into `text`; a line never shares a sentence
    with the next one, and a heading line is one sentence, so headings and list lines stay
    whole. `start` should be a line or sentence boundary (a chunk's start is one)."""
    tokenizer = _punkt()
    sentences = []
    window = text[start:end]
    for index, line in enumerate(_bracketed_lines(window, lines_with_offsets(window))):
        line = Span(start + line.start, start + line.end, line.text)
        if heading_level(line.text, is_first_line=index == 0 and start == 0) is not None:
            sentences.append(line)
            continue
        # a joined line keeps its newlines in the text; the tokenizer reads them as spaces
        for a, b in tokenizer.span_tokenize(line.text.replace("\n", " ")):
            sentences.append(Span(line.start + a, line.start + b, line.text[a:b]))
    return sentences
