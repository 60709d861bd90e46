"""The UI's "ask" endpoint, called the way another program would: through gradio_client."""

from __future__ import annotations

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
