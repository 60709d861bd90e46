"""Crash safety with real processes: SIGKILL mid-ingest, queries during an ingest, two ingests at once.

Each test ingests a synthetic corpus (seed sentences mixed with distractor
prose, see synthetic.py) large enough that the ingest is still embedding when
we act on it, with `index.commit_every_s` small so partial commits happen.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import assert_consistent, build_settings
from synthetic import make_corpus

from assistant.indexing.ingest import ingest
from assistant.indexing.state import IndexLockedError, load_state
from assistant.retrieval import Retriever

pytestmark = pytest.mark.slow

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
DOCUMENTS = 60


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", **extra)
    return env


def _start_ingest(root: Path, commit_every_s: float = 0.3) -> subprocess.Popen:
    """`assistant ingest` in the background; its output goes to files (a full pipe would stall it)."""
    process = subprocess.Popen(
        [str(ASSISTANT_BIN), "ingest"], cwd=root, env=_env(ASSISTANT_INDEX__COMMIT_EVERY_S=str(commit_every_s)),
        stdout=open(root / "ingest.out", "w"), stderr=open(root / "ingest.err", "w"),
    )
    process.log = root / "ingest.err"
    return process


def _log(process) -> str:
    return process.log.read_text(errors="replace")[-2000:]


def _committed_documents(root: Path) -> int:
    try:
        return len(load_state(root / "index").documents)
    except (OSError, ValueError):
        return 0  # not written yet, or being replaced at this instant


def _wait_for(condition, process: subprocess.Popen, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"the ingest ended (status {process.returncode}) before {what}: {_log(process)}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def synthetic_project(tmp_path):
    corpus = make_corpus(tmp_path, DOCUMENTS)
    return tmp_path, build_settings(tmp_path, corpus)


def test_sigkill_mid_ingest_then_rerun_gives_the_same_index_as_a_clean_ingest(synthetic_project, tmp_path_factory,
                                                                               embedder):
    root, settings = synthetic_project
    process = _start_ingest(root)
    _wait_for(lambda: _committed_documents(root) >= 5, process, "a partial commit")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    partial = load_state(root / "index")
    assert 5 <= len(partial.documents) < DOCUMENTS, "the kill must land mid-ingest"
    # What was committed is usable straight away, before any repair.
    hits = Retriever(settings, embedder).search("medical insurance settlement platform", top_k=5)
    assert hits and all(hit.chunk.doc_id in partial.documents for hit in hits)

    rerun = subprocess.run([str(ASSISTANT_BIN), "ingest"], cwd=root, env=_env(), capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert f"added {DOCUMENTS - len(partial.documents)}, updated 0, removed 0" in rerun.stdout, rerun.stdout

    clean_root = tmp_path_factory.mktemp("clean")
    clean = build_settings(clean_root, settings.corpus_dir)
    ingest(clean, embedder)
    after, reference = load_state(root / "index"), load_state(clean.index_dir)
    assert len(after.chunks) == len(reference.chunks)
    assert {c.id for c in after.chunks} == {c.id for c in reference.chunks}
    assert_consistent(settings)  # no duplicate and no orphan chunks; BM25, Chroma and state in step


def _incomplete(state) -> list[str]:
    """Documents in the state whose chunks do not run from the first chunk to the end of the text."""
    broken = []
    for doc_id, document in state.documents.items():
        chunks = sorted((c for c in state.chunks if c.doc_id == doc_id), key=lambda c: c.ordinal)
        ordinals = [c.ordinal for c in chunks]
        if not chunks or ordinals != list(range(len(chunks))) or chunks[-1].end != len(document.text):
            broken.append(doc_id)
    return broken


def test_queries_during_an_ingest_only_ever_see_whole_documents(synthetic_project, embedder):
    root, settings = synthetic_project
    retriever = Retriever(settings, embedder)
    process = _start_ingest(root, commit_every_s=0.2)
    _wait_for(lambda: _committed_documents(root) >= 1, process, "the first commit")
    generations, queries = set(), 0
    while process.poll() is None:
        snapshot = retriever.snapshot()
        generations.add(snapshot.state.generation)
        assert not _incomplete(snapshot.state), f"half-indexed documents visible: {_incomplete(snapshot.state)}"
        for hit in retriever.search("family doctor contract service in the township", top_k=8, snapshot=snapshot):
            assert hit.chunk.doc_id in snapshot.documents
            assert hit.chunk.id in snapshot.chunks
        queries += 1
    assert process.returncode == 0, _log(process)
    assert len(generations) >= 3, f"the queries should span several commits, saw {sorted(generations)}"
    assert queries >= 10
    assert_consistent(settings)


def test_a_second_ingest_refuses_while_one_is_running_and_names_its_pid(synthetic_project, embedder):
    root, settings = synthetic_project
    process = _start_ingest(root)
    _wait_for(lambda: _committed_documents(root) >= 1, process, "the first commit")
    with pytest.raises(IndexLockedError, match=rf"index is locked by PID {process.pid}\b"):
        ingest(settings, embedder)
    assert process.wait(timeout=600) == 0, _log(process)
    assert_consistent(settings)  # the refused ingest changed nothing
    assert len(load_state(settings.index_dir).documents) == DOCUMENTS
