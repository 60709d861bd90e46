"""What reading one file may cost, and the error of a file that cannot be read.

A file's size on disk says little about what reading it costs: a zip-based .docx can unpack to
thousands of times its size, and a PDF can hold thousands of pages. Every reader checks these
limits before the expensive part of its work, so a hostile or runaway file is reported and
skipped within seconds. The defaults sit far above real reports.
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.errors import AssistantError

MB = 1_000_000


class UnreadableDocument(AssistantError):
    """A file we skip; the message is shown to the user next to the file name."""


class TooLarge(UnreadableDocument):
    """A file over one of the reading limits; the message names the limit's setting."""


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what reading a file may produce (its size on disk is bounded separately)."""

    max_unpacked_bytes: int = 250 * MB  # all parts of a zip-based file, unpacked (corpus.max_unpacked_mb)
    max_text_chars: int = 50 * MB  # the text read from any file (corpus.max_text_mb)
    max_pdf_pages: int = 3000  # corpus.max_pdf_pages

    @classmethod
    def of(cls, corpus) -> ReadLimits:
        """The limits in the corpus settings (`Settings.corpus`)."""
        return cls(
            max_unpacked_bytes=int(corpus.max_unpacked_mb * MB),
            max_text_chars=int(corpus.max_text_mb * MB),
            max_pdf_pages=corpus.max_pdf_pages,
        )


def human_size(size: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("KB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}"
    return f"{size} bytes"
