"""The Ask tab: a conversation with the documents, each answer's sources beside it (below it on a phone).

Layout, top to bottom in the chat column: "Search in" (filters and answer mode, folded, its label
saying what is searched), the conversation (example questions made from the library inside it
while it is empty), the question box directly under it, the rating comment. The sources panel is
the second column on a wide screen and comes after the question box on a narrow one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import gradio as gr

from assistant.answering.models import Answer
from assistant.api import Assistant, Facets
from assistant.conversation import Conversation
from assistant.errors import AssistantError
from assistant.retrieval import Filters
from assistant.ui.render import EMPTY_SOURCES, link_markers, question_message, render_sources, reveal_steps

LLM_HELP = (
    "No language model is configured, so answers are extractive (verbatim sentences from the documents). "
    "For llm mode set `ASSISTANT_LLM__PROVIDER` (openai_like, ollama or llamacpp), `ASSISTANT_LLM__BASE_URL` "
    "and `ASSISTANT_LLM__MODEL`; see “An LLM server” in the README."
)
PLACEHOLDER = "**Ask a question about the documents**<br>Each sentence of the answer links to its source."
REVEAL_PAUSE_S = 0.025
PRIVATE = {"api_visibility": "private"}


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


def session_of(bot: Assistant, session: ChatSession | None) -> ChatSession:
    return session if session is not None else ChatSession(bot.conversation())


def filters_of(doc_ids, kinds, regions, years) -> Filters | None:
    filters = Filters(
        doc_ids=list(doc_ids or []) or None,
        kinds=list(kinds or []) or None,
        regions=list(regions or []) or None,
        years=[int(y) for y in years or []] or None,
    )
    return filters if filters.active() else None


def scope_label(doc_ids, kinds, regions, years) -> str:
    """The folded "Search in" section's title: what the next question searches."""
    parts = []
    if doc_ids:
        parts.append(f"{len(doc_ids)} document{'s' if len(doc_ids) != 1 else ''}")
    for values in (kinds, regions, years):
        if values:
            parts.append(", ".join(str(v) for v in values))
    return "Search in: " + (" · ".join(parts) if parts else "all documents")


def examples_of(bot: Assistant) -> list[dict]:
    return [{"text": e.question} for e in bot.example_questions()]


@dataclass
class AskTab:
    doc_filter: gr.Dropdown
    kind_filter: gr.Dropdown
    region_filter: gr.Dropdown
    year_filter: gr.Dropdown
    chatbot: gr.Chatbot
    session: gr.State

    def refresh_outputs(self) -> list:
        return [self.doc_filter, self.kind_filter, self.region_filter, self.year_filter, self.chatbot]

    @staticmethod
    def refresh(bot: Assistant) -> tuple:
        """New choices and examples after the library changed (an upload, a removal, new details)."""
        facets: Facets = bot.facets()
        return (
            gr.Dropdown(choices=facets.documents),
            gr.Dropdown(choices=facets.kinds),
            gr.Dropdown(choices=facets.regions),
            gr.Dropdown(choices=facets.years),
            gr.Chatbot(examples=examples_of(bot) or None),
        )


