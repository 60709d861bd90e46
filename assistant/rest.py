"""The OpenAI-compatible REST API under /v1, served beside the UI by `assistant ui`.

Chat front-ends (Open WebUI, LibreChat, ...), notebooks with the `openai` client and scripts
reach the same `Assistant` as the UI: `GET /v1/models`, `POST /v1/chat/completions` (plain or
streamed as server-sent events), `POST /v1/ask` (the `Answer` as JSON) and `GET /v1/documents`.
A reply carries its citations and the abstention flag as extra fields beside the OpenAI ones.
Every refusal is a JSON error in the OpenAI shape, {"error": {"message", "type", "param", "code"}}.
Sign-in and the body-size limit are checked before a request gets here (`assistant.access`).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from assistant.answering.models import Answer, Citation
from assistant.api import Assistant, DocumentInfo
from assistant.errors import AssistantError, InvalidRequest
from assistant.retrieval import Filters

MODEL = "policy-assistant"  # extractive answers
LLM_MODEL = "policy-assistant-llm"  # answers composed by the configured language model
REPLAYED_TURNS = 4  # earlier user turns replayed so the last one is read as a follow-up


# -- the OpenAI error shape ------------------------------------------------------------------


class ErrorBody(BaseModel):
    message: str
    type: str
    param: str | None = None
    code: str | None = None


class ErrorResponse(BaseModel):
    error: ErrorBody


def error_response(status: int, message: str, kind: str = "invalid_request_error", param: str | None = None,
                   code: str | None = None) -> JSONResponse:
    body = ErrorResponse(error=ErrorBody(message=message, type=kind, param=param, code=code))
    return JSONResponse(body.model_dump(), status_code=status)


class APIError(Exception):
    """A request refused with an OpenAI-shaped error."""

    def __init__(self, status: int, message: str, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


# -- request and response models --------------------------------------------------------------


class ContentPart(BaseModel):
    """One part of a message's content; only text parts are read."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls, ...: accepted, not read
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[ContentPart] | None = None

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(part.text for part in self.content if part.type == "text" and part.text)
        return self.content or ""


class ChatCompletionRequest(BaseModel):
    # temperature, max_tokens, stream_options, ...: accepted and not read (answers are drawn from the documents)
    model_config = ConfigDict(extra="allow")
    model: str
    messages: list[ChatMessage]
    stream: bool = False
    doc_ids: list[str] | None = Field(None, description="Only answer from these documents (an extension).")


class ReplyMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: ReplyMessage
    finish_reason: Literal["stop"] = "stop"


class Usage(BaseModel):
    """Word pieces of the embedding model's tokenizer: what was read and what was written."""

    prompt_tokens: int
    completion_tokens: int
    total_tokens: int


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: Usage
    citations: list[Citation] = Field(description="The passages the [n] markers in the content point at.")
    abstained: bool = Field(description="True when the documents do not answer the question.")
    question: str = Field(description="The question as answered (a follow-up rewritten to stand alone).")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None


class ChatCompletionChunk(BaseModel):
    """One server-sent event of a streamed reply; the last carries usage, citations and the flag."""

    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    usage: Usage | None = None
    citations: list[Citation] | None = None
    abstained: bool | None = None
    question: str | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int = 0
    owned_by: str = "policy-assistant"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class DocumentList(BaseModel):
    object: Literal["list"] = "list"
    data: list[DocumentInfo]


class AskRequest(BaseModel):
    question: str
    doc_ids: list[str] | None = Field(None, description="Only answer from these documents.")
    top_k: int | None = Field(None, ge=1, le=100, description="Passages to retrieve (default: retrieval.top_k).")


ERRORS = {status: {"model": ErrorResponse} for status in (400, 401, 404, 413, 503)}


# -- the routes -------------------------------------------------------------------------------


def model_names(bot: Assistant) -> list[str]:
    return [MODEL, LLM_MODEL] if bot.settings.llm.configured else [MODEL]


def filters_of(doc_ids: list[str] | None) -> Filters | None:
    return Filters(doc_ids=doc_ids) if doc_ids else None


