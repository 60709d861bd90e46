"""The web UI (`assistant ui`): ask the documents, read the cited passages in place, manage the library.

No logic of its own: every action is a call on `Assistant`; this module lays
out the page and renders what comes back (answers with linked [n] markers, a
sources panel with each passage highlighted in its context, the document
table). Document text is always HTML-escaped before it reaches the page.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no calls home: the app runs offline

import gradio as gr  # noqa: E402

from assistant.answering import analysis as views  # noqa: E402
from assistant.answering.llm import LLMNotConfigured  # noqa: E402
from assistant.answering.models import Answer  # noqa: E402
from assistant.api import Assistant, LLMError  # noqa: E402
from assistant.conversation import Conversation  # noqa: E402
from assistant.documents.library import UPLOADS  # noqa: E402
from assistant.documents.readers import SUPPORTED  # noqa: E402
from assistant.indexing.ingest import IngestReport  # noqa: E402
from assistant.indexing.store import VectorStoreUnavailable  # noqa: E402
from assistant.retrieval import Filters, IndexNotReady  # noqa: E402

PRODUCT = "Policy assistant"
TAGLINE = (
    "Ask the health-policy documents who is responsible for what, what a study found, why, "
    "and what it recommends. Every sentence of an answer cites the passage it comes from."
)

# One per intent; each is answered by the seed corpus (tests/test_ui.py checks both).
EXAMPLES: list[tuple[str, str]] = [
    ("responsibility", "Which departments are responsible for Internet + Social Security in Guangdong's plan?"),
    ("finding", "What problems did the J Town study find in implementing health poverty alleviation?"),
    ("cause", "What is the main reason for the problems of Guangdong's Internet medical policy?"),
    (
        "countermeasure",
        "What does the study recommend to improve the implementation of Guangdong's Internet medical policy?",
    ),
    ("fact", "How many reform tasks did Guangdong's 2020 notice deploy?"),
    ("overview", "Summarise the L County medical community study."),
    ("comparison", "Compare the countermeasures proposed by the L County and J Town studies."),
]
EXAMPLE_LABELS = {
    "responsibility": "Who is responsible",
    "finding": "What was found",
    "cause": "Why",
    "countermeasure": "What is recommended",
    "fact": "A fact",
    "overview": "Overview",
    "comparison": "Compare",
}
UPLOAD_TYPES = [suffix for suffix in SUPPORTED if suffix != ".htm"]
LLM_HELP = (
    "No language model is configured, so answers are extractive (verbatim sentences from the documents). "
    "For llm mode set `ASSISTANT_LLM__PROVIDER` (openai_like, ollama or llamacpp), `ASSISTANT_LLM__BASE_URL` "
    "and `ASSISTANT_LLM__MODEL`; see “An LLM server” in the README."
)
CONTEXT_CHARS = 320
ALL_DOCUMENTS = ("All documents", "")
ANALYSIS_HELP = (
    "Tables you would otherwise build by hand, every cell cited to its passage: who is responsible for each "
    "task of an action plan or notice, and each implementation study's findings, causes and countermeasures "
    "by component of Smith's policy implementation process model (idealised policy, implementing "
    "organisation, target group, policy environment). Pick a component to compare the studies on it."
)
EXPORT_DIR = Path(tempfile.gettempdir()) / "policy-assistant-analysis"  # Gradio serves files from the temp dir
REVEAL_STEPS = 24
REVEAL_PAUSE_S = 0.025

_MARKER = re.compile(r"\[(\d+)\]")


# -- rendering (pure functions of what the library returned) -----------------


def _escape(text: str) -> str:
    """HTML-escape document text; braces and $ too, so nothing in it reads as template syntax."""
    return html.escape(text).replace("$", "&#36;").replace("{", "&#123;").replace("}", "&#125;")


def link_markers(markdown: str) -> str:
    """Turn each citation marker [n] into a link to its card in the sources panel."""
    return _MARKER.sub(lambda m: f"[\\[{m.group(1)}\\]](#source-{m.group(1)})", markdown)


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


EMPTY_SOURCES = (
    '<div class="sources"><h2 class="sources-title">Sources</h2>'
    '<p class="sources-empty">The passages behind the answer appear here, each highlighted in its '
    "document. Click a marker such as [1] in the answer to jump to its source.</p></div>"
)


def render_sources(bot: Assistant, answer: Answer, answer_id: int = 0) -> str:
    """The sources panel for one answer: a card per citation, the passage marked in its context."""
    parts = [f'<div class="sources" data-answer="{answer_id}">', '<h2 class="sources-title">Sources</h2>']
    if answer.original_question:
        parts.append(f'<p class="sources-note">Answered as: <q>{_escape(answer.question)}</q></p>')
    for warning in answer.warnings:
        parts.append(f'<p class="sources-note warning">{_escape(warning)}</p>')
    if answer.removed_citations:
        removed = ", ".join(f"[{n}]" for n in answer.removed_citations)
        parts.append(f'<p class="sources-note warning">Removed markers that pointed at no passage: {removed}</p>')
    if answer.abstained or not answer.citations:
        parts.append('<p class="sources-empty">No passage in the documents answers this question.</p>')
        if answer.closest_documents:
            items = "".join(f"<li>{_escape(title)}</li>" for title in answer.closest_documents)
            parts.append(f'<p class="sources-note">Closest documents:</p><ul class="closest">{items}</ul>')
        parts.append("</div>")
        return "\n".join(parts)
    parts.append('<ol class="source-list">')
    for citation in answer.citations:
        context = bot.citation_context(citation, CONTEXT_CHARS)
        meta = [citation.kind or "document", str(citation.year) if citation.year else "no year given"]
        if citation.section:
            meta.append(citation.section)
        parts.append(
            f'<li class="source-card" id="source-{citation.number}" data-doc-id="{_escape(citation.doc_id)}">'
            f'<div class="source-head"><span class="source-num">{citation.number}</span>'
            f'<span class="source-title">{_escape(citation.title)}</span></div>'
            f'<div class="source-meta">{" · ".join(_escape(m) for m in meta)}'
            f' · <code>{_escape(citation.doc_id)}</code></div>'
            f'<blockquote class="source-context">{"… " if context.clipped_before else ""}{_escape(context.before)}'
            f"<mark>{_escape(context.text)}</mark>{_escape(context.after)}"
            f'{" …" if context.clipped_after else ""}</blockquote></li>'
        )
    parts.append("</ol></div>")
    return "\n".join(parts)


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
        lines.append(f"- Could not {attempted} **{error.source}**: it {error.reason}.")
    return "\n".join(lines)


# A refused question or a known outage: the caller gets the reason, the server log no traceback.
EXPECTED_ERRORS = (ValueError, IndexNotReady, LLMError, LLMNotConfigured, VectorStoreUnavailable)


def api_error(exc: Exception) -> gr.Error:
    return gr.Error(str(exc), print_exception=False)


# -- per-browser-session state -------------------------------------------------


@dataclass
class ChatSession:
    """One browser tab's conversation. Created on first use: gr.State deep-copies its
    initial value per session, and a Conversation holds the (large) Assistant."""

    conversation: Conversation
    messages: list[dict] = field(default_factory=list)  # what the Chatbot shows
    answers: dict[int, Answer] = field(default_factory=dict)  # message index -> its Answer
    feedback_ids: dict[int, str] = field(default_factory=dict)  # message index -> its feedback record id
    pending: tuple[str, int, bool] | None = None  # (feedback id, message index, liked) awaiting a comment
    answered: int = 0  # answers given in this tab, across resets (tags the sources panel)


def _session(bot: Assistant, session: ChatSession | None) -> ChatSession:
    return session if session is not None else ChatSession(bot.conversation())


def _filters(doc_ids, kinds, regions, years) -> Filters | None:
    filters = Filters(
        doc_ids=list(doc_ids) or None,
        kinds=list(kinds) or None,
        regions=list(regions) or None,
        years=[int(y) for y in years] or None,
    )
    return filters if filters.active() else None


def _documents(bot: Assistant):
    try:
        return bot.documents()
    except IndexNotReady:
        return []


# -- the app -------------------------------------------------------------------


def build_app(bot: Assistant) -> gr.Blocks:
    settings = bot.settings
    llm_ready = settings.llm.configured
    default_mode = settings.answering.mode if llm_ready else "extractive"

    docs = _documents(bot)
    initial = {
        "docs": [(d.title, d.doc_id) for d in docs],
        "kinds": sorted({d.kind for d in docs}),
        "regions": sorted({d.region for d in docs if d.region}),
        "years": sorted({d.year for d in docs if d.year}),
    }

    with gr.Blocks(title=PRODUCT, analytics_enabled=False, delete_cache=(3600, 3600), fill_width=True) as app:
        session = gr.State(None)
        gr.HTML(
            f'<header class="app-header"><h1>{PRODUCT}</h1><p>{html.escape(TAGLINE)}</p></header>',
            elem_id="app-header",
        )
        with gr.Tabs():
            with gr.Tab("Ask", id="ask"):
                with gr.Row(equal_height=False, elem_id="ask-row"):
                    with gr.Column(scale=3, min_width=260, elem_id="scope-column"):
                        gr.Markdown("#### Search in", elem_classes=["panel-heading"])
                        doc_filter = gr.Dropdown(
                            label="Documents", multiselect=True, choices=initial["docs"], elem_id="filter-docs",
                            info="Leave empty to search them all.",
                        )
                        kind_filter = gr.Dropdown(
                            label="Kind", multiselect=True, choices=initial["kinds"], elem_id="filter-kind"
                        )
                        region_filter = gr.Dropdown(
                            label="Region", multiselect=True, choices=initial["regions"], elem_id="filter-region"
                        )
                        year_filter = gr.Dropdown(
                            label="Year", multiselect=True, choices=initial["years"], elem_id="filter-year"
                        )
                        mode = gr.Radio(
                            ["extractive", "llm"], value=default_mode, label="Answer mode",
                            interactive=llm_ready, elem_id="mode",
                        )
                        if not llm_ready:
                            gr.Markdown(LLM_HELP, elem_classes=["hint"], elem_id="llm-help")
                    with gr.Column(scale=7, min_width=420, elem_id="chat-column"):
                        with gr.Row(elem_id="chat-head"):
                            gr.Markdown("#### Conversation", elem_classes=["panel-heading"])
                            new = gr.Button(
                                "New conversation", size="sm", scale=0, min_width=150, elem_id="new-conversation"
                            )
                        chatbot = gr.Chatbot(
                            show_label=False, height=560, elem_id="chat", layout="panel", autoscroll=False,
                            buttons=["copy"], feedback_options=("Like", "Dislike"),
                            placeholder=(
                                "**Ask a question about the documents**<br>"
                                "or pick an example below. Each sentence of the answer links to its source."
                            ),
                        )
                        with gr.Row(elem_id="ask-bar", equal_height=True):
                            question = gr.Textbox(
                                show_label=False, placeholder="Ask about the documents…", lines=1, max_lines=4,
                                scale=10, elem_id="question", autofocus=True, container=False,
                            )
                            ask = gr.Button("Ask", variant="primary", scale=0, min_width=90, elem_id="ask")
                        with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                            comment = gr.Textbox(
                                show_label=False, scale=10, elem_id="feedback-comment", lines=1, container=False,
                                placeholder="Thanks for rating. What was wrong or missing? (optional)",
                            )
                            send = gr.Button("Send", scale=0, min_width=90, elem_id="send-comment")
                        gr.Markdown("#### Try an example", elem_classes=["panel-heading"])
                        with gr.Row(elem_id="examples"):
                            example_buttons = [
                                gr.Button(
                                    q, size="sm", scale=0, elem_classes=["example"], elem_id=f"example-{intent}"
                                )
                                for intent, q in EXAMPLES
                            ]
                    with gr.Column(scale=6, min_width=360, elem_id="sources-column"):
                        sources = gr.HTML(EMPTY_SOURCES, elem_id="sources")

            with gr.Tab("Documents", id="documents"):
                library_note = gr.Markdown(elem_id="library-note")
                table = gr.Dataframe(
                    headers=["Title", "ID", "Kind", "Region", "Year", "Passages", "From"],
                    interactive=False, wrap=True, elem_id="documents-table",
                    column_widths=["34%", "18%", "14%", "10%", "6%", "8%", "10%"],
                )
                with gr.Row(equal_height=False):
                    with gr.Column():
                        gr.Markdown("#### Add documents", elem_classes=["panel-heading"])
                        files = gr.File(
                            label=f"{' '.join(UPLOAD_TYPES)} · up to {settings.ui.max_upload_mb:g} MB each",
                            file_count="multiple", file_types=UPLOAD_TYPES, type="filepath", elem_id="upload",
                        )
                        add = gr.Button("Add to the library", variant="primary", elem_id="add-files")
                        upload_status = gr.Markdown(elem_id="upload-status")
                    with gr.Column():
                        gr.Markdown("#### Remove a document", elem_classes=["panel-heading"])
                        to_remove = gr.Dropdown(label="Document", choices=[], elem_id="remove-choice")
                        remove = gr.Button("Remove from the library", variant="stop", elem_id="remove")
                        gr.Markdown(
                            "An uploaded file is deleted. A document of the corpus folder is only set aside: "
                            "its file stays where it is, and you can restore it here.",
                            elem_classes=["hint"],
                        )
                        to_restore = gr.Dropdown(
                            label="Set-aside corpus documents", choices=[], elem_id="restore-choice"
                        )
                        restore = gr.Button("Restore", elem_id="restore")
                        remove_status = gr.Markdown(elem_id="remove-status")

            with gr.Tab("Analysis", id="analysis") as analysis_tab:
                gr.Markdown(ANALYSIS_HELP, elem_classes=["hint"])
                with gr.Row(equal_height=True, elem_id="analysis-controls"):
                    analysis_doc = gr.Dropdown(
                        label="Document", choices=[ALL_DOCUMENTS, *initial["docs"]], value="", elem_id="analysis-doc",
                    )
                    analysis_component = gr.Dropdown(
                        label="Compare the studies on", value="", elem_id="analysis-component",
                        choices=[("Every component", ""), *[(t, c) for c, t in views.COMPONENT_TITLES.items()]],
                    )
                    analyse = gr.Button("Analyse", variant="primary", scale=0, min_width=120, elem_id="analyse")
                with gr.Row(elem_id="analysis-exports"):
                    exports = {
                        key: gr.DownloadButton(
                            label, visible=False, size="sm", scale=0, min_width=150, elem_id=f"export-{key}"
                        )
                        for key, label in views.EXPORT_LABELS.items()
                    }
                analysis_view = gr.Markdown(elem_id="analysis-view")

        # The "chat" API endpoint's inputs and output: hidden, they only give the endpoint its signature
        # (rendered, though: an unrendered row broke the page in the browser tests).
        with gr.Row(visible=False):
            api_question = gr.Textbox(label="question")
            api_doc_ids = gr.JSON(label="doc_ids")
            api_answer = gr.JSON(label="answer")
            api_chat_trigger = gr.Button()

        library_outputs = [
            table, doc_filter, kind_filter, region_filter, year_filter, to_remove, to_restore, library_note,
        ]

        def library_view():
            docs = _documents(bot)
            rows = [
                [d.title, d.doc_id, d.kind, d.region or "", d.year or "", d.chunks,
                 "upload" if d.uploaded else "corpus"]
                for d in docs
            ]
            note = (
                f"{len(docs)} documents are indexed. Uploads are stored in `{settings.data_dir / UPLOADS}`."
                if docs else
                "Nothing is indexed yet: add documents below, or run `assistant ingest` to index the corpus folder."
            )
            excluded = bot.excluded_documents()
            return (
                gr.Dataframe(value=rows),
                gr.Dropdown(choices=[(d.title, d.doc_id) for d in docs]),
                gr.Dropdown(choices=sorted({d.kind for d in docs})),
                gr.Dropdown(choices=sorted({d.region for d in docs if d.region})),
                gr.Dropdown(choices=sorted({d.year for d in docs if d.year})),
                gr.Dropdown(choices=[(f"{d.title} ({d.doc_id})", d.doc_id) for d in docs], value=None),
                gr.Dropdown(choices=[(f"{e.title} ({e.source})", e.source) for e in excluded], value=None),
                note,
            )

        def respond(message, session, doc_ids, kinds, regions, years, answer_mode):
            session = _session(bot, session)
            # Shown back in the chat as typed, except undecodable characters (lone surrogates), which
            # the page's JSON stream cannot carry: they would break the connection mid-answer.
            message = (message or "").strip().encode("utf-8", "replace").decode("utf-8")
            if not message:
                gr.Warning("Type a question first.")
                yield session.messages, message, session, gr.skip(), gr.skip()
                return
            session.messages = [*session.messages, {"role": "user", "content": message}]
            session.messages.append({"role": "assistant", "content": "_Searching the documents…_"})
            yield session.messages, "", session, gr.skip(), gr.Row(visible=False)
            try:
                answer = session.conversation.ask(
                    message, filters=_filters(doc_ids, kinds, regions, years), mode=answer_mode
                )
            except Exception as exc:  # shown to the reader in plain words; nothing is half-written
                session.messages[-1] = {"role": "assistant", "content": f"**Could not answer:** {exc}"}
                yield session.messages, "", session, gr.skip(), gr.skip()
                return
            index = len(session.messages) - 1
            session.answers[index] = answer
            session.answered += 1
            for prefix in reveal_steps(answer.text)[:-1]:
                session.messages[-1] = {"role": "assistant", "content": link_markers(prefix)}
                yield session.messages, "", session, gr.skip(), gr.skip()
                time.sleep(REVEAL_PAUSE_S)
            session.messages[-1] = {"role": "assistant", "content": link_markers(answer.text)}
            yield session.messages, "", session, render_sources(bot, answer, session.answered), gr.skip()

        def reset(session):
            if session is not None:
                session.conversation.reset()
                session.messages, session.answers, session.feedback_ids, session.pending = [], {}, {}, None
            return [], session, EMPTY_SOURCES, gr.Row(visible=False), ""

        def rate(session, like: gr.LikeData):
            index = like.index[0] if isinstance(like.index, (list, tuple)) else like.index
            answer = session.answers.get(index) if session is not None else None
            if answer is None or like.liked not in (True, False):  # un-rating, or not an answer
                return session, gr.Row(visible=False), ""
            # Changing one's mind (up, then down) amends the same record rather than adding a second.
            record = bot.record_feedback(answer, liked=like.liked, feedback_id=session.feedback_ids.get(index))
            session.feedback_ids[index] = record.id
            session.pending = (record.id, index, like.liked)
            gr.Info("Thanks, your rating was saved.")
            return session, gr.Row(visible=True), ""

        def send_comment(session, text):
            if session is None or session.pending is None or not (text or "").strip():
                return session, gr.Row(visible=False), ""
            feedback_id, index, liked = session.pending
            bot.record_feedback(session.answers[index], liked=liked, comment=text, feedback_id=feedback_id)
            session.pending = None
            gr.Info("Thanks, your comment was saved.")
            return session, gr.Row(visible=False), ""

        def add_files(paths, progress=gr.Progress()):  # noqa: B008 (how Gradio injects a progress bar)
            if not paths:
                return ("Choose one or more files first.", None, *library_view())
            progress(0, desc="Reading the files")

            def on_progress(done: int, total: int, source: str) -> None:
                progress(done / max(total, 1), desc=f"Indexing {source}")

            try:
                report = bot.add_files(paths, progress=on_progress)
                message = report_markdown(report, "add")
            except Exception as exc:
                message = f"**Could not add the files:** {exc}"
            finally:
                for path in paths:  # Gradio's temporary copy; ours is in the uploads folder
                    Path(path).unlink(missing_ok=True)
            return (message, None, *library_view())

        def remove_document(doc_id):
            if not doc_id:
                return ("Choose a document to remove.", *library_view())
            try:
                uploaded = any(d.doc_id == doc_id and d.uploaded for d in _documents(bot))
                report = bot.remove_document(doc_id)
                how = (
                    "its file was deleted" if uploaded else
                    "its file stays in the corpus folder; restore it below to index it again"
                )
                message = f"**Removed** `{doc_id}`: {how}. The index now holds {report.chunks} passages."
            except Exception as exc:
                message = f"**Could not remove** `{doc_id}`: {exc}"
            return (message, *library_view())

        def restore_document(source):
            if not source:
                return ("Choose a document to restore.", *library_view())
            try:
                report = bot.restore_document(source)
                message = report_markdown(report, "restore")
            except Exception as exc:
                message = f"**Could not restore** {source}: {exc}"
            return (message, *library_view())

        def analyse_documents(doc_id, component):
            try:
                report = bot.analyze(doc_id or None, component=component or None)
            except Exception as exc:  # shown in plain words (no index yet, a removed document)
                return (f"**Could not analyse:** {exc}", *[gr.DownloadButton(visible=False) for _ in exports])
            stem = f"analysis-{doc_id or 'all'}" + (f"-{component}" if component else "")
            files = views.write_exports(report, EXPORT_DIR, stem)
            buttons = [
                gr.DownloadButton(value=str(files[key]), visible=True) if key in files
                else gr.DownloadButton(value=None, visible=False)
                for key in exports
            ]
            return (views.to_markdown(report), *buttons)

        def analysis_documents():
            return gr.Dropdown(choices=[ALL_DOCUMENTS, *[(d.title, d.doc_id) for d in _documents(bot)]])

        def api_ask(question: str, doc_ids: list[str] | None = None) -> dict:
            """Answer one question from the documents; returns the Answer as JSON
            (text with [n] markers, citations with document ids and character offsets)."""
            try:
                answer = bot.ask(question, filters=Filters(doc_ids=doc_ids) if doc_ids else None)
            except EXPECTED_ERRORS as exc:
                raise api_error(exc) from None
            return answer.model_dump(mode="json")

        def api_chat(question, doc_ids=None, session=None):
            """Ask within this client's conversation: a follow-up is read against its earlier
            questions, as in the Ask tab. One conversation per client session (gradio_client:
            one per Client; `client.reset_session()` starts a new one)."""
            session = _session(bot, session)
            filters = Filters(doc_ids=list(doc_ids)) if doc_ids else None
            try:
                answer = session.conversation.ask(question if isinstance(question, str) else "", filters=filters)
            except EXPECTED_ERRORS as exc:
                raise api_error(exc) from None
            return answer.model_dump(mode="json"), session

        private = {"api_visibility": "private"}
        ask_inputs = [question, session, doc_filter, kind_filter, region_filter, year_filter, mode]
        ask_outputs = [chatbot, question, session, sources, comment_row]
        ask.click(respond, ask_inputs, ask_outputs, **private)
        question.submit(respond, ask_inputs, ask_outputs, **private)
        for button, (_, example) in zip(example_buttons, EXAMPLES, strict=True):
            button.click(lambda text=example: text, None, question, **private).then(
                respond, ask_inputs, ask_outputs, **private
            )
        new.click(reset, session, [chatbot, session, sources, comment_row, question], **private)
        chatbot.clear(reset, session, [chatbot, session, sources, comment_row, question], **private)
        chatbot.like(rate, session, [session, comment_row, comment], **private)
        send.click(send_comment, [session, comment], [session, comment_row, comment], **private)
        comment.submit(send_comment, [session, comment], [session, comment_row, comment], **private)
        add.click(add_files, files, [upload_status, files, *library_outputs], concurrency_limit=1, **private)
        remove.click(remove_document, to_remove, [remove_status, *library_outputs], concurrency_limit=1, **private)
        restore.click(restore_document, to_restore, [remove_status, *library_outputs], concurrency_limit=1, **private)
        app.load(library_view, None, library_outputs, show_progress="hidden", **private)
        analysis_outputs = [analysis_view, *exports.values()]
        analyse.click(analyse_documents, [analysis_doc, analysis_component], analysis_outputs, **private)
        analysis_tab.select(analysis_documents, None, analysis_doc, show_progress="hidden", **private)
        gr.api(api_ask, api_name="ask")
        api_chat_trigger.click(api_chat, [api_question, api_doc_ids, session], [api_answer, session], api_name="chat")
    return app


# -- look --------------------------------------------------------------------

THEME = gr.themes.Soft(
    primary_hue="teal",
    neutral_hue="slate",
    # System fonts only: nothing is fetched from a font service.
    font=["Inter", "ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
).set(body_text_size="15px")

CSS = """
.gradio-container { max-width: 1480px !important; margin: 0 auto; }
footer { opacity: .6; }
#app-header { padding: 4px 2px 0; }
.app-header h1 { font-size: 1.55rem; font-weight: 650; margin: 0 0 2px; letter-spacing: -.01em; }
.app-header p { margin: 0; color: var(--body-text-color-subdued); max-width: 70ch; line-height: 1.45; }
.panel-heading h4 { margin: 0 0 2px; font-size: .95rem; text-transform: uppercase; letter-spacing: .04em;
  color: var(--body-text-color-subdued); }