def build(bot: Assistant) -> AskTab:
    settings = bot.settings
    llm_ready = settings.llm.configured
    facets = bot.facets()
    session = gr.State(None)

    with gr.Row(equal_height=False, elem_id="ask-row"):
        with gr.Column(scale=7, min_width=320, elem_id="chat-column"):
            with gr.Accordion(scope_label(None, None, None, None), open=False, elem_id="search-in") as search_in:
                with gr.Row(elem_id="filters"):
                    doc_filter = gr.Dropdown(
                        label="Documents", multiselect=True, choices=facets.documents, elem_id="filter-docs",
                        info="Leave empty to search them all.", min_width=220,
                    )
                    kind_filter = gr.Dropdown(
                        label="Kind", multiselect=True, choices=facets.kinds, elem_id="filter-kind", min_width=160
                    )
                    region_filter = gr.Dropdown(
                        label="Region", multiselect=True, choices=facets.regions, elem_id="filter-region",
                        min_width=140,
                    )
                    year_filter = gr.Dropdown(
                        label="Year", multiselect=True, choices=facets.years, elem_id="filter-year", min_width=120
                    )
                mode = gr.Radio(
                    ["extractive", "llm"], value=settings.answering.mode if llm_ready else "extractive",
                    label="Answer mode", interactive=llm_ready, elem_id="mode",
                )
                if not llm_ready:
                    gr.Markdown(LLM_HELP, elem_classes=["hint"], elem_id="llm-help")
            with gr.Row(elem_id="chat-head"):
                gr.Markdown("#### Conversation", elem_classes=["panel-heading"])
                new = gr.Button("New conversation", size="sm", scale=0, min_width=150, elem_id="new-conversation")
            chatbot = gr.Chatbot(
                show_label=False, elem_id="chat", layout="panel", autoscroll=False, height="62vh",
                buttons=["copy"], feedback_options=("Like", "Dislike"), placeholder=PLACEHOLDER,
                examples=examples_of(bot) or None,
            )
            with gr.Row(elem_id="ask-bar", equal_height=True):
                question = gr.Textbox(
                    show_label=False, placeholder="Ask about the documents…", lines=1, max_lines=4,
                    scale=10, elem_id="question", autofocus=True, container=False,
                )
                ask = gr.Button("Ask", variant="primary", scale=0, min_width=80, elem_id="ask")
            with gr.Row(visible=False, elem_id="comment-row") as comment_row:
                comment = gr.Textbox(
                    show_label=False, scale=10, elem_id="feedback-comment", lines=1, container=False,
                    placeholder="Thanks for rating. What was wrong or missing? (optional)",
                )
                send = gr.Button("Send", scale=0, min_width=80, elem_id="send-comment")
        with gr.Column(scale=5, min_width=320, elem_id="sources-column"):
            sources = gr.HTML(EMPTY_SOURCES, elem_id="sources")

    def respond(message, session, doc_ids, kinds, regions, years, answer_mode):
        session = session_of(bot, session)
        # Shown back in the chat as typed, except undecodable characters (lone surrogates), which
        # the page's JSON stream cannot carry: they would break the connection mid-answer.
        message = (message or "").strip().encode("utf-8", "replace").decode("utf-8")
        if not message:
            gr.Warning("Type a question first.")
            yield session.messages, message, session, gr.skip(), gr.skip()
            return
        session.messages = [*session.messages, {"role": "user", "content": question_message(message)}]
        session.messages.append({"role": "assistant", "content": "_Searching the documents…_"})
        yield session.messages, "", session, gr.skip(), gr.Row(visible=False)
        try:
            answer = session.conversation.ask(
                message, filters=filters_of(doc_ids, kinds, regions, years), mode=answer_mode
            )
        except AssistantError as exc:  # shown to the reader in plain words; nothing is half-written
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

    def pick_example(example: gr.SelectData):
        return example.value["text"] if isinstance(example.value, dict) else str(example.value)

    ask_inputs = [question, session, doc_filter, kind_filter, region_filter, year_filter, mode]
    ask_outputs = [chatbot, question, session, sources, comment_row]
    ask.click(respond, ask_inputs, ask_outputs, **PRIVATE)
    question.submit(respond, ask_inputs, ask_outputs, **PRIVATE)
    chatbot.example_select(pick_example, None, question, **PRIVATE).then(respond, ask_inputs, ask_outputs, **PRIVATE)
    reset_outputs = [chatbot, session, sources, comment_row, question]
    new.click(reset, session, reset_outputs, **PRIVATE)
    chatbot.clear(reset, session, reset_outputs, **PRIVATE)
    chatbot.like(rate, session, [session, comment_row, comment], **PRIVATE)
    send.click(send_comment, [session, comment], [session, comment_row, comment], **PRIVATE)
    comment.submit(send_comment, [session, comment], [session, comment_row, comment], **PRIVATE)
    scope = [doc_filter, kind_filter, region_filter, year_filter]
    for dropdown in scope:
        dropdown.change(
            lambda *values: gr.Accordion(label=scope_label(*values)), scope, search_in,
            show_progress="hidden", **PRIVATE,
        )
    return AskTab(doc_filter, kind_filter, region_filter, year_filter, chatbot, session)
