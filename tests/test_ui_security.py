"""Locked down by default: the web UI listens on 127.0.0.1 only, refuses every API route without
the configured sign-in, hands out no file but its own temporary uploads, refuses oversized and
unsupported uploads, and stores an upload only under the data folder with a sanitised name,
whatever name the client sends. Every request goes over real HTTP to a served app on 127.0.0.1."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from gradio_client import Client
from pydantic import SecretStr
from ui_support import copy_seed, free_port, served, served_app, stop_process_group
from ui_wire import file_data, handler_index, run_handler, upload

from assistant.api import Assistant

pytestmark = pytest.mark.slow

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
K_VILLAGE = (
    "Dental care pilot in K Village\n\n"
    "The K Village dental pilot was run by the township health centre. "
    "It found that fluoride varnish reduced caries among children by a third.\n"
)


@pytest.fixture
def bot(seed_index, embedder, tmp_path):
    """A writable copy of the seed project."""
    return Assistant(copy_seed(seed_index, tmp_path / "project"), embedder=embedder)


# -- where it listens -----------------------------------------------------------------------


def listening_addresses(port: int) -> list[str]:
    """The local addresses with a socket in LISTEN state on `port`, from /proc/net/tcp{,6}."""
    found = []
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.append(socket.inet_ntop(socket.AF_INET6, words))
    return found


def outward_address() -> str | None:
    """This machine's address on its default route (no packet is sent), if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads the socket table from /proc (Linux)")