#documents-table table { font-family: var(--font); font-size: .92rem; }
.hint p { font-size: .88rem; color: var(--body-text-color-subdued); }
#chat .message { font-size: 15px; line-height: 1.55; }
#chat a[href^="#source-"] { text-decoration: none; font-weight: 600; font-size: .82em; vertical-align: super;
  color: var(--color-accent); padding: 0 1px; }
#chat-head { align-items: center; justify-content: space-between; }
#examples { flex-wrap: wrap; gap: 6px; }
#examples button.example { white-space: normal; text-align: left; font-weight: 400; font-size: .86rem;
  line-height: 1.3; padding: 5px 10px; min-width: 0; flex: 0 1 auto; max-width: 100%; }
.sources { font-size: 14.5px; line-height: 1.55; max-height: 760px; overflow-y: auto; padding-right: 4px; }
.sources-title { font-size: .95rem; text-transform: uppercase; letter-spacing: .04em; margin: 2px 0 8px;
  color: var(--body-text-color-subdued); font-weight: 600; }
.sources-empty, .sources-note { color: var(--body-text-color-subdued); }
.sources-note.warning { color: var(--color-accent); }
.source-list { list-style: none; padding: 0; margin: 0; }
.source-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 10px 12px;
  margin: 0 0 10px; background: var(--background-fill-primary); scroll-margin-top: 12px; }
