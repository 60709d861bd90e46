"""The Documents tab: the library (a table, cards on a phone), adding files, describing a document
(title, kind, region, year: what the filters and citations show) and removing or restoring one.

After an upload the details the library guessed (a year in the title, a kind from the wording)
are put in the "Describe a document" form, to be corrected and saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from assistant.api import Assistant, DocumentInfo
from assistant.documents.library import UPLOADS
from assistant.errors import AssistantError
from assistant.indexing.ingest import IngestReport
from assistant.names import printable
from assistant.retrieval import IndexNotReady
from assistant.ui.render import documents_table, escape, label

PRIVATE = {"api_visibility": "private"}
DETAILS_HELP = (
    "Title, kind, region and year are what citations show and the *Search in* filters use. "
    "For a file of the corpus folder they are kept in its catalog; for an upload, beside it. "
    "Saving re-labels the document's passages; nothing is read or embedded again."
)


def documents_of(bot: Assistant) -> list[DocumentInfo]:
    try:
        return bot.documents()
    except IndexNotReady:
        return []


def report_markdown(report: IngestReport, attempted: str = "add") -> str:
    """An ingest report in plain words."""
    lines = []
    changes = [(report.added, "Added"), (report.updated, "Updated"), (report.removed, "Removed")]
    done = [f"{verb} {', '.join(f'`{d}`' for d in ids)}." for ids, verb in changes if ids]
    if done:
        lines.append(" ".join(done) + f" The index now holds {report.chunks} passages.")
    elif not report.errors:
        lines.append("Nothing changed: these files were already in the library.")
    for error in report.errors:
        lines.append(f"- Could not {attempted} **{label(error.source)}**: it {label(error.reason)}.")
    return "\n".join(lines)


def guess_note(doc_id: str, guess) -> str:
    """What the library guessed about a new document, to be checked in the form."""
    if guess is None:
        return ""
    kind = f"**{escape(guess.kind)}**" if guess.kind else "no kind found"
    year = f"**{guess.year}**" if guess.year else "no year found"
    return (
        f"Kind and year of `{label(doc_id)}` as read from the file: {kind}, {year}. "
        "Correct them here if they are wrong, then save."
    )


def details_form(document: DocumentInfo | None, kinds: list[str]) -> tuple:
    """The form's fields for `document` (or emptied)."""
    if document is None:
        return gr.Textbox(value=""), gr.Dropdown(value=None, choices=kinds), gr.Textbox(value=""), None
    return (
        gr.Textbox(value=document.title),
        gr.Dropdown(value=document.kind, choices=sorted({*kinds, document.kind})),
        gr.Textbox(value=document.region or ""),
        document.year,
    )


@dataclass
class DocumentsTab:
    events: list  # the events after which the library has changed: other tabs refresh on them
    view: Callable[[], tuple]  # the library's listing and choices, for the page's load event
    view_outputs: list


