"""No secret in a log line or an error message: an API key configured the way users do it
(ASSISTANT_LLM__API_KEY) is sent to the model server and shown nowhere else: not in the settings'
repr or fingerprint, not in a validation error, not in any log record (all loggers at DEBUG,
httpx and openai included), not in the errors of a model server that is down or that echoes the
key back, not on the CLI's stdout or stderr, not in the web UI's error messages."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from gradio_client import Client
from test_llm_answering import PROMPTS, ScriptedModelServer
from ui_support import free_port, served, with_data_dir

from assistant import Assistant
from assistant.api import LLMError
from assistant.settings import Settings, SettingsError, load_settings

KEY = "sk-test-SECRET-123"
QUESTION = "Who is responsible for Internet + Social Security?"
ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
LOGGERS = ("", "httpx", "httpcore", "openai", "llama_index", "assistant", "gradio", "uvicorn", "urllib3")


@pytest.fixture
def all_logs(caplog):
    """Every log record of every logger, DEBUG and up."""
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


def assert_not_logged(caplog, secret: str = KEY) -> None:
    assert caplog.records, "nothing was logged at all: the capture is not working"
    for record in caplog.records:
        assert secret not in record.getMessage(), (record.name, record.getMessage())
        assert secret not in str(record.args), (record.name, record.args)
        if record.exc_info and record.exc_info[1] is not None:
            assert secret not in repr(record.exc_info[1])
    assert secret not in caplog.text


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    return free_port()


class EchoingAuthServer:
    """A model server on 127.0.0.1 that refuses every request with 401 and quotes the
    Authorization header it received in the error, as some servers do."""

    def __init__(self):
        self.requests = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                outer.requests += 1
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                body = json.dumps({"error": {
                    "message": f"Incorrect API key provided: {self.headers.get('Authorization', '')}",
                    "type": "invalid_request_error", "code": "invalid_api_key",
                }}).encode()
                self.send_response(401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

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


def llm_settings(seed: Settings, base_url: str, monkeypatch) -> Settings:
    """The seed project in llm mode with the key set as a user sets it: in the environment."""
    monkeypatch.chdir(seed.root)
    monkeypatch.setenv("ASSISTANT_LLM__API_KEY", KEY)
    settings = load_settings(
        root=seed.root, corpus={"path": str(seed.corpus_dir)}, index={"path": str(seed.index_dir)},
        answering={"mode": "llm"},
        llm={"base_url": base_url, "model": "scripted", "prompts": str(PROMPTS)},
    )
    assert settings.llm.api_key.get_secret_value() == KEY
    return settings


# -- settings ------------------------------------------------------------------------------


def test_settings_repr_dump_and_fingerprint_never_show_the_key(seed_index, monkeypatch):
    settings = llm_settings(seed_index, "http://127.0.0.1:9/v1", monkeypatch)
    for shown in (repr(settings), str(settings), repr(settings.llm), settings.model_dump_json(),
                  json.dumps(settings.model_dump(mode="json"))):
        assert KEY not in shown
    assert KEY not in settings.fingerprint()
    # The key is not even hashed into the fingerprint (feedback records carry it).
    monkeypatch.setenv("ASSISTANT_LLM__API_KEY", "sk-another-key-456")
    other = load_settings(**json.loads(settings.model_dump_json(exclude={"llm": {"api_key"}})))
    assert other.llm.api_key.get_secret_value() != KEY
    assert other.fingerprint() == settings.fingerprint()


@pytest.mark.parametrize(
    "toml",
    [
        "[llm]\napi_key = 9876543210123\n",  # a key that is all digits: not a string in TOML
        "[ui]\nusername = 'analyst'\npassword = 9876543210123\n",
        "llm = 9876543210123\n",  # a whole section given as something else
    ],
)
def test_an_invalid_setting_never_echoes_the_secret(tmp_path, monkeypatch, toml):
    (tmp_path / "corpus").mkdir()
    (tmp_path / "assistant.toml").write_text(toml, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "9876543210123" not in message, message
    assert "**********" in message and ("api_key" in message or "password" in message or "llm" in message)


# -- the library against model servers ----------------------------------------------------------


@pytest.mark.slow
def test_model_server_down_error_names_the_address_not_the_key(seed_index, embedder, monkeypatch, all_logs):
    port = closed_port()
    bot = Assistant(llm_settings(seed_index, f"http://127.0.0.1:{port}/v1", monkeypatch), embedder=embedder)

    with pytest.raises(LLMError) as caught:
        bot.ask(QUESTION)

    message = str(caught.value)
    assert f"127.0.0.1:{port}" in message and "APIConnectionError" in message
    assert KEY not in message and KEY not in repr(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__  # no chained client error
    assert_not_logged(all_logs)


@pytest.mark.slow
def test_model_server_in_use_gets_the_key_and_no_log_line_shows_it(seed_index, embedder, monkeypatch, all_logs):
    with ScriptedModelServer(["The Local Taxation Bureau is responsible [1]."]) as server:
        bot = Assistant(llm_settings(seed_index, server.base_url, monkeypatch), embedder=embedder)
        answer = bot.ask(QUESTION)

    assert server.requests[0]["auth"] == f"Bearer {KEY}"  # the key really was configured and used
    assert KEY not in answer.model_dump_json()
    assert any(r.name.startswith(("openai", "httpx", "httpcore")) for r in all_logs.records)
    assert_not_logged(all_logs)


@pytest.mark.slow
def test_a_server_that_echoes_the_key_in_its_error_is_blanked_out(seed_index, embedder, monkeypatch, all_logs):
    with EchoingAuthServer() as server:
        bot = Assistant(llm_settings(seed_index, server.base_url, monkeypatch), embedder=embedder)
        with pytest.raises(LLMError) as caught:
            bot.ask(QUESTION)

    assert server.requests == 1
    message = str(caught.value)
    assert "AuthenticationError" in message and "Incorrect API key provided: Bearer **********" in message
    assert KEY not in message
    assert_not_logged(all_logs)


# -- the command line, as a real process ----------------------------------------------------------


def cli_env(seed: Settings, base_url: str, debug: bool) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({
        "ASSISTANT_ROOT": str(seed.root),
        "ASSISTANT_CORPUS__PATH": str(seed.corpus_dir),
        "ASSISTANT_INDEX__PATH": str(seed.index_dir),
        "ASSISTANT_ANSWERING__MODE": "llm",
        "ASSISTANT_LLM__BASE_URL": base_url,
        "ASSISTANT_LLM__MODEL": "scripted",
        "ASSISTANT_LLM__PROMPTS": str(PROMPTS),
        "ASSISTANT_LLM__API_KEY": KEY,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    })
    if debug:
        env["OPENAI_LOG"] = "debug"  # the openai client logs every request (and its failures) to stderr
    return env


def run_cli(seed: Settings, base_url: str, *args: str, debug: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ASSISTANT_BIN), *args], cwd=seed.root, env=cli_env(seed, base_url, debug), capture_output=True,
        text=True, timeout=300,
    )


@pytest.mark.slow
def test_cli_never_prints_the_key(seed_index):
    port = closed_port()
    down = run_cli(seed_index, f"http://127.0.0.1:{port}/v1", "ask", QUESTION, debug=False)
    assert down.returncode == 1, down.stderr
    assert f"error: the language model (openai_like, scripted at http://127.0.0.1:{port}/v1) failed" in down.stderr
    assert "Traceback" not in down.stderr  # one line of error, not the openai client's traceback
    down_logged = run_cli(seed_index, f"http://127.0.0.1:{port}/v1", "ask", QUESTION)
    assert down_logged.returncode == 1 and "Encountered Exception" in down_logged.stderr

    with EchoingAuthServer() as server:
        refused = run_cli(seed_index, server.base_url, "ask", QUESTION)
    assert refused.returncode == 1 and "AuthenticationError" in refused.stderr, refused.stderr

    with ScriptedModelServer(["The Local Taxation Bureau is responsible [1]."]) as server:
        answered = run_cli(seed_index, server.base_url, "ask", "--json", QUESTION)
    assert answered.returncode == 0, answered.stderr
    assert server.requests[0]["auth"] == f"Bearer {KEY}"
    assert "Local Taxation Bureau" in json.loads(answered.stdout)["text"]
    assert "openai._base_client" in answered.stderr or "Request options" in answered.stderr  # debug logging was on

    for run in (down, down_logged, refused, answered):
        assert KEY not in run.stdout and KEY not in run.stderr


# -- the web UI ---------------------------------------------------------------------------


@pytest.mark.slow
def test_ui_errors_never_show_the_key(seed_index, embedder, monkeypatch, tmp_path, capfd, all_logs):
    with EchoingAuthServer() as server:
        settings = with_data_dir(llm_settings(seed_index, server.base_url, monkeypatch), tmp_path / "data")
        bot = Assistant(settings, embedder=embedder)
        with served(bot) as url:
            client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
            for api_name in ("/ask", "/chat"):
                with pytest.raises(Exception) as caught:
                    client.predict(question=QUESTION, api_name=api_name)
                assert "AuthenticationError" in str(caught.value) and KEY not in str(caught.value)
    assert server.requests == 2
    captured = capfd.readouterr()
    assert KEY not in captured.out and KEY not in captured.err
    assert_not_logged(all_logs)

