"""The page's two API endpoints, `ask` and `chat`, for programs (gradio_client, or plain HTTP on
/gradio_api/call/<name>). Each returns the `Answer` as JSON; a refused question comes back as its
reason in one plain sentence, and the server logs no traceback for it."""

from __future__ import annotations

import gradio as gr

from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.retrieval import Filters
from assistant.ui.ask import ChatSession, session_of


def refused(reason: str) -> gr.Error:
    return gr.Error(reason, print_exception=False)


def document_filter(doc_ids) -> Filters | None:
    """The optional `doc_ids` input: nothing, or a list of document ids."""
    if doc_ids in (None, "", []):
        return None
    if not isinstance(doc_ids, list) or not all(isinstance(d, str) for d in doc_ids):
        raise refused("doc_ids must be a list of document ids (strings), or left out")
    return Filters(doc_ids=doc_ids)


def text_of(question) -> str:
    return "" if question is None else question  # a left-out question is an empty one, refused by the library


def build(bot: Assistant, session: gr.State) -> None:
    def api_ask(question: str, doc_ids: list[str] | None = None) -> dict:
        """Answer one question from the documents; returns the Answer as JSON
        (text with [n] markers, citations with document ids and character offsets)."""
        try:
            answer = bot.ask(text_of(question), filters=document_filter(doc_ids))
        except AssistantError as exc:
            raise refused(str(exc)) from None
        return answer.model_dump(mode="json")

    def api_chat(question, doc_ids=None, session: ChatSession | None = None):
        """Ask within this client's conversation: a follow-up is read against its earlier
        questions, as in the Ask tab. One conversation per client session (gradio_client:
        one per Client; `client.reset_session()` starts a new one)."""
        session = session_of(bot, session)
        try:
            answer = session.conversation.ask(text_of(question), filters=document_filter(doc_ids))
        except AssistantError as exc:
            raise refused(str(exc)) from None
        return answer.model_dump(mode="json"), session

    # The "chat" endpoint's inputs and output: hidden, they only give the endpoint its signature
    # (rendered, though: an unrendered row broke the page in the browser tests).
    with gr.Row(visible=False):
        api_question = gr.Textbox(label="question")
        api_doc_ids = gr.JSON(label="doc_ids")
        api_answer = gr.JSON(label="answer")
        api_chat_trigger = gr.Button()
    gr.api(api_ask, api_name="ask")
    api_chat_trigger.click(api_chat, [api_question, api_doc_ids, session], [api_answer, session], api_name="chat")


class Page(gr.Blocks):
    """The page's Blocks, with trailing inputs optional for programs.

    gradio_client fills a left-out input with its default, but Gradio's plain HTTP route
    (POST /gradio_api/call/ask with {"data": ["question"]}) passes the short list on, and Gradio
    then refuses it with "didn't receive enough input values" and a traceback in the log. Here the
    missing inputs take their component's default value (`doc_ids` None, the session new), as
    they would from the client. The page itself always sends every input."""

    def validate_inputs(self, block_fn, inputs: list) -> None:
        if len(inputs) < len(block_fn.inputs):  # the list is the one Gradio goes on to read
            inputs.extend(getattr(block, "value", None) for block in block_fn.inputs[len(inputs) :])
        super().validate_inputs(block_fn, inputs)
