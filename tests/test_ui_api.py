"""The UI's "ask" endpoint, called the way another program would: through gradio_client."""

from __future__ import annotations

import json

import httpx
import pytest
from gradio_client import Client
from pydantic import SecretStr
from ui_support import served, with_data_dir

from assistant.api import Assistant

pytestmark = pytest.mark.slow

PLAN = "gd-internet-plus-action-plan"
J_TOWN = "j-town-health-poverty-alleviation"


@pytest.fixture(scope="module")
def bot(seed_index, embedder, tmp_path_factory):
    return Assistant(with_data_dir(seed_index, tmp_path_factory.mktemp("api-data")), embedder=embedder)


@pytest.fixture(scope="module")
def client(bot):
    with served(bot) as url:
        yield Client(url, verbose=False, analytics_enabled=False, download_files=False)


def test_ask_returns_the_answer_as_json(client, bot):
    answer = client.predict(
        question="Which departments are responsible for Internet + Social Security in the action plan?",
        api_name="/ask",
    )
    assert answer["abstained"] is False
    assert answer["intent"] == "responsibility"
    assert {c["doc_id"] for c in answer["citations"]} == {PLAN}
    for department in ("Provincial Human Resources and Social Security Department", "Local Taxation Bureau"):
        assert department in answer["text"]
    for citation in answer["citations"]:
        assert f"[{citation['number']}]" in answer["text"]
        assert bot.document_text(citation["doc_id"])[citation["start"] : citation["end"]] == citation["text"]
    assert answer["retrieved"] and answer["seconds"] > 0


def test_ask_within_given_documents(client):
    answer = client.predict(question="What problems were identified?", doc_ids=[J_TOWN], api_name="/ask")
    assert {c["doc_id"] for c in answer["citations"]} == {J_TOWN}
    assert "lack of primary medical staff" in answer["text"]


def test_an_empty_question_is_refused_with_the_reason(client):
    with pytest.raises(Exception, match="the question is empty"):
        client.predict(question="  ?! ", api_name="/ask")


def test_only_the_ask_and_chat_endpoints_are_public(client):
    endpoints = client.view_api(print_info=False, return_format="dict")
    assert set(endpoints["named_endpoints"]) == {"/ask", "/chat"}
    assert not endpoints["unnamed_endpoints"]
    for name in ("/ask", "/chat"):
        parameters = [p["parameter_name"] for p in endpoints["named_endpoints"][name]["parameters"]]
        assert parameters == ["question", "doc_ids"]


def test_chat_keeps_one_conversation_per_client_session(bot):
    with served(bot) as url:
        client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
        first = client.predict(question="What problems did the J Town study find?", api_name="/chat")
        follow_up = client.predict(question="What does it suggest doing about them?", api_name="/chat")
        assert {c["doc_id"] for c in first["citations"]} == {c["doc_id"] for c in follow_up["citations"]} == {J_TOWN}
        assert follow_up["original_question"] == "What does it suggest doing about them?"
        assert "J Town" in follow_up["question"]

        client.reset_session()  # a new conversation: the same words no longer point at J Town
        fresh = client.predict(question="What does it suggest doing about them?", api_name="/chat")
        assert fresh["original_question"] is None and fresh["question"] == "What does it suggest doing about them?"

        within = client.predict(question="What is recommended?", doc_ids=[PLAN], api_name="/chat")
        assert within["citations"] and {c["doc_id"] for c in within["citations"]} == {PLAN}


def test_a_username_and_password_guard_the_app(seed_index, embedder, tmp_path):
    ui = seed_index.ui.model_copy(update={"data_dir": tmp_path, "username": "analyst", "password": SecretStr("s3cret")})
    settings = seed_index.model_copy(update={"ui": ui})
    bot = Assistant(settings, embedder=embedder)
    with served(bot) as url:
        assert httpx.get(f"{url}config").status_code == 401
        with pytest.raises(ValueError, match="[Ll]ogin|[Aa]uth"):
            Client(url, verbose=False, analytics_enabled=False, auth=("analyst", "wrong"))
        client = Client(url, verbose=False, analytics_enabled=False, auth=("analyst", "s3cret"))
        answer = client.predict(question="How many reform tasks did Guangdong's 2020 notice deploy?", api_name="/ask")
        assert "six reform tasks" in answer["text"]


def call(url: str, api_name: str, body: dict) -> tuple[str, object]:
    """POST /gradio_api/call/<api_name> as any HTTP client would, then read the result's event
    stream: (the last event's name, its data)."""
    with httpx.Client(base_url=f"{url}gradio_api", timeout=120) as http:
        posted = http.post(f"/call/{api_name}", json=body)
        assert posted.status_code == 200, posted.text
        event_id = posted.json()["event_id"]
        event, data = "", None
        with http.stream("GET", f"/call/{api_name}/{event_id}") as stream:
            for line in stream.iter_lines():
                if line.startswith("event:"):
                    event = line.removeprefix("event:").strip()
                elif line.startswith("data:"):
                    data = json.loads(line.removeprefix("data:").strip())
                    if event in ("complete", "error"):
                        return event, data
    raise AssertionError(f"the event stream of {api_name} ended without a result")


@pytest.fixture(scope="module")
def url(bot):
    with served(bot) as address:
        yield address


def test_plain_http_calls_may_send_only_the_question(url, capfd):
    """Issue 16 item 13: {"data": ["question"]} used to fail with "didn't receive enough input
    values", Python reprs of the components, and a traceback in the log."""
    event, data = call(url, "ask", {"data": ["Who takes charge of the medical insurance settlement platform?"]})
    assert event == "complete", data
    answer = data[0]
    assert "Local Taxation Bureau" in answer["text"] and {c["doc_id"] for c in answer["citations"]} == {PLAN}

    event, data = call(url, "chat", {"data": ["What problems did the J Town study find?"]})
    assert event == "complete", data
    assert {c["doc_id"] for c in data[0]["citations"]} == {J_TOWN}

    event, data = call(url, "ask", {"data": ["What problems were identified?", [J_TOWN]]})  # both still work
    assert event == "complete" and {c["doc_id"] for c in data[0]["citations"]} == {J_TOWN}
    err = capfd.readouterr().err
    assert "Traceback" not in err and "enough input values" not in err


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"data": []}, "the question is empty (or only punctuation): please type a question"),
        ({"data": [None]}, "the question is empty (or only punctuation): please type a question"),
        ({"data": [42]}, "the question must be text, not int"),  # (chat's text box reads it as "42")
        ({"data": ["What is recommended?", "j-town"]}, "doc_ids must be a list of document ids (strings), or left out"),
        ({"data": ["What is recommended?", [1, 2]]}, "doc_ids must be a list of document ids (strings), or left out"),
    ],
    ids=["nothing", "null", "a-number", "ids-as-text", "ids-as-numbers"],
)
def test_a_bad_call_gets_its_reason_in_plain_words_and_logs_nothing(url, capfd, body, reason):
    for api_name in ("ask",) if body["data"] == [42] else ("ask", "chat"):
        event, data = call(url, api_name, body)
        assert event == "error" and data["error"] == reason, (api_name, data)
    err = capfd.readouterr().err
    assert "Traceback" not in err and "Error" not in err
