"""Strange questions get an answer, an abstention or a clear refusal, never a traceback: in the
library, on the command line (`assistant ask`, `assistant chat` fed through stdin, as real
processes) and in the web UI (the "ask" and "chat" API endpoints through gradio_client, and the
chat box's own handler as the page calls it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from gradio_client import Client
from ui_support import served, with_data_dir
from ui_wire import api_index, handler_index, run_handler

from assistant import Assistant

pytestmark = pytest.mark.slow

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
SOCIAL_SECURITY = "Who is responsible for Internet + Social Security?"
LONG = SOCIAL_SECURITY + " " + "please answer this question " * 3600  # just over 100,000 characters
BAD = {
    "empty": "",
    "whitespace": " \t\n \r ",
    "100k-chars": LONG,
    "100k-one-word": "x" * 100_000,
    "control-nul-ansi": "Who\x00 is responsible\x07 for Internet +\x1b[31m Social Security?\x1b[0m\x00\x7f",
    "only-control": "\x00\x00\x01\x1b\x9b",
    "chinese": "互联网+社会保障由哪些部门负责？",
    "punctuation": "?!... ;-) ¿¡ —",
    "undecodable": "Who is \udcff\udcfe responsible for Internet + Social Security?",  # bad bytes from a terminal
}
REFUSED = {"empty", "whitespace", "only-control", "punctuation"}
# The question behind the noise is answered as if typed cleanly.
ANSWERED_CLEANLY = {"100k-chars", "control-nul-ansi", "undecodable"}
ASKABLE_BY_CLIENT = [k for k in BAD if k != "undecodable"]  # gradio_client cannot encode lone surrogates
J_TOWN = "j-town-health-poverty-alleviation"


@pytest.fixture(scope="module")
def bot(seed_index, embedder, tmp_path_factory):
    return Assistant(with_data_dir(seed_index, tmp_path_factory.mktemp("bad-questions")), embedder=embedder)


def check_answer(bot: Assistant, answer: dict, kind: str, standalone: bool = True) -> None:
    """A well-formed answer or abstention: JSON, a bounded question, verbatim citations; and
    when asked on its own, the question behind the noise answered as if typed cleanly."""
    json.dumps(answer)
    assert answer["text"].strip()
    assert len(answer["question"]) <= bot.settings.answering.max_question_chars
    assert answer["abstained"] or answer["citations"], answer["text"]
    for citation in answer["citations"]:
        assert bot.document_text(citation["doc_id"])[citation["start"] : citation["end"]] == citation["text"]
    if kind.startswith("100k"):
        assert any("was cut" in w for w in answer["warnings"]), answer["warnings"]
    if standalone and kind in ANSWERED_CLEANLY:
        assert not answer["abstained"] and "Local Taxation Bureau" in answer["text"], answer["text"]


# -- library -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(BAD))
def test_library_answers_abstains_or_refuses(bot, kind):
    if kind in REFUSED:
        with pytest.raises(ValueError, match="the question is empty"):
            bot.ask(BAD[kind])
    else:
        check_answer(bot, bot.ask(BAD[kind]).model_dump(mode="json"), kind)


@pytest.mark.parametrize("kind", list(BAD))
def test_inside_a_conversation_an_empty_question_is_refused_not_taken_for_a_follow_up(bot, kind):
    """"?!" after a first turn used to be rewritten into the earlier question and answered."""
    conversation = bot.conversation()
    conversation.ask("What problems did the J Town study find?")
    if kind in REFUSED:
        with pytest.raises(ValueError, match="the question is empty"):
            conversation.ask(BAD[kind])
        # The refusal leaves the conversation as it was: the follow-up still reads against J Town.
        follow_up = conversation.ask("What does it recommend?")
        assert {c.doc_id for c in follow_up.citations} == {J_TOWN}
    else:
        answer = conversation.ask(BAD[kind])
        # As a follow-up it may be read against the J Town turn ("please answer this ..."): only its form is checked.
        check_answer(bot, answer.model_dump(mode="json"), kind, standalone=False)


# -- command line ------------------------------------------------------------------


def cli_env(seed) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({
        "ASSISTANT_ROOT": str(seed.root),
        "ASSISTANT_CORPUS__PATH": str(seed.corpus_dir),
        "ASSISTANT_INDEX__PATH": str(seed.index_dir),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    })
    return env


@pytest.mark.parametrize("kind", list(BAD))
def test_cli_ask(seed_index, monkeypatch, capsys, kind, bot):
    from assistant import cli

    monkeypatch.chdir(seed_index.root)
    for name, value in cli_env(seed_index).items():
        if name.startswith("ASSISTANT_"):
            monkeypatch.setenv(name, value)

    status = cli.main(["ask", "--json", BAD[kind]])

    out, err = capsys.readouterr()
    if kind in REFUSED:
        assert status == 2 and "error: the question is empty" in err
        assert out == ""
    else:
        assert status == 0, err
        check_answer(bot, json.loads(out), kind)


def test_cli_ask_process_with_bytes_that_are_not_utf8(seed_index):
    """A real process: argv bytes that are not UTF-8 reach Python as lone surrogates."""
    question = b"Who is \xff\xfe responsible for Internet + Social Security?\x1b[0m"
    run = subprocess.run(
        [str(ASSISTANT_BIN), "ask", question], cwd=seed_index.root, env=cli_env(seed_index),
        capture_output=True, timeout=300,
    )
    stdout, stderr = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Local Taxation Bureau" in stdout


def test_cli_chat_fed_through_stdin_survives_every_bad_line(seed_index):
    """One real `assistant chat` session, stdin decoded strictly as a desktop UTF-8 locale does."""
    lines = [
        b"What problems did the J Town study find?",
        b"",
        b" \t ",
        b"\x00\x00",
        b"?!... ;-)",
        b"\xff\xfe\xfd",  # not UTF-8: used to end the session with a decoding error
        LONG.encode(),
        b"x" * 100_000,
        BAD["chinese"].encode(),
        b"Who is\x00 responsible for Internet + Social\x1b[31m Security?\x1b[0m",
        b"/quit",
    ]
    env = {**cli_env(seed_index), "PYTHONIOENCODING": "utf-8:strict"}
    run = subprocess.run(
        [str(ASSISTANT_BIN), "chat"], input=b"\n".join(lines) + b"\n", cwd=seed_index.root, env=env,
        capture_output=True, timeout=300,
    )
    stdout, stderr = run.stdout.decode(errors="replace"), run.stderr.decode(errors="replace")
    assert run.returncode == 0, stderr
    assert "Traceback" not in stderr and "Traceback" not in stdout
    # NUL bytes, punctuation and undecodable bytes are each refused with the reason (blank lines are skipped) ...
    assert stdout.count("error: the question is empty") == 3, stdout[-3000:]
    # ... the long lines are cut with a warning ...
    assert stderr.count("warning: the question was cut") >= 2, stderr[-2000:]
    # ... and the session is still answering at the end.
    assert "Local Taxation Bureau" in stdout.rsplit(">", 2)[-2]


# -- web UI --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def url(bot):
    with served(bot) as address:
        yield address


@pytest.fixture(scope="module")
def client(url):
    return Client(url, verbose=False, analytics_enabled=False, download_files=False)


@pytest.mark.parametrize("kind", ASKABLE_BY_CLIENT)
def test_ui_ask_endpoint(client, bot, capfd, kind):
    if kind in REFUSED:
        with pytest.raises(Exception, match="the question is empty"):
            client.predict(question=BAD[kind], api_name="/ask")
    else:
        check_answer(bot, client.predict(question=BAD[kind], api_name="/ask"), kind)
    assert "Traceback" not in capfd.readouterr().err  # a refusal is not a server fault


def test_ui_chat_endpoint_keeps_the_conversation_through_bad_questions(url, bot, capfd):
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    client.predict(question="What problems did the J Town study find?", api_name="/chat")
    for kind in ASKABLE_BY_CLIENT:
        if kind in REFUSED:
            with pytest.raises(Exception, match="the question is empty"):
                client.predict(question=BAD[kind], api_name="/chat")
        else:
            client.reset_session()  # an answered one changes the conversation's topic: start afresh
            client.predict(question="What problems did the J Town study find?", api_name="/chat")
            check_answer(bot, client.predict(question=BAD[kind], api_name="/chat"), kind)
            client.reset_session()
            client.predict(question="What problems did the J Town study find?", api_name="/chat")
    follow_up = client.predict(question="What does it recommend?", api_name="/chat")
    assert {c["doc_id"] for c in follow_up["citations"]} == {J_TOWN}
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.parametrize("api_name", ["ask", "chat"])
def test_ui_endpoints_take_undecodable_characters(url, bot, capfd, api_name):
    """Sent as escaped JSON (gradio_client itself cannot encode them)."""
    data = [BAD["undecodable"], None] if api_name == "ask" else [BAD["undecodable"], None, None]
    messages = run_handler(url, api_index(url, api_name), data)
    assert messages[-1]["success"], messages[-1]
    check_answer(bot, messages[-1]["output"]["data"][0], "undecodable")
    assert "Traceback" not in capfd.readouterr().err


def last_reply(messages: list[dict]) -> str:
    chat = messages[-1]["output"]["data"][0]
    return "".join(part["text"] for part in chat[-1]["content"] if part.get("type") == "text")


@pytest.mark.parametrize("kind", list(BAD))
def test_ui_chat_box_handler(url, capfd, kind):
    """The handler behind the page's Ask button, called over HTTP exactly as the page calls it."""
    messages = run_handler(url, handler_index(url, "ask"), [BAD[kind], None, [], [], [], [], "extractive"])
    final = messages[-1]
    assert final["success"], final
    if kind in ("empty", "whitespace"):  # nothing typed: a notice, and the conversation is untouched
        notices = [m for m in messages if m.get("msg") == "log"]
        assert [(n["level"], n["log"]) for n in notices] == [("warning", "Type a question first.")]
        assert final["output"]["data"][0] == []
    elif kind in REFUSED:
        assert last_reply(messages) == (
            "**Could not answer:** the question is empty (or only punctuation): please type a question"
        )
    else:
        reply = last_reply(messages)
        assert "Could not answer" not in reply
        assert "(#source-1)" in reply or "do not contain an answer" in reply, reply[:300]
        if kind in ANSWERED_CLEANLY:
            assert "Local Taxation Bureau" in reply
    assert "Traceback" not in capfd.readouterr().err
