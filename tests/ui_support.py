"""Helpers for the UI tests: writable copies of the seed index, a served app, headless chromium."""

from __future__ import annotations

import contextlib
import shutil
import socket
from pathlib import Path

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
    from assistant.server import serve

    port = free_port()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GRADIO_TEMP_DIR", str(bot.settings.data_dir / "tmp"))  # serve() sets it; undo after
        app = serve(bot, block=False, server_name="127.0.0.1", server_port=port, **overrides)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            app.close()


def chromium():
    """(playwright, browser): headless Debian chromium, or skip when it is not installed."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium; .ci/run does this)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    return playwright, browser
