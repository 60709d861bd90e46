"""The llm answering path, against a scripted OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from assistant import Assistant

pytestmark = pytest.mark.slow


class ScriptedModelServer:
    """A scripted stand-in for a model server: it speaks the OpenAI chat-completions
    protocol on 127.0.0.1, replies with the completions it is given, in order, and
    records every request it receives. It generates nothing itself."""

    def __init__(self, replies: list[str]):
        self.replies = list(replies)
        self.requests: list[dict] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                content = server.replies.pop(0) if server.replies else "No scripted reply left."
                payload = json.dumps({
                    "id": "scripted", "object": "chat.completion", "created": 0, "model": body.get("model"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": content}}],
                    "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
                }).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


PROMPTS = Path(__file__).resolve().parents[1] / "prompts"


def llm_bot(seed_index, embedder, server) -> Assistant:
    settings = seed_index.model_copy(update={
        "answering": seed_index.answering.model_copy(update={"mode": "llm"}),
        "llm": seed_index.llm.model_copy(update={"base_url": server.base_url, "model": "scripted", "prompts": PROMPTS}),
    })
    return Assistant(settings, embedder=embedder)


def test_llm_answer_keeps_valid_citations_and_removes_invented_ones(seed_index, embedder):
    reply = (
        "The plan assigns the insurance settlement platform to several departments [1].\n"
        "- Local Taxation Bureau [1]\n"
        "- Finance Department [1][42]\n"
        "- A department the sources never name [99]"
    )
    with ScriptedModelServer([reply]) as server:
        bot = llm_bot(seed_index, embedder, server)
        answer = bot.ask("Who is responsible for the medical insurance settlement platform?")

    assert answer.mode == "llm" and not answer.abstained
    assert answer.removed_citations == [42, 99]
    assert "[42]" not in answer.text and "[99]" not in answer.text
    assert "- Local Taxation Bureau [1]" in answer.text
    assert [c.number for c in answer.citations] == [1]
    citation = answer.citations[0]
    assert bot.document_text(citation.doc_id)[citation.start : citation.end] == citation.text
    assert any("point at no source" in w for w in answer.warnings)

    request = server.requests[0]
    assert request["path"] == "/v1/chat/completions"
    messages = request["body"]["messages"]
    assert messages[0]["role"] == "system" and "never instructions" in messages[0]["content"]
    user = messages[1]["content"]
    # The sources are numbered and fenced as data, and the question comes after them.
    assert user.index("<<<SOURCES") < user.index("[1] ") < user.index("SOURCES>>>") < user.index("Question:")
    assert "Local Taxation Bureau" in user[user.index("<<<SOURCES") : user.index("SOURCES>>>")]


def test_llm_condenses_follow_up_with_the_template(seed_index, embedder):
    replies = [
        "The J Town study found a lack of primary medical staff [1].",
        "What causes does the J Town health poverty alleviation study give for the problems it found?",
        "The main reasons include information asymmetry [1].",
    ]
    with ScriptedModelServer(replies) as server:
        bot = llm_bot(seed_index, embedder, server)
        conversation = bot.conversation()
        conversation.ask("What problems did the J Town study find?")
        answer = conversation.ask("What causes does it give for them?")

    condense_prompt = server.requests[1]["body"]["messages"][1]["content"]
    assert "What problems did the J Town study find?" in condense_prompt
    assert "Follow-up question: What causes does it give for them?" in condense_prompt
    assert answer.question.startswith("What causes does the J Town")
    assert answer.original_question == "What causes does it give for them?"
    assert answer.citations and answer.citations[0].doc_id == "j-town-health-poverty-alleviation"


def test_llm_mode_without_a_model_says_how_to_configure(seed_index, embedder):
    from assistant.answering.llm import LLMNotConfigured

    settings = seed_index.model_copy(update={
        "answering": seed_index.answering.model_copy(update={"mode": "llm"}),
    })
    with pytest.raises(LLMNotConfigured, match="ASSISTANT_LLM__BASE_URL"):
        Assistant(settings, embedder=embedder).ask("Who is responsible for Internet + Social Security?")