.source-card.flash { box-shadow: 0 0 0 3px var(--color-accent-soft); transition: box-shadow .3s; }
.source-head { display: flex; gap: 8px; align-items: baseline; }
.source-num { flex: none; min-width: 1.6em; height: 1.6em; line-height: 1.6em; text-align: center;
  border-radius: 50%; background: var(--color-accent-soft); color: var(--color-accent); font-weight: 700;
  font-size: .85em; }
.source-title { font-weight: 600; }
.source-meta { font-size: .82rem; color: var(--body-text-color-subdued); margin: 2px 0 6px 2.1em; }
.source-meta code { font-size: .78rem; }
.source-context { margin: 0 0 0 2.1em; padding: 0 0 0 10px; border-left: 3px solid var(--border-color-primary);
  font-family: Georgia, "Iowan Old Style", "Source Serif Pro", serif; font-size: 14.5px;
  color: var(--body-text-color); white-space: pre-wrap; }
.source-context mark { background: #fde68a; color: inherit; padding: 0 1px; border-radius: 2px; }
"""

# A click on a marker [n] scrolls the sources panel to card n and flashes it, in place of
# navigating (the panel scrolls on its own; the page should not jump). Script in <head> runs
# before Gradio renders, hence the document-level listeners.
HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest('a[href^="#source-"]');
  if (!link) return;
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  event.preventDefault();
  event.stopPropagation();
  card.scrollIntoView({behavior: "smooth", block: "nearest"});
  card.classList.remove("flash");
  void card.offsetWidth;
  card.classList.add("flash");
}, true);

// Keep the latest question at the top of the conversation while its answer streams in below,
// so the reader starts at the answer's first line (Gradio's own autoscroll is off).
window.questionsShown = 0;
new MutationObserver(() => {
  const rows = document.querySelectorAll("#chat .user-row");
  if (rows.length === window.questionsShown) return;
  window.questionsShown = rows.length;
  const log = document.querySelector('#chat [role="log"]');
  if (!log || !rows.length) return;
  requestAnimationFrame(() => {
    const row = rows[rows.length - 1];
    log.scrollTop += row.getBoundingClientRect().top - log.getBoundingClientRect().top - 8;
  });
}).observe(document.documentElement, {childList: true, subtree: true});
</script>
"""
