"""Remove layout debris and off-topic boilerplate from extracted text.

Each rule is a small function, general rather than keyed to particular files,
and `clean_text` applies them in order. Citations quote the cleaned text, so
a rule may only remove debris or insert spacing, never reword.
"""

from __future__ import annotations

import html
import re
import unicodedata

CLEANER_VERSION = 4  # part of every document's content hash: bump when output changes (4: .docx tables read; ids keep
# Unicode letters and never collide, so every document is indexed again once)

_BLOCK_TAGS = "p|div|br|li|ul|ol|tr|td|th|table|section|article|h[1-6]|blockquote"
_INLINE_TAGS = "span|b|i|u|em|strong|a|font|sup|sub|small|big|img|hr|meta|link"
# Only attribute syntax may follow a tag name: `name=value` pairs, then at most one
# bare boolean attribute just before `>`. Prose such as "x < p and y > q" or
# "<a thousand doctors and >50" has bare words in a row, so it is no tag.
_ATTRS = r"""(?:\s+[\w:-]+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'<>]+))*(?:\s+[\w:-]+)?"""
# `< p >`, `</p>`, `<br/>`, `< / div >`: real block tags and the spaced debris of them.
_BLOCK_TAG = re.compile(rf"<\s*/?\s*(?:{_BLOCK_TAGS}){_ATTRS}\s*/?\s*>", re.IGNORECASE)
_INLINE_TAG = re.compile(rf"</?(?:{_INLINE_TAGS}){_ATTRS}\s*/?>", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w.-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
_COMPANY = re.compile(
    r"\b(?:co\.?\s*,?\s*ltd|ltd\.?|limited|inc\.?|corp\.?|corporation|llc|gmbh|plc)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.!?。！？]\s*[\"'”’)]?\s*$")


def _may_hold_url(text: str) -> bool:
    """Cheap test before _URL, whose e-mail branch is tried at every word."""
    return "@" in text or "://" in text or "www." in text.lower()


def strip_table_pipes(text: str) -> str:
    """`| paragraph |` (a one-cell table around prose) becomes the paragraph.

    Rows of a real table keep their cells, separated by a semicolon, and
    Markdown separator rows (`|---|---|`) go.
    """
    lines = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            inner = stripped[1:-1]
            if re.fullmatch(r"[\s|:\-]*", inner):
                continue
            cells = [cell.strip() for cell in inner.split("|")]
            line = "; ".join(cell for cell in cells if cell)
        elif stripped.startswith("| "):
            line = stripped[2:]
        elif stripped.endswith(" |"):
            line = stripped[:-2]
        lines.append(line)
    return "\n".join(lines)


def remove_html_debris(text: str) -> str:
    """Block tags (and their spaced debris like `< p >`) become paragraph breaks;
    inline tags vanish; entities such as `&amp;` and `&nbsp;` are decoded."""
    text = _BLOCK_TAG.sub("\n\n", text)
    text = _INLINE_TAG.sub("", text)
    return html.unescape(text)


def normalise_whitespace(text: str) -> str:
    """One space between words, at most one blank line between paragraphs."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\u200b\u200c\u200d\ufeff]", "", text)
    # Runs, and single characters other than a space: rewriting every lone space was the
    # costliest step of cleaning.
    text = re.sub(r"[ \t\f\v\u00a0\u3000]{2,}|[\t\f\v\u00a0\u3000]", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = re.sub(r"\n\n\n+", "\n\n", text)
    return text.strip()


def add_missing_spaces(text: str) -> str:
    """`increasing,and` -> `increasing, and`; `day.But` -> `day. But`;
    `communities(hereinafter` -> `communities (hereinafter`.

    URLs, e-mail addresses, decimals (3.5), thousands (1,000) and
    abbreviations (e.g., U.S.) are left alone.
    """
    protected: list[str] = []

    def protect(match: re.Match[str]) -> str:
        protected.append(match.group(0))
        return f"\x00{len(protected) - 1}\x00"

    if _may_hold_url(text):
        text = _URL.sub(protect, text)
    # Each pattern starts with the punctuation mark and looks behind it afterwards: a
    # pattern that starts with a look-behind is tried at every character, ~8x slower.
    # , ; : ! ? directly followed by a letter or an opening quote/bracket.
    text = re.sub(r"([,;!?])(?<=[^\W\d_][,;!?])(?=[^\W\d_]|[“‘(\"])", r"\1 ", text)
    text = re.sub(r"([,;!?])(?<=[”’)\"][,;!?])(?=[^\W\d_])", r"\1 ", text)
    text = re.sub(r"(:)(?<=[^\W\d_]{2}:)(?=[^\W\d_])", r"\1 ", text)
    # A full stop between a word of two or more lowercase letters (or a digit
    # or a closing quote) and a capital: a sentence boundary, not "e.g." or "U.S.".
    text = re.sub(r"\.(?<=[a-z]{2}\.)(?=[A-Z“‘\"])", ". ", text)
    text = re.sub(r"\.(?<=[0-9”’)\"]\.)(?=[A-Z“‘\"])", ". ", text)
    text = re.sub(r"\((?<=[a-z]{2}\()(?=[A-Za-z])", " (", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: protected[int(m.group(1))], text)


def _content_words(text: str) -> set[str]:
    return {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}


def is_company_footer(line: str) -> bool:
    """A company name with a URL (`ACME FOOD CO.,LTD , https://acme.com`) or a bare URL line.

    The name must look like one: few words, mostly capitalised, so a sentence
    that happens to hold a URL and the word "limited" stays."""
    if not _may_hold_url(line) or not _URL.search(line):
        return False
    without_urls = _URL.sub("", line).strip(" ,;|-–—·")
    if not without_urls:
        return True
    name_words = re.findall(r"[^\W\d_]+", without_urls)
    capitalised = sum(1 for w in name_words if w[0].isupper())
    return (
        bool(_COMPANY.search(without_urls))
        and 0 < len(name_words) <= 10
        and capitalised / len(name_words) >= 0.6
    )


def is_keyword_list(line: str) -> bool:
    """An advertising line: three or more short Title-Case items in a comma list,
    with no sentence in it (`Squid Food,Frozen Squid,Frozen Squid Tube`)."""
    if _SENTENCE_END.search(line) or line.startswith(("(", "-", "*", "#")):
        return False
    items = [item.strip() for item in re.split(r"[,，|/]", line) if item.strip()]
    if len(items) < 3:
        return False
    for item in items:
        words = item.split()
        if not 1 <= len(words) <= 5 or not all(w[:1].isupper() or w[:1].isdigit() for w in words):
            return False
    return True


def remove_boilerplate(text: str) -> str:
    """Drop company footers, and keyword-list advertising whose words the rest of
    the document never uses (so a document's own lists of departments stay)."""
    lines = text.split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and is_company_footer(stripped):
            continue
        if stripped and is_keyword_list(stripped):
            rest = _content_words("\n".join(lines[:index] + lines[index + 1 :]))
            words = _content_words(stripped)
            if words and len(words & rest) / len(words) < 0.5:
                continue
        kept.append(line)
    return "\n".join(kept)


def clean_text(text: str) -> str:
    text = strip_table_pipes(text)
    text = remove_html_debris(text)
    text = normalise_whitespace(text)
    text = remove_boilerplate(text)
    text = add_missing_spaces(text)
    return normalise_whitespace(text)
