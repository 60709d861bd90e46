"""HTML and Markdown for the page: pure functions of what `Assistant` returned.

Document text is always escaped before it reaches the page, and so are the characters Gradio's
HTML component would read as template syntax ($ and braces).
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

from assistant.answering.models import Answer, Citation
from assistant.api import Assistant, DocumentInfo
from assistant.names import printable

CONTEXT_CHARS = 320
REVEAL_STEPS = 24
# A question longer than this (or of more lines) is shown folded in the conversation: its first
# lines, and the rest a click away, so a pasted page does not push its own answer out of sight.
FOLD_CHARS = 280
FOLD_LINES = 4

_MARKER = re.compile(r"\[(\d+)\]")
# Tables on, raw HTML off: a document's "<b>" is shown as text, never as markup.
_MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")


def escape(text: str) -> str:
    return html.escape(text)


def label(text: str) -> str:
    """A name, title or id for the page: control and direction characters shown as escapes
    (assistant/names.py), then HTML-escaped."""
    return html.escape(printable(text))


def template_safe(markup: str) -> str:
    """`markup` with $ and braces as entities: Gradio's HTML component fills its value into a
    template, where "${...}" would be evaluated. Our own markup uses neither."""
    return markup.replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def link_markers(markdown: str, prefix: str = "source") -> str:
    """Turn each citation marker [n] into a link to the card `#{prefix}-n` of a sources panel."""
    return _MARKER.sub(lambda m: f"[\\[{m.group(1)}\\]](#{prefix}-{m.group(1)})", markdown)


def markdown_html(markdown: str) -> str:
    return _MARKDOWN.render(markdown)


def reveal_steps(text: str, steps: int = REVEAL_STEPS) -> list[str]:
    """Progressively longer prefixes of `text`, cut after whole words, ending with all of it."""
    ends = [m.end() for m in re.finditer(r"\S+\s*", text)]
    if not ends:
        return [text]
    stride = max(1, len(ends) // steps)
    prefixes = [text[: ends[i]] for i in range(stride - 1, len(ends), stride)]
    if not prefixes or prefixes[-1] != text:
        prefixes.append(text)
    return prefixes


def question_message(text: str) -> str:
    """A question as the conversation shows it: escaped, and folded when it is long."""
    lines = text.splitlines()
    if len(text) <= FOLD_CHARS and len(lines) <= FOLD_LINES:
        return escape(text)
    head = " ".join(" ".join(lines[:FOLD_LINES]).split())[:FOLD_CHARS].rsplit(" ", 1)[0]
    return (
        f'<details class="long-question"><summary>{escape(head)} … '
        f'<span class="fold-note">({len(text):,} characters: show all)</span></summary>'
        f"<p>{escape(text)}</p></details>"
    )


# -- sources -------------------------------------------------------------------------------------


def source_card(bot: Assistant, citation: Citation, prefix: str = "source") -> str:
    """One citation as a card: number, title, kind · year · section · id, the passage marked in
    its context. Its id is `{prefix}-{number}`, what `link_markers(..., prefix)` links to."""
    context = bot.citation_context(citation, CONTEXT_CHARS)
    meta = [citation.kind or "document", str(citation.year) if citation.year else "no year given"]
    if citation.section:
        meta.append(citation.section)
    return (
        f'<li class="source-card" id="{prefix}-{citation.number}" data-doc-id="{escape(citation.doc_id)}">'
        f'<div class="source-head"><span class="source-num">{citation.number}</span>'
        f'<span class="source-title">{label(citation.title)}</span></div>'
        f'<div class="source-meta">{" · ".join(escape(m) for m in meta)}'
        f" · <code>{label(citation.doc_id)}</code></div>"
        f'<blockquote class="source-context">{"… " if context.clipped_before else ""}{escape(context.before)}'
        f"<mark>{escape(context.text)}</mark>{escape(context.after)}"
        f'{" …" if context.clipped_after else ""}</blockquote></li>'
    )


EMPTY_SOURCES = (
    '<div class="sources"><h2 class="sources-title">Sources</h2>'
    '<p class="sources-empty">The passages behind the answer appear here, each highlighted in its '
    "document. Click a marker such as [1] in the answer to jump to its source.</p></div>"
)


def render_sources(bot: Assistant, answer: Answer, answer_id: int = 0) -> str:
    """The sources panel for one answer: a card per citation, the passage marked in its context."""
    parts = [f'<div class="sources" data-answer="{answer_id}">', '<h2 class="sources-title">Sources</h2>']
    if answer.original_question:  # a follow-up: say which standalone question was answered
        parts.append(f'<p class="sources-note answered-as">Answered as: <q>{escape(answer.question)}</q></p>')
    for warning in answer.warnings:
        parts.append(f'<p class="sources-note warning">{escape(warning)}</p>')
    if answer.removed_citations:
        removed = ", ".join(f"[{n}]" for n in answer.removed_citations)
        parts.append(f'<p class="sources-note warning">Removed markers that pointed at no passage: {removed}</p>')
    if answer.abstained or not answer.citations:
        parts.append('<p class="sources-empty">No passage in the documents answers this question.</p>')
        if answer.closest_documents:
            items = "".join(f"<li>{label(title)}</li>" for title in answer.closest_documents)
            parts.append(f'<p class="sources-note">Closest documents:</p><ul class="closest">{items}</ul>')
    else:
        parts.append('<ol class="source-list">')
        parts += [source_card(bot, citation) for citation in answer.citations]
        parts.append("</ol>")
    parts.append("</div>")
    return template_safe("\n".join(parts))


# -- documents -------------------------------------------------------------------------------------

DOCUMENT_COLUMNS = ["Title", "Kind", "Region", "Year", "Passages", "ID", "From"]


def documents_table(documents: list[DocumentInfo]) -> str:
    """The library as a table; on a narrow screen the CSS shows each row as a card, each cell
    with its column's name (data-label), so nothing is squeezed to a letter per line."""
    if not documents:
        return '<p class="library-empty">No documents are indexed yet.</p>'
    head = "".join(f'<th scope="col">{name}</th>' for name in DOCUMENT_COLUMNS)
    rows = []
    for d in documents:
        cells = [
            d.title, d.kind, d.region or "–", str(d.year) if d.year else "–", str(d.chunks),
            f"<code>{label(d.doc_id)}</code>", "upload" if d.uploaded else "corpus folder",
        ]
        rendered = "".join(
            f'<td data-label="{name}" class="col-{name.lower()}">{cell if name == "ID" else label(cell)}</td>'
            for name, cell in zip(DOCUMENT_COLUMNS, cells, strict=True)
        )
        rows.append(f'<tr data-doc-id="{escape(d.doc_id)}">{rendered}</tr>')
    return template_safe(
        f'<table class="doc-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'
    )
