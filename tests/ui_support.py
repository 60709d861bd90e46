"""Helpers for the UI tests: writable copies of the seed index, a served app (in this process or as the real
`assistant ui` command), headless chromium."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import build_settings

from assistant.settings import Settings

# Debian's chromium (`.ci/run` installs it); Playwright must not download a browser of its own.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def with_data_dir(settings: Settings, data_dir: Path) -> Settings:
    """The same project with its uploads, exclusions and feedback kept in `data_dir`."""
    return settings.model_copy(update={"ui": settings.ui.model_copy(update={"data_dir": data_dir})})


def copy_seed(seed: Settings, destination: Path) -> Settings:
    """A writable copy of the session's seed project (corpus and built index): tests that
    upload or remove documents change it without re-embedding the seed corpus."""
    shutil.copytree(seed.corpus_dir, destination / "corpus")
    shutil.copytree(seed.index_dir, destination / "index", ignore=shutil.ignore_patterns(".lock"))
    return build_settings(destination, destination / "corpus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served(bot, **overrides):
    """The UI of `bot` on 127.0.0.1 and a free port, in this process; stopped on exit. Yields the URL."""
    with served_app(bot, **overrides) as (url, _):
        yield url


@contextlib.contextmanager
def served_app(bot, **overrides):
    """As `served`, yielding (URL, the running `assistant.server.Server`, whose `.app` is the ASGI app)."""
    from assistant.server import serve

    port = free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(bot.settings.data_dir / "tmp"))  # serve() sets it; undo after
        server = serve(bot, block=False, server_name="127.0.0.1", server_port=port, **overrides)
        try:
            yield f"http://127.0.0.1:{port}/", server
        finally:
            server.close()


def chromium():
    """(playwright, browser): headless Debian chromium, or skip when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    return playwright, browser


ASSISTANT_BIN = Path(sys.executable).parent / "assistant"


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a server started in its own process group: SIGTERM, then SIGKILL after 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@contextlib.contextmanager
def server_process(settings: Settings, log: Path, **env_settings: str):
    """The real `assistant ui` command serving `settings`' project on 127.0.0.1 and a free port, in its own
    process (extra settings as ASSISTANT_* variables, e.g. API__KEY="k"); stopped on exit. Yields the URL
    (no trailing slash); the server's output goes to `log`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update({
        "ASSISTANT_ROOT": str(settings.root), "ASSISTANT_CORPUS__PATH": str(settings.corpus_dir),
        "ASSISTANT_INDEX__PATH": str(settings.index_dir), "ASSISTANT_UI__DATA_DIR": str(settings.data_dir),
        "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
        **{f"ASSISTANT_{name}": value for name, value in env_settings.items()},
    })
    with log.open("w") as output:
        process = subprocess.Popen(
            [str(ASSISTANT_BIN), "ui", "--host", "127.0.0.1", "--port", str(port)], cwd=settings.root, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 180
            while True:
                assert process.poll() is None, log.read_text()
                try:
                    httpx.get(f"{url}/gradio_api/startup-events", timeout=2)
                    break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start:\n" + log.read_text()
                time.sleep(0.5)
            yield url
        finally:
            stop_process_group(process)
