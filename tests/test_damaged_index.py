"""A damaged or incomplete index (issue 16 items 3, 4 and 14), on real index files and real
`assistant` processes.

Damage that only a rebuild can undo (the state file, the embedded Chroma database) is named by
every command with `assistant ingest --rebuild`, and the rebuild moves the damaged part aside
without reading it. Parts that are missing or disagree with the state (the BM25 folder, its
chunk id list, vectors) stop questions with a message naming them, and a plain `assistant
ingest` puts them right, embedding again only the vectors that are gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_consistent

from assistant import Assistant
from assistant.indexing.ingest import ingest
from assistant.indexing.state import IndexDamaged, load_state
from assistant.indexing.vectors import VectorStore, forget_local_clients
from assistant.retrieval import Retriever

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"
QUESTION = "Which departments are responsible for Internet + Social Security?"
PLAN = "gd-internet-plus-action-plan"


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    """A real `assistant` process in the project at `root` (its corpus/ and index/)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([str(ASSISTANT_BIN), *args], cwd=root, env=env, capture_output=True, text=True,
                          timeout=300)


def corpus_digest(corpus: Path) -> dict[str, str]:
    return {p.relative_to(corpus).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(corpus.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path, settings_for, copy_corpus, embedder):
    """A copy of the project with the seed corpus ingested; returns its settings."""
    settings = settings_for(tmp_path, copy_corpus(tmp_path))
    report = ingest(settings, embedder)
    assert report.chunks > 0 and not report.errors
    return settings


def truncate_state(settings) -> Path:
    path = settings.index_dir / "state.json"
    path.write_bytes(path.read_bytes()[:1000])
    return path


def truncate_chroma(settings) -> Path:
    path = settings.index_dir / "chroma" / "chroma.sqlite3"
    path.write_bytes(path.read_bytes()[:20_000])
    return path


def randomise_chroma(settings) -> Path:
    path = settings.index_dir / "chroma" / "chroma.sqlite3"
    path.write_bytes(os.urandom(path.stat().st_size))
    return path


@pytest.mark.slow
@pytest.mark.parametrize("damage", [truncate_state, truncate_chroma, randomise_chroma])
def test_damaged_file_is_named_by_every_command_and_rebuild_sets_it_aside(project, embedder, damage):
    root = project.root
    damaged = damage(project)
    damaged_bytes = damaged.read_bytes()
    forget_local_clients()  # this process opened the database before the damage; a user's next command is fresh
    corpus_before = corpus_digest(project.corpus_dir)

    for command in (["ask", QUESTION], ["docs"], ["ingest"]):
        result = run(root, *command)
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert str(damaged) in result.stderr, (command, result.stderr)
        assert "assistant ingest --rebuild" in result.stderr
        assert "Traceback" not in result.stderr
    with pytest.raises(IndexDamaged, match="assistant ingest --rebuild"):
        Assistant(project, embedder=embedder).ask(QUESTION)
    forget_local_clients()

    rebuilt = run(root, "ingest", "--rebuild")
    assert rebuilt.returncode == 0, rebuilt.stderr
    aside = list(project.index_dir.glob("damaged-*"))
    assert len(aside) == 1 and str(aside[0]) in rebuilt.stdout
    kept = aside[0] / damaged.relative_to(project.index_dir)
    assert kept.read_bytes() == damaged_bytes  # moved aside untouched, for whoever wants to look
    assert corpus_digest(project.corpus_dir) == corpus_before  # the documents are never touched

    forget_local_clients()
    assert_consistent(project)
    answered = run(root, "ask", "--json", QUESTION)
    assert answered.returncode == 0, answered.stderr
    assert PLAN in {c["doc_id"] for c in json.loads(answered.stdout)["citations"]}


def delete_keyword_folder(settings) -> Path:
    folder = settings.index_dir / load_state(settings.index_dir).bm25_dir
    shutil.rmtree(folder)
    return folder


def truncate_keyword_matrix(settings) -> Path:
    path = settings.index_dir / load_state(settings.index_dir).bm25_dir / "data.csc.index.npy"
    path.write_bytes(path.read_bytes()[:100])
    return path.parent


def shorten_chunk_ids(settings) -> Path:
    """Issue 16 item 14: a hand-edited chunk_ids.json shorter than the BM25 matrix."""
    path = settings.index_dir / load_state(settings.index_dir).bm25_dir / "chunk_ids.json"
    path.write_text(json.dumps(json.loads(path.read_text())[:-5]))
    return path


@pytest.mark.parametrize("damage", [delete_keyword_folder, truncate_keyword_matrix, shorten_chunk_ids])
def test_damaged_keyword_index_is_named_and_plain_ingest_rebuilds_it_without_embedding(project, embedder, damage):
    named = damage(project)
    bot = Assistant(project, embedder=embedder)

    with pytest.raises(IndexDamaged) as caught:
        bot.ask(QUESTION)
    message = str(caught.value)
    assert str(named) in message and "run `assistant ingest`" in message
    assert "try again in a moment" not in message
    with pytest.raises(IndexDamaged):  # asked again: still said, not a different error
        bot.ask(QUESTION)

    embedded_before = embedder.texts_embedded
    report = ingest(project, embedder)
    assert embedder.texts_embedded == embedded_before and report.embedded == 0
    assert len(report.repaired) == 1 and str(project.index_dir) in report.repaired[0]
    assert_consistent(project)
    answer = bot.ask(QUESTION)
    assert PLAN in {c.doc_id for c in answer.citations}
    assert ingest(project, embedder).repaired == []


@pytest.mark.slow
def test_deleted_keyword_index_stops_the_cli_with_its_name_and_ingest_repairs_it(project):
    folder = delete_keyword_folder(project)
    asked = run(project.root, "ask", QUESTION)
    assert asked.returncode == 1 and str(folder) in asked.stderr and "assistant ingest" in asked.stderr
    assert "try again in a moment" not in asked.stderr and "Traceback" not in asked.stderr

    repaired = run(project.root, "ingest")
    assert repaired.returncode == 0, repaired.stderr
    assert f"repaired: the keyword index {folder} is missing" in repaired.stdout
    assert "0 chunks embedded" in repaired.stdout
    assert run(project.root, "ask", QUESTION).returncode == 0


@pytest.mark.slow
def test_deleted_vector_folder_is_not_answered_from_keywords_alone_and_ingest_embeds_it_again(project):
    chunks = len(load_state(project.index_dir).chunks)
    shutil.rmtree(project.index_dir / "chroma")

    asked = run(project.root, "ask", QUESTION)
    assert asked.returncode == 1, asked.stdout
    assert f"holds 0 of the {chunks} passages" in asked.stderr and "run `assistant ingest`" in asked.stderr
    assert "Traceback" not in asked.stderr

    repaired = run(project.root, "ingest")
    assert repaired.returncode == 0, repaired.stderr
    assert f"repaired: {chunks} of {chunks} passages were missing from the vector store" in repaired.stdout
    assert f"({chunks} chunks embedded" in repaired.stdout
    forget_local_clients()  # this process still has the deleted database open
    assert_consistent(project)
    answered = run(project.root, "ask", "--json", QUESTION)
    assert answered.returncode == 0, answered.stderr
    assert any(c["doc_id"] == PLAN for c in json.loads(answered.stdout)["citations"])


def test_vectors_lost_for_one_document_are_reported_and_only_they_are_embedded_again(project, embedder):
    state = load_state(project.index_dir)
    lost = [chunk.id for chunk in state.chunks if chunk.doc_id == PLAN]
    VectorStore(project).delete(lost)

    with pytest.raises(IndexDamaged, match=f"holds {len(state.chunks) - len(lost)} of the {len(state.chunks)}"):
        Retriever(project, embedder).search(QUESTION)

    embedded_before = embedder.texts_embedded
    report = ingest(project, embedder)
    assert embedder.texts_embedded - embedded_before == len(lost) == report.embedded
    assert report.repaired == [
        f"{len(lost)} of {len(state.chunks)} passages were missing from the vector store "
        f"({project.index_dir / 'chroma'}): embedded again"
    ]
    assert report.unchanged and not (report.added or report.updated or report.removed)
    assert_consistent(project)
    hits = Retriever(project, embedder).search(QUESTION)
    assert hits[0].chunk.doc_id == PLAN and hits[0].dense is not None

