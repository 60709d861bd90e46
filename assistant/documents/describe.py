"""What a document the catalog does not list is called, and what an upload is guessed to be.

Title, in order: the title in the file's own properties (PDF /Title, the Word document's core
properties, HTML <title>) unless it is what office software writes by default; else the first
title-like line among the document's first lines (not a section label such as "Abstract" or
"Objective", not an author, citation or article-type line); else the file name in words, never
a hash. On upload, the kind and year are guessed from the title and the first lines, and shown
to the user to correct. The rules are data, in describe.yaml beside this module.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path, PurePosixPath

import yaml
from pydantic import BaseModel

from assistant.documents.catalog import CatalogEntry
from assistant.documents.limits import ReadLimits
from assistant.names import printable

_YEAR = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")


class Rules:
    """describe.yaml, compiled."""

    def __init__(self, data: dict):
        title, guess = data["title"], data["guess"]
        self.title = title
        self.labels = {label.lower() for label in title["labels"]}
        self.not_titles = [re.compile(p, re.IGNORECASE) for p in title["not_titles"]]
        self.junk_metadata = [re.compile(p, re.IGNORECASE) for p in title["junk_metadata"]]
        name, marks = title["author_name"], title["author_marks"]
        self.author_name = re.compile(rf"{name}{marks}")
        self.author_separator = re.compile(r"\s*(?:[,;，、]|\band\b|&)\s*")
        self.guess = guess
        self.study_labels = {label.lower() for label in guess["study_labels"]}


@lru_cache(maxsize=1)
def rules() -> Rules:
    text = resources.files("assistant.documents").joinpath("describe.yaml").read_text(encoding="utf-8")
    return Rules(yaml.safe_load(text))


# -- lines -----------------------------------------------------------------------------------------


def bare(line: str) -> str:
    """A line without Markdown marks, table pipes and surrounding whitespace."""
    line = re.sub(r"^\s*(?:#{1,6}\s+|>\s*|[-*]\s+(?=\S))", "", line)
    return line.replace("**", "").strip(" \t|*_").strip()


def label_of(line: str) -> str | None:
    """The section label a line is or starts with ("Abstract", "[Abstract] Objective: ..."), or None."""
    lowered = re.sub(r"^[\[(【]\s*([^\])】]{1,40})\s*[\])】]\s*", r"\1: ", line.lower()).strip()
    head = re.split(r"\s*[:：]\s*", lowered, maxsplit=1)[0].strip(" .")
    if head in rules().labels and (head == lowered.strip(" .:：") or re.match(rf"{re.escape(head)}\s*[:：]", lowered)):
        return head
    return None


def is_author_line(line: str) -> bool:
    """Two or more names ("XU Jianhua 1, SHEN Liping 2*", "Ding S; Zhou Y", "Ma Xiaoling(1), Bai Yu(1)"),
    separated at least once by a comma or semicolon, each of two or three words or with affiliation marks."""
    parts = [part for part in rules().author_separator.split(line) if part]
    if len(parts) < 2 or not re.search(r"[,;，、]", line):
        return False
    for part in parts:
        if not rules().author_name.fullmatch(part):
            return False
    words = [len(re.findall(r"[^\W\d_]+", part)) for part in parts]
    marked = bool(re.search(r"\d|[*†‡§¹²³⁴⁵⁶⁷⁸⁹⁰]|\([a-z0-9]\)", line))
    return marked or all(1 < count <= 3 for count in words)


def is_title_line(line: str) -> bool:
    config = rules().title
    if not (config["min_chars"] <= len(line) <= config["max_chars"]) or not re.search(r"[^\W\d_]", line):
        return False
    if len(line.split()) > config["max_words"] or line.endswith((".", ":", "：", ";", ",")):
        return False
    if label_of(line) or is_author_line(line):
        return False
    return not any(pattern.search(line) for pattern in rules().not_titles)


def title_line(text: str) -> str | None:
    """The first title-like line among the document's first lines, or None."""
    config = rules().title
    lines = [bare(line) for line in text.split("\n")]
    issuer = None
    for line in [line for line in lines if line][: config["lines_to_read"]]:
        if len(line.split()) >= config["body_words"]:
            break  # body text: there is no title line below
        if not is_title_line(line):
            continue
        if issuer is None and is_issuer_line(line):
            issuer = line  # the title may follow it
            continue
        return line
    return issuer


