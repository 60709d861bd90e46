"""Turn a file into raw text, or say precisely why it cannot be read.

Structure that matters downstream (headings) is kept as Markdown `#` lines so
that one heading detector serves every format.
"""

from __future__ import annotations

import re
from pathlib import Path

from assistant.documents.limits import ReadLimits, TooLarge, UnreadableDocument, human_size

__all__ = ["SUPPORTED", "ReadLimits", "TooLarge", "UnreadableDocument", "human_size", "read_document"]

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".docx")


# Control characters that text files do not hold (line breaks, tab and form feed they do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")


def read_text_file(data: bytes) -> str:
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnreadableDocument("contains binary data (NUL bytes), not text")
    for encoding in ("utf-8-sig", "utf-16"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            if encoding == "utf-8-sig" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
                raise UnreadableDocument(
                    f"is not valid UTF-8 text (byte 0x{data[exc.start]:02x} at position {exc.start})"
                ) from None
            continue
        control = len(_CONTROL.findall(text, 0, 65536))
        if control > max(8, len(text[:65536]) // 100):
            raise UnreadableDocument("looks like binary data (many control characters), not text")
        return text
    raise UnreadableDocument("is not valid UTF-8 or UTF-16 text")


def read_html(data: bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "noscript", "nav", "footer", "header", "form", "iframe"]):
        tag.decompose()
    for level in range(1, 7):
        for heading in soup.find_all(f"h{level}"):
            heading.replace_with(f"\n\n{'#' * level} {heading.get_text(' ', strip=True)}\n\n")
    for item in soup.find_all("li"):
        item.insert_before("\n- ")
    for block in soup.find_all(["p", "div", "br", "tr", "section", "article", "ul", "ol", "table"]):
        block.insert_after("\n\n")
    return soup.get_text()


def read_pdf(path: Path, limits: ReadLimits) -> str:
    """Page by page, stopping at the page and text limits; pdf_text.paragraphs then rejoins the
    lines of each paragraph and drops running headers and footers."""
    from pypdf import PdfReader

    from assistant.documents.pdf_text import paragraphs

    try:
        reader = PdfReader(path, strict=False)
        count = len(reader.pages)
        if count > limits.max_pdf_pages:
            raise TooLarge(f"has {count} pages (the limit is {limits.max_pdf_pages}, setting corpus.max_pdf_pages)")
        pages, size = [], 0
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            size += len(pages[-1])
            if size > limits.max_text_chars:
                raise TooLarge(
                    f"holds more than {human_size(limits.max_text_chars)} of text (setting corpus.max_text_mb)"
                )
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises assorted errors (PdfReadError, ValueError, KeyError, ...) on damaged files
        raise UnreadableDocument(f"is not a readable PDF ({exc.__class__.__name__}: {exc})") from None
    text = paragraphs(pages)
    if not text.strip():
        raise UnreadableDocument("is a PDF with no extractable text (a scan without OCR?)")
    return text


def read_docx(path: Path, limits: ReadLimits) -> str:
    from assistant.documents import docx_text

    try:
        return docx_text.read_docx(path, limits)
    except docx_text.BadArchive as exc:
        raise UnreadableDocument(f"is not a readable Word document ({exc})") from None


def read_document(path: Path, max_bytes: int, limits: ReadLimits | None = None) -> str:
    """Raw text of `path`; raises UnreadableDocument with a plain-words reason. `max_bytes` bounds
    the file's size; `limits` what reading it may unpack and extract (defaults: ReadLimits())."""
    limits = limits or ReadLimits()
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise UnreadableDocument(
            f"has an unsupported file type '{suffix or '(none)'}' (supported: {', '.join(SUPPORTED)})"
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise UnreadableDocument(f"cannot be opened ({exc.strerror})") from None
    if size == 0:
        raise UnreadableDocument("is empty (0 bytes)")
    if size > max_bytes:
        raise UnreadableDocument(f"is too large ({human_size(size)}; the limit is {human_size(max_bytes)})")
    if suffix == ".pdf":
        text = read_pdf(path, limits)
    elif suffix == ".docx":
        text = read_docx(path, limits)
    else:
        data = path.read_bytes()
        text = read_html(data) if suffix in (".html", ".htm") else read_text_file(data)
    if not text.strip():
        raise UnreadableDocument("contains no text")
    if len(text) > limits.max_text_chars:
        raise TooLarge(f"holds more than {human_size(limits.max_text_chars)} of text (setting corpus.max_text_mb)")
    return text
