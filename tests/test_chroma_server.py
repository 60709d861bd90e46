"""Ingest into, and retrieve from, a real `chroma run` server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assistant.indexing.ingest import ingest
from assistant.indexing.state import load_state
from assistant.indexing.vectors import VectorStoreUnavailable
from assistant.retrieval import Retriever

pytestmark = pytest.mark.slow

CHROMA_BIN = Path(sys.executable).parent / "chroma"
PLAN = "gd-internet-plus-action-plan"
QUESTION = "Which departments are responsible for Internet + Social Security?"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _heartbeat(port: int) -> bool:
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    try:
        client = chromadb.HttpClient(host="127.0.0.1", port=port,
                                     settings=ChromaClientSettings(anonymized_telemetry=False))
        client.heartbeat()
        return True
    except Exception:
        return False


def start_chroma(data: Path, port: int) -> subprocess.Popen:
    """`chroma run` over the database in `data`, answering its heartbeat; its log in data/server.log."""
    if not CHROMA_BIN.exists():
        pytest.fail(f"{CHROMA_BIN} not found: install the project's dependencies (make test)")
    data.mkdir(parents=True, exist_ok=True)
    log = (data / "server.log").open("ab")
    process = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--path", str(data / "db"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    log.close()
    deadline = time.monotonic() + 60
    while not _heartbeat(port):
        if process.poll() is not None:
            pytest.fail(f"chroma run exited with {process.returncode}: "
                        f"{(data / 'server.log').read_text(errors='replace')[-2000:]}")
        if time.monotonic() > deadline:
            stop_chroma(process)
            pytest.fail("chroma run did not answer its heartbeat within 60 s")
        time.sleep(0.25)
    return process


def stop_chroma(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """A `chroma run` process on a free port; yields the port and stops the server afterwards."""
    port = free_port()
    process = start_chroma(tmp_path_factory.mktemp("chroma-server"), port)
    try:
        yield port
    finally:
        stop_chroma(process)


def test_ingest_and_retrieve_through_a_chroma_server(chroma_server, tmp_path, settings_for, copy_corpus, embedder):
    port = chroma_server
    settings = settings_for(tmp_path, copy_corpus(tmp_path), chroma={"host": "127.0.0.1", "port": port})

    report = ingest(settings, embedder)

    assert report.errors == [] and len(report.added) == 5 and report.chunks > 0
    assert not (settings.index_dir / "chroma").exists()  # nothing embedded locally
    import chromadb
    from chromadb.config import Settings as ChromaClientSettings

    server = chromadb.HttpClient(host="127.0.0.1", port=port, settings=ChromaClientSettings(anonymized_telemetry=False))
    collection = server.get_collection(settings.index.collection)
    state_ids = {chunk.id for chunk in load_state(settings.index_dir).chunks}
    assert set(collection.get(include=[])["ids"]) == state_ids
    assert collection.count() == report.chunks

    hits = Retriever(settings, embedder).search("Local Taxation Bureau medical insurance settlement")
    assert hits[0].chunk.doc_id == PLAN
    assert hits[0].dense is not None and hits[0].dense_rank is not None  # the server answered the dense half
    assert "Local Taxation Bureau" in hits[0].chunk.text

    second = ingest(settings, embedder)  # incremental against the server too
    assert second.embedded == 0 and len(second.unchanged) == 5


def test_unreachable_chroma_server_is_reported_with_its_address(tmp_path, settings_for, copy_corpus, embedder):
    port = free_port()  # closed again at once: nothing listens there
    settings = settings_for(tmp_path, copy_corpus(tmp_path, ["l-county-medical-community-policy.txt"]),
                            chroma={"host": "127.0.0.1", "port": port})
    embedded_before = embedder.texts_embedded

    started = time.monotonic()
    with pytest.raises(VectorStoreUnavailable) as caught:
        ingest(settings, embedder)

    assert f"127.0.0.1:{port}" in str(caught.value)
    assert "chroma run" in str(caught.value)
    assert time.monotonic() - started < 30
    assert embedder.texts_embedded == embedded_before
    assert load_state(settings.index_dir).documents == {}  # nothing committed that the store lacks


def test_server_stopped_mid_session_is_named_on_every_path_and_recovery_follows_its_restart(
    tmp_path, settings_for, copy_corpus, embedder
):
    """Issue 16 item 9: `ask` used to raise a raw httpx.ConnectError naming no host or port."""
    from assistant import Assistant

    port = free_port()
    data = tmp_path / "chroma-server"
    settings = settings_for(tmp_path, copy_corpus(tmp_path), chroma={"host": "127.0.0.1", "port": port})
    bot = Assistant(settings, embedder=embedder)
    server = start_chroma(data, port)
    try:
        bot.ingest()
        assert PLAN in {c.doc_id for c in bot.ask(QUESTION).citations}  # warm: index and client open
    finally:
        stop_chroma(server)

    where = f"127.0.0.1:{port}"
    paths = {
        "ask": lambda: bot.ask(QUESTION),
        "a second ask": lambda: bot.ask(QUESTION),
        "a conversation": lambda: bot.conversation().ask(QUESTION),
        "search": lambda: bot.retriever.search(QUESTION),
        "ingest": bot.ingest,
        "a fresh Assistant": lambda: Assistant(settings, embedder=embedder).ask(QUESTION),
    }
    for path, call in paths.items():
        with pytest.raises(VectorStoreUnavailable) as caught:
            call()
        assert where in str(caught.value) and "chroma run" in str(caught.value), path

    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", ASSISTANT_CHROMA__HOST="127.0.0.1", ASSISTANT_CHROMA__PORT=str(port))
    cli = subprocess.run([str(CHROMA_BIN.parent / "assistant"), "ask", QUESTION], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert cli.returncode == 1 and where in cli.stderr and "Traceback" not in cli.stderr, cli.stderr

    server = start_chroma(data, port)  # the same database back on the same port
    try:
        assert PLAN in {c.doc_id for c in bot.ask(QUESTION).citations}  # the same Assistant recovers
        assert bot.ingest().embedded == 0
    finally:
        stop_chroma(server)