def chat_answer(bot: Assistant, request: ChatCompletionRequest) -> Answer:
    """The last user message answered as the follow-up of the earlier user turns, through the
    library's own conversation (which rewrites a follow-up to stand alone)."""
    if request.model not in model_names(bot):
        raise APIError(404, f"The model {request.model!r} does not exist: use one of {', '.join(model_names(bot))} "
                       "(GET /v1/models lists them).", param="model", code="model_not_found")
    if not request.messages:
        raise APIError(400, "messages is empty: send at least one message with role 'user'.", param="messages")
    if request.messages[-1].role != "user":
        raise APIError(400, f"The last message must have role 'user' (the question), not "
                       f"{request.messages[-1].role!r}.", param="messages")
    mode = "llm" if request.model == LLM_MODEL else "extractive"
    conversation = bot.conversation(filters_of(request.doc_ids))
    earlier = [m.text() for m in request.messages[:-1] if m.role == "user"]
    for question in earlier[-REPLAYED_TURNS:]:
        try:
            conversation.ask(question, mode=mode)
        except InvalidRequest:  # an empty earlier turn gives no context; the last question still counts
            continue
    return conversation.ask(request.messages[-1].text(), mode=mode)


def pieces(text: str) -> list[str]:
    """The reply cut into lines for streaming (each keeps its newline)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text) or [""]


def build_router(bot: Assistant) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["OpenAI-compatible API"], responses=ERRORS)

    def usage(request: ChatCompletionRequest, answer: Answer) -> Usage:
        read = sum(bot.embedder.count_tokens(m.text()) for m in request.messages)
        written = bot.embedder.count_tokens(answer.text)
        return Usage(prompt_tokens=read, completion_tokens=written, total_tokens=read + written)

    @router.get("/models", response_model=ModelList)
    def list_models() -> ModelList:
        """The assistant's models: `policy-assistant` (extractive), and `policy-assistant-llm` when a
        language model is configured."""
        return ModelList(data=[ModelCard(id=name) for name in model_names(bot)])

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={200: {"content": {"text/event-stream": {}}, "description": "With `stream: true`: "
                         "ChatCompletionChunk events, the last with usage and citations, then `data: [DONE]`."}},
    )
    def chat_completions(request: ChatCompletionRequest):
        """Answer the last user message, read as a follow-up of the earlier user messages. The
        content is Markdown with [n] markers; `citations` holds the passages they point at."""
        answer = chat_answer(bot, request)
        reply_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not request.stream:
            return ChatCompletion(
                id=reply_id, created=created, model=request.model,
                choices=[Choice(message=ReplyMessage(content=answer.text))], usage=usage(request, answer),
                citations=answer.citations, abstained=answer.abstained, question=answer.question,
            )

        def events() -> Iterator[str]:
            def event(choice: ChunkChoice, **final) -> str:
                chunk = ChatCompletionChunk(id=reply_id, created=created, model=request.model, choices=[choice],
                                            **final)
                return f"data: {chunk.model_dump_json()}\n\n"

            for n, piece in enumerate(pieces(answer.text)):
                yield event(ChunkChoice(delta=Delta(role="assistant" if n == 0 else None, content=piece)))
            yield event(ChunkChoice(delta=Delta(), finish_reason="stop"), usage=usage(request, answer),
                        citations=answer.citations, abstained=answer.abstained, question=answer.question)
            yield "data: [DONE]\n\n"

        return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    @router.post("/ask", response_model=Answer)
    def ask(request: AskRequest) -> Answer:
        """Answer one question (no conversation): the `Answer` with its text, citations (document
        ids and character offsets), intent and abstention flag."""
        return bot.ask(request.question, filters=filters_of(request.doc_ids), top_k=request.top_k)

    @router.get("/documents", response_model=DocumentList)
    def documents() -> DocumentList:
        """The indexed documents: ids, titles, kinds, regions, years and passage (chunk) counts."""
        return DocumentList(data=bot.documents())

    return router


def install(app: FastAPI, bot: Assistant) -> None:
    """Add the /v1 routes to `app`, with every refusal in the OpenAI error shape."""
    app.include_router(build_router(bot))

    @app.exception_handler(APIError)
    async def refused(request: Request, exc: APIError) -> JSONResponse:
        return error_response(exc.status, exc.message, param=exc.param, code=exc.code)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"] if part != "body")
        message = f"{where}: {first['msg']}" if where else first["msg"]
        return error_response(400, f"Invalid request: {message}.", param=where or None)

    @app.exception_handler(InvalidRequest)
    async def invalid(request: Request, exc: InvalidRequest) -> JSONResponse:
        return error_response(400, str(exc)[:1].upper() + str(exc)[1:] + ".")

    @app.exception_handler(AssistantError)
    async def unavailable(request: Request, exc: AssistantError) -> JSONResponse:
        # The index is not built, the vector server or the language model is down: nothing the request can change.
        return error_response(503, str(exc), kind="server_error", code="unavailable")
