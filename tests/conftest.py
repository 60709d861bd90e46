"""Shared fixtures: hermetic settings, one embedding model per session, one seed index per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]
SEED_CORPUS = PROJECT / "corpus"
SEED_DOC_IDS = {
    "gd-internet-medical-implementation",
    "gd-internet-plus-action-plan",
    "gd-medical-reform-key-tasks",
    "j-town-health-poverty-alleviation",
    "l-county-medical-community",
}


def clear_assistant_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Drop every ASSISTANT_* variable so a developer's shell cannot change what a test sees."""
    for name in list(os.environ):
        if name.upper().startswith("ASSISTANT_"):
            monkeypatch.delenv(name, raising=False)


def _merge(base: dict, extra: dict) -> dict:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_settings(root: Path, corpus_dir: Path, **overrides) -> Settings:
    """Settings for a project rooted at `root` whose corpus is `corpus_dir`.

    Keyword overrides are merged into the nested sections, e.g.
    `build_settings(root, corpus, corpus={"max_file_mb": 0.001})` keeps the corpus path."""
    values = {
        "root": root,
        "corpus": {"path": str(corpus_dir)},
        "index": {"path": str(root / "index")},
        "ui": {"data_dir": str(root / "data")},
    }
    return Settings(**_merge(values, overrides))


def copy_corpus(destination: Path, files: list[str] | None = None) -> Path:
    """A copy of the seed corpus (all of it, or only `files` plus catalog.yaml) under `destination`."""
    target = destination / "corpus"
    if files is None:
        shutil.copytree(SEED_CORPUS, target)
    else:
        target.mkdir(parents=True)
        for name in [*files, "catalog.yaml"]:
            shutil.copy2(SEED_CORPUS / name, target / name)
    return target


def state_ids(settings: Settings) -> set[str]:
    from assistant.indexing.state import load_state

    return {chunk.id for chunk in load_state(settings.index_dir).chunks}


def bm25_ids(settings: Settings) -> list[str]:
    from assistant.indexing.keywords import KeywordIndex
    from assistant.indexing.state import load_state

    state = load_state(settings.index_dir)
    return KeywordIndex.load(settings.index_dir / state.bm25_dir).chunk_ids


def assert_consistent(settings: Settings) -> None:
    """Chroma, BM25 and the state file all hold exactly the same chunks, each once."""
    from assistant.indexing.state import load_state
    from assistant.indexing.vectors import VectorStore

    state = load_state(settings.index_dir)
    ids = {chunk.id for chunk in state.chunks}
    assert len(ids) == len(state.chunks), "duplicate chunks in the state"
    assert VectorStore(settings).ids() == ids, "Chroma and the state disagree"
    assert sorted(bm25_ids(settings)) == sorted(ids), "BM25 and the state disagree"
    assert {chunk.doc_id for chunk in state.chunks} == set(state.documents)
    assert [p.name for p in settings.index_dir.glob("bm25-*")] == [state.bm25_dir]


@pytest.fixture(autouse=True)
def _no_assistant_env(monkeypatch):
    clear_assistant_env(monkeypatch)


@pytest.fixture(name="copy_corpus")
def copy_corpus_fixture():
    """Factory: `copy_corpus(destination, files=None)` -> the copied corpus folder."""
    return copy_corpus


@pytest.fixture
def settings_for(monkeypatch):
    """Factory: `settings_for(tmp_path, corpus_dir, **overrides)` -> Settings.

    The current directory moves to the project root, so no `.env` or
    `assistant.toml` from where pytest was started leaks in."""
    clear_assistant_env(monkeypatch)

    def make(root: Path, corpus_dir: Path, **overrides) -> Settings:
        monkeypatch.chdir(root)
        return build_settings(Path(root), Path(corpus_dir), **overrides)

    return make


@pytest.fixture(scope="session")
def embedder(tmp_path_factory):
    """The packaged embedding model, loaded once for the whole session."""
    from assistant.indexing.embedding import Embedder

    with pytest.MonkeyPatch.context() as mp:
        clear_assistant_env(mp)
        mp.chdir(tmp_path_factory.mktemp("embedder"))
        embedder = Embedder(Settings())
    return embedder  # the model itself loads on first use (chunking needs only the tokenizer)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, embedder) -> Settings:
    """The seed corpus, copied to a temp project and ingested once; returns its settings.

    Treat it as read-only: tests that change the corpus make their own copy."""
    from assistant.indexing.ingest import ingest

    root = tmp_path_factory.mktemp("seed")
    corpus_dir = copy_corpus(root)
    with pytest.MonkeyPatch.context() as mp:
        clear_assistant_env(mp)
        mp.chdir(root)
        settings = build_settings(root, corpus_dir)
    report = ingest(settings, embedder)
    assert not report.errors, report.errors
    assert set(report.added) == SEED_DOC_IDS, report.added
    return settings