def test_assistant_ui_listens_on_loopback_only(seed_index, tmp_path):
    """The real `assistant ui` command with default settings (only the port is chosen)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({
        "ASSISTANT_ROOT": str(seed_index.root), "ASSISTANT_CORPUS__PATH": str(seed_index.corpus_dir),
        "ASSISTANT_INDEX__PATH": str(seed_index.index_dir), "ASSISTANT_UI__DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
    })
    log = (tmp_path / "ui.log").open("w")
    process = subprocess.Popen(
        [str(ASSISTANT_BIN), "ui", "--port", str(port)], cwd=seed_index.root, env=env, stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            assert process.poll() is None, (tmp_path / "ui.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/config", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the UI did not start"
            time.sleep(0.5)

        assert listening_addresses(port) == ["127.0.0.1"]
        address = outward_address()
        if address is not None:  # reachable on loopback, refused on the machine's network address
            with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
                sock.settimeout(5)
                sock.connect((address, port))
        assert f"http://127.0.0.1:{port}" in (tmp_path / "ui.log").read_text()
    finally:
        stop_process_group(process)
        log.close()


# -- sign-in ------------------------------------------------------------------------------


def test_without_credentials_every_api_route_refuses(bot, tmp_path):
    ui = bot.settings.ui.model_copy(update={"username": "analyst", "password": SecretStr("s3cret")})
    bot = Assistant(bot.settings.model_copy(update={"ui": ui}), embedder=bot.embedder)
    note = tmp_path / "note.txt"
    note.write_text(K_VILLAGE, encoding="utf-8")
    with served(bot) as url:
        anonymous = httpx.Client(base_url=url, timeout=30)
        refused = {
            "config": anonymous.get("config"),
            "api info": anonymous.get("gradio_api/info"),
            "REST call of ask": anonymous.post("gradio_api/call/ask", json={"data": ["Who is responsible?"]}),
            "queue join": anonymous.post("gradio_api/queue/join", json={
                "data": ["Who is responsible?", None], "fn_index": 0, "session_hash": "x", "trigger_id": None,
            }),
            "upload": anonymous.post("gradio_api/upload", files=[("files", ("note.txt", note.read_bytes()))]),
            "file": anonymous.get(f"gradio_api/file={bot.settings.data_dir / 'tmp'}"),
        }
        assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 401)
        with pytest.raises(Exception):  # noqa: B017 - gradio_client raises a plain error
            Client(url, verbose=False, analytics_enabled=False)
        # The same routes answer once signed in, so the refusals above are the sign-in's doing.
        signed_in = httpx.Client(base_url=url, timeout=30)
        assert signed_in.post("login", data={"username": "analyst", "password": "s3cret"}).status_code == 200
        assert signed_in.get("gradio_api/info").status_code == 200
        assert signed_in.post("gradio_api/upload", files=[("files", ("note.txt", note.read_bytes()))]).is_success


# What the sign-in page needs before anyone signs in (found by loading it in chromium): the page, the
# form's target, Gradio's scripts and style sheets, the theme and the icon.
SIGN_IN_PAGE = {
    ("GET", "/"), ("HEAD", "/"), ("POST", "/login"), ("POST", "/login/"), ("GET", "/assets/{path:path}"),
    ("GET", "/static/{path:path}"), ("GET", "/theme.css"), ("GET", "/favicon.ico"),
}
PATH_VALUES = {"session_hash": "s1", "api_name": "ask", "event_id": "e1", "size": "192", "id": "0"}


def every_route(routes, prefix: str = ""):
    """(method, path template) of every route an app registers, into mounted apps (the Gradio page)."""
    from fastapi.routing import iter_route_contexts
    from starlette.routing import Mount

    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, Mount):
            yield from every_route(route.routes, prefix + route.path)
        else:
            for method in context.methods or {"WEBSOCKET"}:
                yield method, prefix + context.path


def concrete(template: str) -> str:
    """A path template with a plausible value for each parameter."""
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: PATH_VALUES.get(m.group(1), "x"), template)


def test_with_a_sign_in_set_every_route_but_the_sign_in_page_answers_401(bot):
    """Issue 16 item 10: Gradio guards only some of its routes; cancel, reset, heartbeat, app_id,
    startup-events and /openapi.json answered anyone. Walks every route the served app registers."""
    ui = bot.settings.ui.model_copy(update={"username": "analyst", "password": SecretStr("s3cret")})
    bot = Assistant(bot.settings.model_copy(update={"ui": ui}), embedder=bot.embedder)
    with served_app(bot) as (url, server):
        routes = sorted(set(every_route(server.app.routes)))
        assert len(routes) > 60 and ("POST", "/gradio_api/cancel") in routes and ("GET", "/v1/models") in routes
        assert SIGN_IN_PAGE <= set(routes)  # the exceptions below are routes the app really has
        anonymous = httpx.Client(base_url=url.rstrip("/"), timeout=30)
        answered = {}
        for method, template in routes:
            assert method != "WEBSOCKET", f"{template}: a websocket route, which this walk cannot call yet"
            body = {} if method in ("POST", "PUT", "PATCH") else None
            with anonymous.stream(method, concrete(template), json=body) as response:
                answered[(method, template)] = response.status_code
                content = response.read() if response.status_code == 401 else b""
            if (method, template) not in SIGN_IN_PAGE:
                assert response.status_code == 401, (method, template, response.status_code)
                assert b"J Town" not in content and b"doc_id" not in content
        open_ = {route for route, status in answered.items() if status != 401}
        assert open_ == SIGN_IN_PAGE & set(answered), open_ ^ (SIGN_IN_PAGE & set(answered))
        # The page itself is the sign-in form, with nothing of the app in it.
        page = anonymous.get("/").text
        assert '"auth_required":true' in page.replace(" ", "") and "Ask the health-policy documents" not in page

        # Signed in, the routes answer: the 401s above were the sign-in's doing.
        signed_in = httpx.Client(base_url=url.rstrip("/"), timeout=30)
        assert signed_in.post("/login", data={"username": "analyst", "password": "s3cret"}).status_code == 200
        for path in ("/config", "/gradio_api/info", "/gradio_api/app_id", "/gradio_api/startup-events",
                     "/openapi.json", "/v1/models"):
            assert signed_in.get(path).status_code == 200, path
        assert signed_in.post("/gradio_api/reset", json={"event_id": "e1"}).status_code != 401
        assert "Ask the health-policy documents" in signed_in.get("/").text


# -- files it hands out --------------------------------------------------------------------


class CountingServer:
    """Something listening on 127.0.0.1 that the app must not be made to fetch."""

    def __init__(self):
        self.hits = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                outer.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"internal secret")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("widened", [False, True], ids=["default", "allowed-paths-widened-to-the-project"])
def test_files_outside_what_the_app_serves_are_refused(bot, tmp_path, monkeypatch, widened):
    """Also when someone widens Gradio's allowed paths to the whole project folder: the project's
    private files are on the blocked list, which wins over the allowed one."""
    settings = bot.settings
    monkeypatch.chdir(settings.root)
    (settings.root / ".env").write_text("ASSISTANT_LLM__API_KEY=sk-test-SECRET-123\n", encoding="utf-8")
    document = tmp_path / "k-village.txt"
    document.write_text(K_VILLAGE, encoding="utf-8")
    bot.add_files([document])
    answer = bot.ask("What did the K Village dental pilot find?")
    bot.record_feedback(answer, liked=False, comment="private remark")
    index_state = settings.index_dir / "state.json"
    private = {
        "/etc/passwd": Path("/etc/passwd"),
        "the index state": index_state,
        "the index state, relative": Path("index/state.json"),
        "the index state, through the served folder": Path(f"{settings.data_dir}/tmp/../../index/state.json"),
        "the index state, dots escaped": Path(f"{settings.data_dir}/tmp/%2e%2e/%2e%2e/index/state.json"),
        "a corpus document": next(settings.corpus_dir.glob("*.txt")),
        "an uploaded document": settings.data_dir / "uploads" / "k-village.txt",
        "the feedback": settings.data_dir / "feedback.jsonl",
        "the .env file": settings.root / ".env",
    }
    assert all(path.exists() for name, path in private.items() if "through" not in name and "escaped" not in name)
    local = CountingServer()
    try:
        with served(bot, **({"allowed_paths": [str(settings.root)]} if widened else {})) as url:
            http = httpx.Client(base_url=url, timeout=30)
            # The route works: a file the app itself received is handed back ...
            uploaded = upload(url, document, "k-village.txt").raise_for_status().json()[0]
            given = http.get(f"gradio_api/file={uploaded}")
            assert given.status_code == 200 and given.text == K_VILLAGE
            # ... and nothing else is.
            for name, path in private.items():
                escaped = str(path) if "%2e" in str(path) else quote(str(path))
                response = http.get(f"gradio_api/file={escaped}")
                assert response.status_code in (403, 404), (name, response.status_code, response.text[:200])
                assert "private remark" not in response.text and "sk-test-SECRET" not in response.text
                assert "root:" not in response.text and "chunks" not in response.text
            # Nor is it a proxy into the machine's own network.
            proxied = http.get(f"gradio_api/file=http://127.0.0.1:{local.port}/")
            assert proxied.status_code != 200 and "internal secret" not in proxied.text
            assert local.hits == 0
    finally:
        local.close()


# -- uploads ------------------------------------------------------------------------------


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()}


def make_pdf(path: Path, text: str) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    pdf.add_page()
    pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))


def test_an_upload_named_with_path_traversal_lands_in_the_uploads_folder_with_a_safe_name(bot, tmp_path):
    source = tmp_path / "report.pdf"
    make_pdf(source, K_VILLAGE.replace("\n\n", ". "))
    everything = tmp_path  # the project, the source file and anything a traversal could reach
    before = files_under(everything)
    data = bot.settings.data_dir
    with served(bot) as url:
        response = upload(url, source, "../../x.pdf")
        assert response.status_code == 200
        [stored] = response.json()
        assert Path(stored).resolve().is_relative_to((data / "tmp").resolve())
        messages = run_handler(url, handler_index(url, "add-files"), [[file_data(stored)]])
        assert messages[-1]["success"], messages[-1]
        assert messages[-1]["output"]["data"][0].startswith("Added `uploads-x`")

        # A client may name any file on the machine as its "upload": only Gradio's own uploads are taken.
        outside = bot.settings.root / "outside-notes.txt"
        outside.write_text(K_VILLAGE, encoding="utf-8")
        refused = run_handler(url, handler_index(url, "add-files"), [[file_data(str(outside))]])
        assert refused[-1]["success"] is False and "not uploaded by a user" in refused[-1]["output"]["error"]

    assert sorted(p.name for p in (data / "uploads").iterdir()) == ["x.pdf", "x.pdf.details.json"]
    created = files_under(everything) - before - {outside}
    ours = (data.resolve(), bot.settings.index_dir.resolve())  # the stored upload and its index entries
    assert created and all(any(p.resolve().is_relative_to(o) for o in ours) for p in created), created
    assert [p for p in created if p.name == "x.pdf"] == [data / "uploads" / "x.pdf"]
    assert "uploads-x" in {d.doc_id for d in bot.documents()}
    assert "uploads-outside-notes" not in {d.doc_id for d in bot.documents()}
    answer = bot.ask("What did the K Village dental pilot find?")
    assert answer.citations[0].doc_id == "uploads-x"


def test_oversized_and_unsupported_uploads_are_refused_by_the_server(bot, tmp_path):
    ui = bot.settings.ui.model_copy(update={"max_upload_mb": 0.001})  # 1,000 bytes
    bot = Assistant(bot.settings.model_copy(update={"ui": ui}), embedder=bot.embedder)
    big, small, program = tmp_path / "big.txt", tmp_path / "small.txt", tmp_path / "setup.exe"
    big.write_text("Village clinic report. " * 200, encoding="utf-8")  # 4.6 KB
    small.write_text("A short note on village clinics.\n", encoding="utf-8")
    program.write_bytes(b"MZ\x90\x00" * 10)
    with served(bot) as url:
        too_big = upload(url, big, "big.txt")
        assert too_big.status_code == 413, too_big.text
        assert upload(url, small, "small.txt").status_code == 200  # the limit, not the route, refused it

        [stored] = upload(url, program, "setup.exe").raise_for_status().json()
        messages = run_handler(url, handler_index(url, "add-files"), [[file_data(stored)]])
        refusal = messages[-1]["output"].get("error") or messages[-1]["output"]["data"][0]
        assert "Invalid file type" in refusal or "not a supported type" in refusal, refusal
    assert not (bot.settings.data_dir / "uploads").exists() or not any((bot.settings.data_dir / "uploads").iterdir())
    assert not any(p.name == "big.txt" for p in files_under(bot.settings.data_dir))
