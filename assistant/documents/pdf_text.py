"""Text of a PDF as paragraphs, not as printed lines.

A PDF's text comes out line by line as the page was set: every line ends where the
printed line ended, mid-sentence, and each page repeats its running header and footer.
Read that way, a sentence is cut into pieces and a header turns up inside a paragraph.
This joins the lines of a paragraph back together (a line that runs to the page's full
width, or does not end a sentence, continues on the next) and drops the lines every
page repeats (running headers and footers, page numbers), keeping the first page's.
"""

from __future__ import annotations

import re
from collections import Counter

_ENDS_SENTENCE = re.compile(r"[.!?。！？:：;；]['\"”’)]*$")
_PAGE_NUMBER = re.compile(r"^(?:page\s*)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.I)


def _shape(line: str) -> str:
    """A line with its numbers blanked, so 'Page 3 of 22' and 'Page 4 of 22' look alike."""
    return re.sub(r"\d+", "#", line.strip().lower())


def repeated_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of the lines at the top or bottom of at least half the pages (three or more)."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        edges = [line for line in lines[:2] + lines[-2:] if line.strip()]
        counts.update({_shape(line) for line in edges})
    return {shape for shape, count in counts.items() if count >= max(3, len(pages) // 2)}


def join_lines(lines: list[str]) -> str:
    """The lines of one page, paragraphs joined: a line continues on the next when it does not
    end a sentence, or when it runs (nearly) to the page's usual full width."""
    widths = sorted(len(line) for line in lines if line.strip())
    # A title page's short lines are no full-width lines: a line counts as full width from 60 characters.
    full = max(widths[int(len(widths) * 0.8)] if widths else 0, 60)
    out: list[str] = []
    for line in (line.strip() for line in lines):
        if not line:
            if out and out[-1] != "":
                out.append("")
            continue
        if out and out[-1]:
            previous = out[-1]
            wide = len(previous) >= 0.85 * full
            continues = not _ENDS_SENTENCE.search(previous) and (
                wide or line[:1].islower() or line[:1].isdigit() and not re.match(r"^\d+(?:\.\d+)*\s", line)
            )
            runs_on = wide and previous.endswith(".") and line[:1].islower()
            if continues or runs_on:
                if previous.endswith("-") and line[:1].islower():
                    out[-1] = previous[:-1] + line  # a word hyphenated at the line's end
                else:
                    out[-1] = f"{previous} {line}"
                continue
        out.append(line)
    return "\n".join(out)


def paragraphs(page_texts: list[str]) -> str:
    """The text of the pages, running headers and footers dropped (but for the first page's) and
    each page's paragraphs joined."""
    pages = [text.splitlines() for text in page_texts]
    repeated = repeated_lines(pages)
    kept = []
    for number, lines in enumerate(pages):
        keep = [
            line for line in lines
            if not _PAGE_NUMBER.match(line.strip()) and (number == 0 or _shape(line) not in repeated)
        ]
        kept.append(join_lines(keep))
    text = ""
    for page in kept:
        if not page:
            continue
        # A paragraph running on from the previous page.
        if text and not _ENDS_SENTENCE.search(text) and page[:1].islower():
            text += " " + page
        else:
            text += ("\n\n" if text else "") + page
    return text
