"""Text of a Word (.docx) file, read as a stream with its size checked before anything is unpacked.

A .docx is a zip archive, and a zip can hold far more than its own size: a 0.84 MB file held
200 MB of `word/document.xml`, an 8 MB one 5.2 GB. python-docx builds the whole XML tree in
memory (762 MB and 213 s for the first). So the archive's directory is checked first (total
unpacked size, and the packing ratio of large members), and the document part is then parsed
element by element, each paragraph or table dropped once read, stopping as soon as the text
passes its limit. Python's zipfile never unpacks more than a member's declared size, so the
directory's figures bound what is read.

Paragraphs and tables come out in document order: a heading style becomes a Markdown `#` line,
a table row becomes `| cell | cell |` (which cleaning turns into `cell; cell`). A text box's
paragraphs come out once each, before the paragraph that anchors the box (Word stores a second
copy of each box for older versions, which is skipped).
"""

from __future__ import annotations

import posixpath
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

from assistant.documents.limits import ReadLimits, TooLarge, human_size

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OFFICE_DOCUMENT = "/officeDocument"  # the end of the main part's relationship type
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# Deflate packs real Word XML 2-35x (styles.xml is the most repetitive). A large member packed
# far tighter than that holds repetition no document has: a bomb. Checked on members over
# BOMB_MIN_BYTES unpacked, so small, very regular parts never trip it.
MAX_PACKING_RATIO = 200
BOMB_MIN_BYTES = 10_000_000
# Small parts read whole (relationships, styles, core properties): a bound of their own.
SMALL_PART_BYTES = 20_000_000


class BadArchive(ValueError):
    """Not a readable zip package; the message says why."""


def check_archive(archive: zipfile.ZipFile, limits: ReadLimits) -> None:
    """Refuse an archive whose directory declares more than the limits allow, before unpacking."""
    members = archive.infolist()
    total = sum(member.file_size for member in members)
    if total > limits.max_unpacked_bytes:
        raise TooLarge(
            f"unpacks to {human_size(total)} (the limit is {human_size(limits.max_unpacked_bytes)}, "
            "setting corpus.max_unpacked_mb)"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > BOMB_MIN_BYTES and ratio > MAX_PACKING_RATIO:
            raise TooLarge(
                f"looks like a zip bomb: its part {member.filename} packs {human_size(member.file_size)} "
                f"into {human_size(member.compress_size)} ({ratio:.0f}x; real documents pack under "
                f"{MAX_PACKING_RATIO}x)"
            )


def _small_xml(archive: zipfile.ZipFile, name: str):
    from lxml import etree

    try:
        member = archive.getinfo(name)
    except KeyError:
        return None
    if member.file_size > SMALL_PART_BYTES:
        raise TooLarge(f"has an oversized part {name} ({human_size(member.file_size)})")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(archive.read(name), parser)


def _main_part(archive: zipfile.ZipFile) -> str:
    """The document part's name, from the package relationships (word/document.xml as a rule)."""
    root = _small_xml(archive, "_rels/.rels")
    for relation in root.iter(_RELATIONSHIPS) if root is not None else ():
        if relation.get("Type", "").endswith(_OFFICE_DOCUMENT):
            return posixpath.normpath(relation.get("Target", "").lstrip("/"))
    return "word/document.xml"


def _style_names(archive: zipfile.ZipFile, main: str) -> dict[str, str]:
    """Paragraph style id -> lower-case style name ("Heading2" -> "heading 2")."""
    root = _small_xml(archive, posixpath.join(posixpath.dirname(main), "styles.xml"))
    names = {}
    for style in root.iter(f"{W}style") if root is not None else ():
        name = style.find(f"{W}name")
        if name is not None:
            names[style.get(f"{W}styleId", "")] = (name.get(f"{W}val") or "").lower()
    return names


def _paragraph_text(paragraph) -> str:
    """As Word shows it: runs' text, tabs as tabs, line breaks as new lines (as python-docx does)."""
    parts = []
    for node in paragraph.iter(f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen"):
        if node.tag == f"{W}t":
            parts.append(node.text or "")
        elif node.tag == f"{W}tab":
            parts.append("\t")
        elif node.tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append("\n")
    return "".join(parts)


def _heading_level(style: str) -> int | None:
    if style.startswith("heading") and style[-1:].isdigit():
        return int(style[-1])
    return 1 if style == "title" else None


def _too_much_text(limit: int) -> TooLarge:
    return TooLarge(f"holds more than {human_size(limit)} of text (setting corpus.max_text_mb)")


def _blocks(stream, styles: dict[str, str], max_text_chars: int) -> Iterator[str]:
    """Body paragraphs and table rows in order, each element freed once read. Text is counted
    run by run, so one endless paragraph stops at the limit too."""
    from lxml import etree

    depth = 0  # tables open around the current element
    text_chars = 0
    for event, element in etree.iterparse(
        stream, events=("start", "end"), tag=(f"{W}p", f"{W}tbl", f"{W}t"), resolve_entities=False,
        no_network=True, huge_tree=True,  # a long run of text is no attack; the text limit bounds it
    ):
        if element.tag == f"{W}t":
            if event == "end":
                text_chars += len(element.text or "")
                if text_chars > max_text_chars:
                    raise _too_much_text(max_text_chars)
            continue
        if element.tag == f"{W}tbl":
            depth += 1 if event == "start" else -1
            if event == "start" or depth > 0:
                continue  # a table inside a table: read with the outer one
            for row in element.iter(f"{W}tr"):
                cells = [
                    " ".join(_paragraph_text(p).strip() for p in cell.iter(f"{W}p")).strip()
                    for cell in row.iter(f"{W}tc")
                ]
                if any(cells):
                    yield "| " + " | ".join(cells) + " |"
        elif event == "start" or depth > 0:
            continue  # a paragraph inside a table is read with its table
        elif next(element.iterancestors(f"{MC}Fallback"), None) is not None:
            pass  # a text box's copy for older Word versions: its text came from the mc:Choice copy
        else:
            text = _paragraph_text(element).strip()
            if text:
                style_id = element.find(f"{W}pPr/{W}pStyle")
                style = styles.get(style_id.get(f"{W}val", ""), "") if style_id is not None else ""
                level = _heading_level(style)
                yield f"{'#' * level} {text}" if level else text
        # Free what has been read: the element, and the siblings before it.
        element.clear()
        parent = element.getparent()
        while parent is not None and element.getprevious() is not None:
            del parent[0]


def read_docx(path: Path, limits: ReadLimits) -> str:
    """The text of a .docx; raises BadArchive (not a package) or TooLarge (over a limit)."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, limits)
            main = _main_part(archive)
            styles = _style_names(archive, main)
            with archive.open(main) as stream:
                blocks = list(_blocks(stream, styles, limits.max_text_chars))
    except KeyError as exc:
        raise BadArchive(f"has no document part ({exc})") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, etree.XMLSyntaxError, OSError, EOFError) as exc:
        raise BadArchive(f"{exc.__class__.__name__}: {exc}") from None
    return "\n\n".join(blocks)


def docx_title(path: Path, limits: ReadLimits) -> str:
    """The title in the document's properties (docProps/core.xml), or ""."""
    from lxml import etree

    try:
        with zipfile.ZipFile(path) as archive:
            check_archive(archive, limits)
            root = _small_xml(archive, "docProps/core.xml")
    except (zipfile.BadZipFile, zlib.error, etree.XMLSyntaxError, OSError, TooLarge, ValueError):
        return ""
    title = root.find(_DC_TITLE) if root is not None else None
    return " ".join((title.text or "").split()) if title is not None else ""
