"""The Analysis tab: the tables analysts build by hand, every cell cited, shown as soon as the tab opens.

The tables are the analysis exporter's Markdown, one document (or one comparison) at a time, each
in a section the "Jump to" links at the top reach. Their [n] markers link to the cards of a
sources panel, exactly as in the chat: a click scrolls to the passage, highlighted in its
document. The document picker narrows the view to one document; the downloads are the exports.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import gradio as gr

from assistant import analysis as views
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.ui.render import escape, link_markers, markdown_html, source_card, template_safe

PRIVATE = {"api_visibility": "private"}
ALL_DOCUMENTS = ("All documents", "")
EVERY_COMPONENT = ("Every component", "")
HELP = (
    "Tables you would otherwise build by hand, every cell cited to its passage: who is responsible for each "
    "task of an action plan, notice or report (the lead department marked where the text names one), and each "
    "study's findings, causes and recommendations in the study's own framework (CFIR domains, WHO building "
    "blocks, Hood's policy instruments, barriers and facilitators, or Smith's model), with Smith's four "
    "components derived where the mapping is sound. Pick a document to see its tables alone, or a component "
    "to compare the studies on it. Click a marker such as [1] to see its passage."
)
EXPORT_DIR = Path(tempfile.gettempdir()) / "policy-assistant-analysis"  # Gradio serves files from the temp dir
SOURCE_PREFIX = "analysis-source"
EMPTY = '<p class="analysis-empty">Nothing to analyse yet: no document is indexed.</p>'


def parts_of(report) -> list[tuple[str, object]]:
    """(heading for the "Jump to" links, a report holding just that part), in the report's order."""
    empty = {"matrices": [], "studies": [], "comparisons": [], "citations": []}
    parts = [(m.title, report.model_copy(update={**empty, "matrices": [m]})) for m in report.matrices]
    parts += [(s.title, report.model_copy(update={**empty, "studies": [s]})) for s in report.studies]
    parts += [(f"Compared: {c.title.lower()}", report.model_copy(update={**empty, "comparisons": [c]}))
              for c in report.comparisons]
    return parts


def render_report(bot: Assistant, report) -> tuple[str, str]:
    """(the tables, the sources panel) as HTML."""
    parts = parts_of(report)
    if not parts:
        return '<p class="analysis-empty">Nothing to analyse in the chosen documents.</p>', ""
    sections = []
    for i, (_, part) in enumerate(parts):
        # The exporter separates a cell's items with <br>, which the renderer (raw HTML off, for
        # safety) escapes: put back just that tag, so each item starts a line.
        tables = markdown_html(link_markers(views.to_markdown(part), SOURCE_PREFIX)).replace("&lt;br&gt;", "<br>")
        sections.append(f'<section class="analysis-part" id="analysis-part-{i}">{tables}</section>')
    toc = ""
    if len(parts) > 1:
        links = "".join(f'<li><a href="#analysis-part-{i}">{escape(heading)}</a></li>'
                        for i, (heading, _) in enumerate(parts))
        toc = f'<nav class="analysis-toc" aria-label="Jump to"><span>Jump to</span><ul>{links}</ul></nav>'
    cards = "".join(source_card(bot, citation, SOURCE_PREFIX) for citation in report.citations)
    sources = (
        '<div class="sources analysis-sources"><h2 class="sources-title">Sources</h2>'
        f'<ol class="source-list">{cards}</ol></div>'
    )
    return template_safe(f'<div class="analysis-tables">{toc}{"".join(sections)}</div>'), template_safe(sources)


def build(bot: Assistant):
    """Lay out the tab's content; returns the function and outputs that (re)render it, for the
    tab's select event."""
    gr.Markdown(HELP, elem_classes=["hint"])
    with gr.Row(equal_height=True, elem_id="analysis-controls"):
        document = gr.Dropdown(
            label="Document", choices=[ALL_DOCUMENTS, *bot.facets().documents], value="",
            elem_id="analysis-doc", min_width=260,
        )
        component = gr.Dropdown(
            label="Compare the studies on", value="", elem_id="analysis-component", min_width=240,
            choices=[EVERY_COMPONENT, *[(t, c) for c, t in views.COMPONENT_TITLES.items()]],
        )
    with gr.Row(elem_id="analysis-exports"):
        exports = {
            key: gr.DownloadButton(label, visible=False, size="sm", scale=0, min_width=150, elem_id=f"export-{key}")
            for key, label in views.EXPORT_LABELS.items()
        }
    with gr.Row(equal_height=False, elem_id="analysis-row"):
        with gr.Column(scale=7, min_width=320):
            tables = gr.HTML('<p class="analysis-empty">Loading the analysis…</p>', elem_id="analysis-view")
        with gr.Column(scale=5, min_width=320, elem_id="analysis-sources-column"):
            sources = gr.HTML("", elem_id="analysis-sources")

    def show_analysis(doc_id, chosen_component):
        hidden = [gr.DownloadButton(visible=False) for _ in exports]
        try:
            report = bot.analyze(doc_id or None, component=chosen_component or None)
        except AssistantError as exc:  # no index yet, a document removed since the list was made
            return f"<p><strong>Could not analyse:</strong> {escape(str(exc))}</p>", "", *hidden
        stem = f"analysis-{doc_id or 'all'}" + (f"-{chosen_component}" if chosen_component else "")
        files = views.write_exports(report, EXPORT_DIR, stem)
        buttons = [
            gr.DownloadButton(value=str(files[key]), visible=True) if key in files
            else gr.DownloadButton(value=None, visible=False)
            for key in exports
        ]
        return (*render_report(bot, report), *buttons)

    def open_tab(doc_id, chosen_component):
        choices = [ALL_DOCUMENTS, *bot.facets().documents]
        if doc_id and doc_id not in {value for _, value in choices}:
            doc_id = ""
        return (gr.Dropdown(choices=choices, value=doc_id), *show_analysis(doc_id, chosen_component))

    outputs = [tables, sources, *exports.values()]
    document.input(show_analysis, [document, component], outputs, **PRIVATE)
    component.input(show_analysis, [document, component], outputs, **PRIVATE)
    return open_tab, [document, component], [document, *outputs]
