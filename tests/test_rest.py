"""The OpenAI-compatible REST API (/v1) of the real `assistant ui` server, started on 127.0.0.1 and
called with the official `openai` client and plain HTTP: plain and streamed replies with their
citations and honest usage, a two-turn conversation, abstention, the API key, /openapi.json, and
a JSON error in the OpenAI shape for each bad request."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import openai
import pytest
from conftest import SEED_DOC_IDS
from tokenizers import Tokenizer
from ui_support import copy_seed, server_process

from assistant.answering.models import Answer
from assistant.api import Assistant
from assistant.indexing.embedding import model_path

pytestmark = pytest.mark.slow

KEY = "sk-policy-test-7c1e"
J_TOWN = "j-town-health-poverty-alleviation"
FIRST = "What problems did the J Town study find?"
FOLLOW_UP = "And what does it suggest doing about them?"
UNANSWERABLE = "What was the budget of the Mongolian space programme in 1987?"


@pytest.fixture(scope="module")
def project(seed_index, tmp_path_factory):
    return copy_seed(seed_index, tmp_path_factory.mktemp("rest"))


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    """The server with an API key set; yields (url, log file)."""
    log = tmp_path_factory.mktemp("rest-log") / "server.log"
    with server_process(project, log, API__KEY=KEY) as url:
        yield url, log


@pytest.fixture(scope="module")
def client(server):
    return openai.OpenAI(base_url=f"{server[0]}/v1", api_key=KEY, max_retries=0, timeout=120)


@pytest.fixture(scope="module")
def library(project, embedder):
    """The library on the same project, to compare the REST replies with."""
    return Assistant(project, embedder=embedder)


def word_pieces(library: Assistant, text: str) -> int:
    """Counted here with the model's tokenizer file, not through the server's code."""
    tokenizer = Tokenizer.from_file(str(model_path(library.settings) / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads to 128
    tokenizer.no_truncation()
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def test_models_lists_the_extractive_model(client):
    assert [model.id for model in client.models.list()] == ["policy-assistant"]


def test_a_plain_reply_is_the_librarys_answer_with_its_citations_and_word_piece_usage(client, library):
    reply = client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": FIRST}])
    expected = library.ask(FIRST)

    content = reply.choices[0].message.content
    assert content == expected.text and "[1]" in content
    assert reply.choices[0].finish_reason == "stop" and reply.choices[0].message.role == "assistant"
    citations = reply.model_extra["citations"]
    assert [c["doc_id"] for c in citations] == [c.doc_id for c in expected.citations]
    assert {c["doc_id"] for c in citations} == {J_TOWN}
    assert all(f"[{c['number']}]" in content for c in citations)
    first = citations[0]
    text = library.document_text(first["doc_id"])
    assert text[first["start"] : first["end"]] == first["text"]  # the passage, at its offsets
    assert reply.model_extra["abstained"] is False
    assert reply.usage.prompt_tokens == word_pieces(library, FIRST)
    assert reply.usage.completion_tokens == word_pieces(library, content)
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def test_a_streamed_reply_arrives_in_chunks_and_the_last_carries_the_citations(client):
    plain = client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": FIRST}])
    chunks = list(client.chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": FIRST}], stream=True,
    ))

    assert len(chunks) > 2
    assert chunks[0].choices[0].delta.role == "assistant"
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == plain.choices[0].message.content
    last = chunks[-1]
    assert last.choices[0].finish_reason == "stop"
    assert all(c.choices[0].finish_reason is None for c in chunks[:-1])
    assert [c["number"] for c in last.model_extra["citations"]] == [c["number"] for c in plain.model_extra["citations"]]
    assert all(c.model_extra.get("citations") is None for c in chunks[:-1])
    assert last.model_extra["abstained"] is False
    assert last.usage.total_tokens == plain.usage.total_tokens > 0


def test_the_second_turn_of_a_conversation_cites_the_document_the_first_was_about(client):
    first = client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": FIRST}])
    messages = [
        {"role": "system", "content": "You are a helpful assistant."},  # as chat front-ends send
        {"role": "user", "content": FIRST},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": FOLLOW_UP},
    ]
    second = client.chat.completions.create(model="policy-assistant", messages=messages)

    citations = second.model_extra["citations"]
    assert citations and {c["doc_id"] for c in citations} == {J_TOWN}
    assert second.model_extra["question"] != FOLLOW_UP  # rewritten to stand alone
    # Asked on its own, the follow-up has no document to lean on.
    alone = client.chat.completions.create(model="policy-assistant", messages=[{"role": "user", "content": FOLLOW_UP}])
    assert alone.model_extra["question"] == FOLLOW_UP


def test_an_unanswerable_question_is_a_normal_reply_saying_so_with_the_flag(client):
    reply = client.chat.completions.create(
        model="policy-assistant", messages=[{"role": "user", "content": UNANSWERABLE}]
    )
    assert reply.model_extra["abstained"] is True
    assert reply.model_extra["citations"] == []
    assert reply.choices[0].message.content.startswith("The documents do not contain an answer")
    assert reply.choices[0].finish_reason == "stop"


def test_ask_and_documents_return_the_library_models(server, library):
    http = httpx.Client(base_url=server[0], headers={"Authorization": f"Bearer {KEY}"}, timeout=120)
    answer = Answer.model_validate(http.post("/v1/ask", json={"question": FIRST}).raise_for_status().json())
    assert answer.text == library.ask(FIRST).text and {c.doc_id for c in answer.citations} == {J_TOWN}
    scoped = Answer.model_validate(http.post("/v1/ask", json={
        "question": "Who is responsible?", "doc_ids": ["gd-internet-plus-action-plan"],
    }).raise_for_status().json())
    assert {c.doc_id for c in scoped.citations} == {"gd-internet-plus-action-plan"}

    listed = http.get("/v1/documents").raise_for_status().json()
    assert listed["object"] == "list"
    assert {d["doc_id"] for d in listed["data"]} == SEED_DOC_IDS
    counts = {d.doc_id: d.chunks for d in library.documents()}
    assert {d["doc_id"]: d["chunks"] for d in listed["data"]} == counts and all(counts.values())
    assert all(d["title"] and d["kind"] for d in listed["data"])


def test_openapi_publishes_the_v1_routes_and_their_models(server):
    spec = httpx.get(f"{server[0]}/openapi.json", headers={"Authorization": f"Bearer {KEY}"}).raise_for_status().json()
    assert {"/v1/models", "/v1/chat/completions", "/v1/ask", "/v1/documents"} <= set(spec["paths"])
    schemas = spec["components"]["schemas"]
    assert {"ChatCompletionRequest", "ChatCompletion", "Answer", "Citation", "DocumentInfo", "ErrorResponse"} <= set(
        schemas
    )
    assert "citations" in schemas["ChatCompletion"]["properties"]
    ask = spec["paths"]["/v1/ask"]["post"]
    assert ask["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Answer")


def test_without_the_key_every_v1_route_answers_401_and_no_data(server, client):
    url, _ = server
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{url}/v1", api_key="wrong", max_retries=0).chat.completions.create(
            model="policy-assistant", messages=[{"role": "user", "content": FIRST}]
        )
    requests = [("GET", "/v1/models", None), ("GET", "/v1/documents", None), ("GET", "/openapi.json", None),
                ("POST", "/v1/ask", {"question": FIRST}),
                ("POST", "/v1/chat/completions", {"model": "policy-assistant", "messages": [
                    {"role": "user", "content": FIRST}]})]
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": KEY}, {"Authorization": f"Basic {KEY}"}):
        for method, path, body in requests:
            response = httpx.request(method, f"{url}{path}", json=body, headers=headers, timeout=60)
            assert response.status_code == 401, (headers, path, response.status_code)
            assert response.json()["error"]["code"] == "invalid_api_key"
            assert "J Town" not in response.text and "doc_id" not in response.text
    # The key itself opens them: the refusals above are the key's doing.
    assert len(client.models.list().data) == 1


BAD_REQUESTS = {
    "no messages": ({"model": "policy-assistant", "messages": []}, 400, "messages"),
    "the last message is not the user's": (
        {"model": "policy-assistant", "messages": [{"role": "user", "content": FIRST},
                                                   {"role": "assistant", "content": "Noted."}]}, 400, "messages"),
    "an unknown model": ({"model": "gpt-4o", "messages": [{"role": "user", "content": FIRST}]}, 404, "model"),
    "no model": ({"messages": [{"role": "user", "content": FIRST}]}, 400, "model"),
    "a message without a role": ({"model": "policy-assistant", "messages": [{"content": FIRST}]}, 400, "messages"),
    "an empty question": ({"model": "policy-assistant", "messages": [{"role": "user", "content": " ?! "}]}, 400, None),
    "not JSON": ("{'model': 'policy-assistant'", 400, None),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS))
def test_a_bad_chat_request_gets_a_4xx_json_error_in_the_openai_shape(server, case):
    url, log = server
    body, status, param = BAD_REQUESTS[case]
    content = body if isinstance(body, str) else json.dumps(body)
    response = httpx.post(f"{url}/v1/chat/completions", content=content, timeout=60,
                          headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"})
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert error["type"] == "invalid_request_error" and error["message"]
    if param:
        assert error["param"].startswith(param)
    assert "Traceback" not in response.text and "Traceback" not in log.read_text()


def test_a_bad_ask_request_gets_a_4xx_json_error(server):
    url, log = server
    http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60)
    for body in ({}, {"question": ""}, {"question": FIRST, "top_k": 0}, {"question": 3}):
        response = http.post("/v1/ask", json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["error"]["message"]
    assert "Traceback" not in log.read_text()


def test_with_the_ui_sign_in_the_v1_routes_take_the_sign_in_or_the_password(project, tmp_path):
    """Also: with a language model configured, its model is listed, and when it is down the reply is a
    503 naming it (here nothing listens on port 9), never a traceback."""
    log = tmp_path / "server.log"
    with server_process(project, log, UI__USERNAME="analyst", UI__PASSWORD="s3cret",
                        LLM__BASE_URL="http://127.0.0.1:9/v1", LLM__MODEL="local-model") as url:
        assert httpx.get(f"{url}/v1/models").status_code == 401
        signed_in = httpx.Client(base_url=url, timeout=60)
        assert signed_in.post("/login", data={"username": "analyst", "password": "s3cret"}).status_code == 200
        assert [m["id"] for m in signed_in.get("/v1/models").json()["data"]] == ["policy-assistant",
                                                                                 "policy-assistant-llm"]
        by_key = openai.OpenAI(base_url=f"{url}/v1", api_key="s3cret", max_retries=0, timeout=120)
        assert [m.id for m in by_key.models.list()] == ["policy-assistant", "policy-assistant-llm"]
        with pytest.raises(openai.APIStatusError) as refused:
            by_key.chat.completions.create(model="policy-assistant-llm", messages=[{"role": "user", "content": FIRST}])
        assert refused.value.status_code == 503
        assert "local-model at http://127.0.0.1:9/v1" in refused.value.body["message"]
    assert "Traceback" not in log.read_text() and "s3cret" not in log.read_text()


def test_an_oversized_body_is_refused_with_413_on_gradio_and_v1_routes(server, tmp_path):
    """Issue 16 item 6: ui.max_request_mb (4 MB by default) on every route, whether the body's size is
    declared (Content-Length) or not (chunked); uploads keep their own per-file limit (ui.max_upload_mb)."""
    url, log = server
    question = "Who is responsible? " + "x" * 4_200_000
    routes = {
        "/gradio_api/call/ask": {"data": [question]},
        "/gradio_api/queue/join": {"data": [question, None], "fn_index": 0, "session_hash": "s", "trigger_id": None},
        "/v1/ask": {"question": question},
        "/v1/chat/completions": {"model": "policy-assistant", "messages": [{"role": "user", "content": question}]},
    }
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for path, body in routes.items():
        payload = json.dumps(body).encode()

        def chunked(payload=payload):  # no Content-Length: the size shows only as the body arrives
            for start in range(0, len(payload), 65536):
                yield payload[start : start + 65536]

        for content in (payload, chunked()):
            response = httpx.post(f"{url}{path}", content=content, headers=headers, timeout=60)
            assert response.status_code == 413, (path, response.status_code, response.text[:200])
            if path.startswith("/v1"):
                assert response.json()["error"]["code"] == "request_too_large"
            else:
                assert response.text.startswith("The request body is larger than the server accepts (4 MB)")
    # The same routes take a body under the limit, so the refusals were the limit's doing.
    assert httpx.post(f"{url}/gradio_api/call/ask", json={"data": ["Who is responsible?"]}).status_code == 200
    answered = httpx.post(f"{url}/v1/ask", json={"question": "Who is responsible?"}, headers=headers, timeout=120)
    assert answered.status_code == 200, answered.text + log.read_text()
    # An upload over 4 MB but under ui.max_upload_mb (50) still goes in.
    document = tmp_path / "long-report.txt"
    document.write_text("The township health centre runs the clinic. " * 110_000, encoding="utf-8")  # 5 MB
    uploaded = httpx.post(f"{url}/gradio_api/upload", files=[("files", ("long-report.txt", document.read_bytes()))],
                          timeout=120)
    assert uploaded.status_code == 200, uploaded.text[:200]
    assert "Traceback" not in log.read_text()


def test_questions_arriving_together_at_a_fresh_server_are_all_answered(project, tmp_path):
    """Through /v1 and the page's own API at once: the first questions used to race to open the Chroma
    client, and all but one failed with a KeyError from chromadb (500)."""
    questions = [FIRST, "Who is responsible?", FOLLOW_UP, "What is recommended?"]
    with server_process(project, tmp_path / "server.log") as url, ThreadPoolExecutor(len(questions) + 1) as pool:
        def ask(question: str) -> int:
            return httpx.post(f"{url}/v1/ask", json={"question": question}, timeout=120).status_code

        page = pool.submit(httpx.post, f"{url}/gradio_api/call/ask", json={"data": [FIRST]}, timeout=120)
        assert list(pool.map(ask, questions)) == [200] * len(questions)
        assert page.result().status_code == 200
    assert "Traceback" not in (tmp_path / "server.log").read_text()