def is_issuer_line(line: str) -> bool:
    """A line naming the body that issues the document ("General Office of the ... Government")."""
    config = rules().title
    last = re.findall(r"[^\W\d_]+", line.lower())[-1:]
    return len(line.split()) <= config["issuer_max_words"] and bool(last) and last[0] in config["issuer_endings"]


# -- the file's own title ----------------------------------------------------------------------------


def _html_title(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(200_000).decode("utf-8", errors="replace")
    found = re.search(r"<title[^>]*>(.*?)</title\s*>", head, re.IGNORECASE | re.DOTALL)
    if not found:
        return ""
    title = " ".join(html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).split())
    config = rules().title
    for separator in config["site_separators"]:  # "Headline_Site name": drop the site's name
        head_part, sep, tail = title.rpartition(separator)
        if sep and len(head_part.split()) >= 3 and len(tail.split()) <= config["max_site_words"]:
            return head_part.strip()
    return title


def _pdf_title(path: Path) -> str:
    from pypdf import PdfReader

    try:
        metadata = PdfReader(path, strict=False).metadata
        return str(metadata.title or "") if metadata else ""
    except Exception:  # the text was readable; a damaged information dictionary only costs the title
        return ""


def metadata_title(path: Path, limits: ReadLimits | None = None) -> str:
    """The title the file itself declares, or "" when it has none or a default one."""
    from assistant.documents.docx_text import docx_title

    suffix = path.suffix.lower()
    if suffix == ".pdf":
        title = _pdf_title(path)
    elif suffix == ".docx":
        title = docx_title(path, limits or ReadLimits())
    elif suffix in (".html", ".htm"):
        title = _html_title(path)
    else:
        return ""
    title = " ".join(title.split())
    if not title or any(pattern.search(title) for pattern in rules().junk_metadata):
        return ""
    return title


def name_in_words(relative: str) -> str:
    """The file name as a title: words split at '-', '_' and spaces, hashes and long numbers left out."""
    tokens = re.split(r"[\s_\-.]+", PurePosixPath(relative).stem)
    hashlike = re.compile(r"^(?=.*\d)[0-9a-f]{8,}$|^\d{5,}$", re.IGNORECASE)
    words = [token for token in tokens if token and not hashlike.match(token)]
    if not any(re.search(r"[^\W\d_]", word) for word in words):
        return f"Untitled {PurePosixPath(relative).suffix.lstrip('.').upper() or 'text'} document"
    return " ".join(words)


def derive_title(path: Path, relative: str, text: str, limits: ReadLimits | None = None) -> str:
    """The title, with any control character left in it shown escaped: a title is quoted in
    answers, lists and terminals."""
    return printable(metadata_title(path, limits) or title_line(text) or name_in_words(relative))


def derive_entry(path: Path, relative: str, text: str, doc_id: str, limits: ReadLimits | None = None) -> CatalogEntry:
    """Metadata for a file the catalog does not list: its title, and a year its name gives."""
    year = _YEAR.search(PurePosixPath(relative).stem)
    return CatalogEntry(
        id=doc_id, file=relative, title=derive_title(path, relative, text, limits),
        year=int(year.group(0)) if year else None,
    )


# -- guesses on upload -------------------------------------------------------------------------------


class Guess(BaseModel):
    kind: str | None = None
    year: int | None = None


def guess_details(title: str, text: str) -> Guess:
    """The kind and year a new document seems to have, from its title and first lines."""
    config = rules().guess
    lines = [bare(line) for line in text.split("\n") if line.strip()]
    first = "\n".join([title, *lines[: config["lines_to_read"]]])
    year = _YEAR.search(first)
    starts = {label_of(line) for line in lines[:200]} & rules().study_labels
    kind = None
    for rule in config["kinds"]:
        words = rule.get("title_words", [])
        if words and re.search(rf"\b(?:{'|'.join(map(re.escape, words))})\b", title, re.IGNORECASE):
            kind = rule["kind"]
        elif rule.get("labels_at_least") and len(starts) >= rule["labels_at_least"]:
            kind = rule["kind"]
        elif rule.get("first_lines") and re.search(rule["first_lines"], first, re.MULTILINE):
            kind = rule["kind"]
        if kind:
            break
    return Guess(kind=kind, year=int(year.group(0)) if year else None)
