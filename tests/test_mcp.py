"""`assistant mcp`, the real command, driven over stdio by the `mcp` SDK's own client: the four
tools listed with descriptions, `ask` answering with citations, `list_documents`, `search_passages`
and `analyze`, and the library's refusals coming back as tool errors."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio
import pytest
from conftest import SEED_DOC_IDS
from mcp import ClientSession, StdioServerParameters, stdio_client
from ui_support import copy_seed

from assistant.api import Assistant
from assistant.retrieval import Filters

pytestmark = pytest.mark.slow

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
J_TOWN = "j-town-health-poverty-alleviation"


def server_parameters(settings) -> StdioServerParameters:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({
        "ASSISTANT_ROOT": str(settings.root), "ASSISTANT_CORPUS__PATH": str(settings.corpus_dir),
        "ASSISTANT_INDEX__PATH": str(settings.index_dir), "ASSISTANT_UI__DATA_DIR": str(settings.data_dir),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    })
    return StdioServerParameters(command=str(ASSISTANT_BIN), args=["mcp"], env=env, cwd=str(settings.root))


def session_calls(settings, calls: list[tuple[str, dict]], errlog):
    """List the tools, then make each call, in one session with one `assistant mcp` process."""

    async def run():
        async with stdio_client(server_parameters(settings), errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = (await session.list_tools()).tools
                results = [await session.call_tool(name, arguments) for name, arguments in calls]
                return tools, results

    return anyio.run(run)


@pytest.fixture(scope="module")
def project(seed_index, tmp_path_factory):
    return copy_seed(seed_index, tmp_path_factory.mktemp("mcp"))


def test_the_mcp_server_lists_its_tools_and_answers_with_citations(project, embedder, tmp_path):
    question = "What problems did the J Town study find?"
    errlog = (tmp_path / "mcp.log").open("w")
    tools, results = session_calls(project, [
        ("list_documents", {}),
        ("ask", {"question": question}),
        ("ask", {"question": "Who is responsible?", "doc_ids": ["gd-internet-plus-action-plan"]}),
        ("search_passages", {"query": "family doctor contracts", "k": 3, "filters": {"doc_ids": [J_TOWN]}}),
        ("analyze", {"doc_id": "gd-internet-plus-action-plan"}),
        ("ask", {"question": "   "}),
        ("analyze", {"doc_id": "no-such-document"}),
        ("analyze", {"component": "weather"}),
    ], errlog)
    errlog.close()
    listed, answered, scoped, found, analysis, empty, unknown, bad_component = results

    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == {"ask", "search_passages", "list_documents", "analyze"}
    assert all(len(tool.description) > 60 and "Returns" in by_name["ask"].description for tool in tools)
    assert {"question", "doc_ids"} <= set(by_name["ask"].input_schema["properties"])

    assert not listed.is_error
    documents = listed.structured_content["result"]
    assert {d["doc_id"] for d in documents} == SEED_DOC_IDS and all(d["chunks"] > 0 for d in documents)

    library = Assistant(project, embedder=embedder)
    expected = library.ask(question)
    assert not answered.is_error
    assert answered.structured_content["text"] == expected.text and "[1]" in expected.text
    citations = answered.structured_content["citations"]
    assert {c["doc_id"] for c in citations} == {J_TOWN}
    text = library.document_text(J_TOWN)
    assert all(text[c["start"] : c["end"]] == c["text"] for c in citations)
    assert answered.structured_content["abstained"] is False
    assert {c["doc_id"] for c in scoped.structured_content["citations"]} == {"gd-internet-plus-action-plan"}

    passages = found.structured_content["result"]
    assert len(passages) == 3 and {p["doc_id"] for p in passages} == {J_TOWN}
    assert all(text[p["start"] : p["end"]] == p["text"] for p in passages)
    expected_passages = library.search_passages("family doctor contracts", 3, Filters(doc_ids=[J_TOWN]))
    assert [p["id"] for p in passages] == [p.id for p in expected_passages]

    assert not analysis.is_error
    markdown = analysis.content[0].text
    assert "| Task | Responsible departments |" in markdown and "[1]" in markdown

    assert empty.is_error and "the question is empty" in empty.content[0].text
    assert unknown.is_error and "no-such-document" in unknown.content[0].text
    assert bad_component.is_error and "unknown component 'weather'" in bad_component.content[0].text
    assert "Traceback" not in (tmp_path / "mcp.log").read_text()