def build(bot: Assistant) -> DocumentsTab:
    rules = bot.upload_rules()
    library_note = gr.Markdown(elem_id="library-note")
    listing = gr.HTML(documents_table(documents_of(bot)), elem_id="documents-list")
    with gr.Row(equal_height=False, elem_id="library-actions"):
        with gr.Column(min_width=300):
            gr.Markdown("#### Add documents", elem_classes=["panel-heading"])
            files = gr.File(
                label=f"{' '.join(rules.types)} · up to {rules.max_mb:g} MB each",
                file_count="multiple", file_types=rules.types, type="filepath", elem_id="upload",
            )
            add = gr.Button("Add to the library", variant="primary", elem_id="add-files")
            upload_status = gr.Markdown(elem_id="upload-status")
        with gr.Column(min_width=300, elem_id="details"):
            gr.Markdown("#### Describe a document", elem_classes=["panel-heading"])
            gr.Markdown(DETAILS_HELP, elem_classes=["hint"])
            edited = gr.Dropdown(label="Document", choices=[], elem_id="details-doc")
            title = gr.Textbox(label="Title", elem_id="details-title", lines=1, max_lines=3)
            kind = gr.Dropdown(
                label="Kind", choices=[], allow_custom_value=True, elem_id="details-kind",
                info="research abstract, action plan, policy notice, … or your own",
            )
            with gr.Row():
                region = gr.Textbox(label="Region", elem_id="details-region", min_width=140)
                year = gr.Number(None, label="Year", precision=0, elem_id="details-year", min_width=100)
            save = gr.Button("Save details", elem_id="save-details")
            details_status = gr.Markdown(elem_id="details-status")
        with gr.Column(min_width=300):
            gr.Markdown("#### Remove a document", elem_classes=["panel-heading"])
            to_remove = gr.Dropdown(label="Document", choices=[], elem_id="remove-choice")
            remove = gr.Button("Remove from the library", variant="stop", elem_id="remove")
            gr.Markdown(
                "An uploaded file is deleted. A document of the corpus folder is only set aside: "
                "its file stays where it is, and you can restore it here.",
                elem_classes=["hint"],
            )
            to_restore = gr.Dropdown(label="Set-aside corpus documents", choices=[], elem_id="restore-choice")
            restore = gr.Button("Restore", elem_id="restore")
            remove_status = gr.Markdown(elem_id="remove-status")

    library_outputs = [listing, edited, to_remove, to_restore, library_note]
    form = [title, kind, region, year]

    def library_view():
        docs = documents_of(bot)
        note = (
            f"{len(docs)} documents are indexed. Uploads are stored in `{bot.settings.data_dir / UPLOADS}`."
            if docs else
            "Nothing is indexed yet: add documents below, or run `assistant ingest` to index the corpus folder."
        )
        choices = [(printable(f"{d.title} ({d.doc_id})"), d.doc_id) for d in docs]
        return (
            documents_table(docs),
            gr.Dropdown(choices=choices),
            gr.Dropdown(choices=choices, value=None),
            gr.Dropdown(
                choices=[(printable(f"{e.title} ({e.source})"), e.source) for e in bot.excluded_documents()], value=None
            ),
            note,
        )

    def show_details(doc_id):
        docs = documents_of(bot)
        chosen = next((d for d in docs if d.doc_id == doc_id), None)
        return details_form(chosen, bot.facets().kinds)

    def add_files(paths, progress=gr.Progress()):  # noqa: B008 (how Gradio injects a progress bar)
        if not paths:
            return ("Choose one or more files first.", None, *library_view(), gr.skip(), *[gr.skip()] * 4, "")
        progress(0, desc="Reading the files")

        def on_progress(done: int, total: int, source: str) -> None:
            progress(done / max(total, 1), desc=f"Indexing {source}")

        added: list[str] = []
        try:
            report = bot.add_files(paths, progress=on_progress)
            message = report_markdown(report, "add")
            added = report.added
        except AssistantError as exc:
            message = f"**Could not add the files:** {exc}"
        finally:
            for path in paths:  # Gradio's temporary copy; ours is in the uploads folder
                Path(path).unlink(missing_ok=True)
        view = library_view()
        if not added:
            return (message, None, *view, gr.skip(), *[gr.skip()] * 4, "")
        # Put the first new document in the form, with what was guessed about it, for correction.
        document = next((d for d in documents_of(bot) if d.doc_id == added[0]), None)
        return (message, None, *view, added[0], *details_form(document, bot.facets().kinds),
                guess_note(added[0], report.guesses.get(added[0])))

    def save_details(doc_id, new_title, new_kind, new_region, new_year):
        if not doc_id:
            return ("Choose a document first.", *library_view())
        try:
            bot.describe_document(
                doc_id, title=(new_title or "").strip() or None, kind=(new_kind or "").strip() or None,
                region=(new_region or "").strip() or None,
                year=int(new_year) if new_year else None,  # an empty Number box reads 0: no year
            )
            message = f"**Saved** the details of `{label(doc_id)}`."
        except AssistantError as exc:
            message = f"**Could not save** the details of `{label(doc_id)}`: {exc}"
        return (message, *library_view())

    def remove_document(doc_id):
        if not doc_id:
            return ("Choose a document to remove.", *library_view())
        try:
            uploaded = any(d.doc_id == doc_id and d.uploaded for d in documents_of(bot))
            report = bot.remove_document(doc_id)
            how = (
                "its file was deleted" if uploaded else
                "its file stays in the corpus folder; restore it below to index it again"
            )
            message = f"**Removed** `{label(doc_id)}`: {how}. The index now holds {report.chunks} passages."
        except AssistantError as exc:
            message = f"**Could not remove** `{label(doc_id)}`: {exc}"
        return (message, *library_view())

    def restore_document(source):
        if not source:
            return ("Choose a document to restore.", *library_view())
        try:
            message = report_markdown(bot.restore_document(source), "restore")
        except AssistantError as exc:
            message = f"**Could not restore** {label(source)}: {exc}"
        return (message, *library_view())

    locked = {"concurrency_limit": 1, **PRIVATE}  # one change to the library at a time
    added = add.click(
        add_files, files, [upload_status, files, *library_outputs, edited, *form, details_status], **locked
    )
    saved = save.click(save_details, [edited, *form], [details_status, *library_outputs], **locked)
    removed = remove.click(remove_document, to_remove, [remove_status, *library_outputs], **locked)
    restored = restore.click(restore_document, to_restore, [remove_status, *library_outputs], **locked)
    edited.input(show_details, edited, form, show_progress="hidden", **PRIVATE)
    return DocumentsTab([added, saved, removed, restored], library_view, library_outputs)
