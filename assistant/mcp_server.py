"""`assistant mcp`: the assistant as a Model Context Protocol server over stdio.

An MCP client (Claude Desktop, an IDE's assistant, any agent) starts `assistant mcp` and calls
four tools, each a call on the same `Assistant` as the CLI and the UI: `ask`, `search_passages`,
`list_documents` and `analyze`. A request the library refuses (an empty question, an unknown
document id, an index not built yet) comes back as a tool error carrying the library's message.
Nothing but protocol messages may go to stdout, so the server writes its own messages to stderr.
"""

from __future__ import annotations

import functools

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from assistant.analysis import to_markdown
from assistant.answering.models import Citation
from assistant.api import Assistant, DocumentInfo, FoundPassage
from assistant.errors import AssistantError
from assistant.retrieval import Filters

INSTRUCTIONS = (
    "Answers questions about health-policy documents (implementation studies, provincial action plans, "
    "reform notices) from the documents alone. Every sentence of an answer carries a [n] marker that points "
    "at a cited passage, given verbatim with its document id and character offsets. When the documents do not "
    "answer, the reply says so (abstained) instead of guessing."
)


class AskResult(BaseModel):
    text: str  # Markdown with [n] markers
    citations: list[Citation]  # the passages the markers point at
    abstained: bool  # the documents do not answer the question
    question: str  # the question as answered


def tool_errors(tool):
    """The library's refusals as tool errors (their message, no traceback). ValueError too: the library
    refuses some arguments with it (an unknown analysis component), as the CLI expects."""

    @functools.wraps(tool)
    def guarded(*args, **kwargs):
        try:
            return tool(*args, **kwargs)
        except (AssistantError, ValueError) as exc:
            raise ToolError(str(exc)) from None

    return guarded


def build_server(bot: Assistant) -> MCPServer:
    server = MCPServer("policy-assistant", instructions=INSTRUCTIONS)

    @server.tool()
    @tool_errors
    def ask(question: str, doc_ids: list[str] | None = None) -> AskResult:
        """Answer a question from the documents. Returns the answer text (Markdown, each sentence ending in
        [n] markers) and its citations: for each n, the document id and title, the cited passage verbatim and its
        character offsets in the document. `abstained` is true when the documents do not answer the question.
        Optional `doc_ids` keeps the answer to those documents (ids from list_documents)."""
        answer = bot.ask(question, filters=Filters(doc_ids=doc_ids) if doc_ids else None)
        return AskResult(text=answer.text, citations=answer.citations, abstained=answer.abstained,
                         question=answer.question)

    @server.tool()
    @tool_errors
    def search_passages(query: str, k: int = 6, filters: Filters | None = None) -> list[FoundPassage]:
        """Find the `k` passages (1-100) of the documents that best match `query`, best first, without
        composing an answer. Each passage has its id, document id and title, section, text, character offsets
        (start, end) in the document and retrieval score. `filters` may restrict the search to doc_ids, kinds,
        regions or years (any of each list's values)."""
        return bot.search_passages(query, k, filters)

    @server.tool()
    @tool_errors
    def list_documents() -> list[DocumentInfo]:
        """The indexed documents: id, title, kind (research abstract, action plan, policy notice, ...),
        region, year, source file and number of passages (chunks)."""
        return bot.documents()

    @server.tool()
    @tool_errors
    def analyze(doc_id: str | None = None, component: str | None = None) -> str:
        """The analysis tables as Markdown, every cell cited: for a `doc_id`, its responsibility matrix (an
        document that assigns tasks: each task, the departments responsible and the lead) and its study table (a
        study: findings, causes and recommendations labelled in the study's own framework, with Smith's
        components derived); with a `component` (policy, organisation, target group, environment), the studies
        compared on it; with neither, all documents and comparisons."""
        return to_markdown(bot.analyze(doc_id, component=component))

    return server


def run(bot: Assistant) -> None:
    """Serve MCP over stdin/stdout until the client closes the connection."""
    build_server(bot).run("stdio")
