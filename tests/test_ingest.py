"""Incremental ingest with the real embedder on temp copies of the seed corpus."""

from __future__ import annotations

import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import assert_consistent, bm25_ids, state_ids

from assistant.indexing.chunking import Chunk
from assistant.indexing.ingest import ingest
from assistant.indexing.state import IndexLock, IndexLockedError, load_state
from assistant.indexing.vectors import VectorStore
from assistant.retrieval import Retriever

pytestmark = pytest.mark.slow

PLAN = "gd-internet-plus-action-plan"
PLAN_FILE = "guangdong-internet-plus-action-plan-2015.txt"
L_COUNTY = "l-county-medical-community"
L_COUNTY_FILE = "l-county-medical-community-policy.txt"
ALL_IDS = sorted([
    "gd-internet-medical-implementation",
    PLAN,
    "gd-medical-reform-key-tasks",
    "j-town-health-poverty-alleviation",
    L_COUNTY,
])
SMALL = [PLAN_FILE, L_COUNTY_FILE]  # a two-document corpus for the tests that embed it twice
ASSISTANT_BIN = Path(sys.executable).parent / "assistant"


@pytest.fixture
def project(tmp_path, settings_for, copy_corpus):
    corpus = copy_corpus(tmp_path)
    return settings_for(tmp_path, corpus)


@pytest.fixture
def small_project(tmp_path, settings_for, copy_corpus):
    corpus = copy_corpus(tmp_path, SMALL)
    return settings_for(tmp_path, corpus)




def test_first_ingest_adds_everything_and_second_embeds_nothing(project, embedder):
    first = ingest(project, embedder)

    assert sorted(first.added) == ALL_IDS
    assert first.errors == [] and first.updated == [] and first.removed == [] and not first.rebuilt
    assert first.chunks > 0 and first.embedded == first.chunks
    assert len(state_ids(project)) == first.chunks
    assert_consistent(project)

    embedded_before, calls_before = embedder.texts_embedded, embedder.calls
    second = ingest(project, embedder)

    assert second.embedded == 0
    assert embedder.texts_embedded == embedded_before and embedder.calls == calls_before
    assert sorted(second.unchanged) == ALL_IDS
    assert second.added == [] and second.updated == [] and second.removed == [] and not second.changed
    assert second.chunks == first.chunks
    assert_consistent(project)


def _cosine(a, b) -> float:
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_a_batch_gives_each_text_its_own_vector(embedder):
    # embed_passages reorders a batch by length before embedding it; the caller must still
    # get its vectors in its own order.
    texts = [
        "Finance Department",
        "The province's medical insurance settlement service management platform and medical insurance "
        "centralized database will be established to implement direct settlement of medical expenses.",
        "Health poverty alleviation in J Town",
        "county medical community",
    ]
    together = embedder.embed_passages(texts)
    for text, vector in zip(texts, together, strict=True):
        assert _cosine(vector, embedder.embed_passages([text])[0]) > 0.9999, text
    assert _cosine(together[0], together[1]) < 0.9


def test_every_stored_vector_belongs_to_its_chunk(project, embedder):
    # Ingest embeds windows of chunks across document boundaries; each vector in Chroma
    # must still be its own chunk's.
    ingest(project, embedder)
    chunks = load_state(project.index_dir).chunks
    sample = chunks[:: max(1, len(chunks) // 8)]
    stored = VectorStore(project).collection.get(ids=[c.id for c in sample], include=["embeddings"])
    vectors = dict(zip(stored["ids"], stored["embeddings"], strict=True))
    for chunk in sample:
        own = embedder.embed_passages([chunk.embed_text])[0]
        assert _cosine(vectors[chunk.id], own) > 0.9999, chunk.id


def test_bm25_built_from_cached_tokens_ranks_as_one_built_afresh(tmp_path, settings_for, copy_corpus, embedder):
    # Ingest tokenizes each chunk once and reuses the tokens at every commit; a tiny commit
    # interval makes it commit after each window, so later commits reuse earlier tokens.
    from assistant.indexing.keywords import KeywordIndex

    settings = settings_for(tmp_path, copy_corpus(tmp_path), index={"commit_every_s": 0.001})
    report = ingest(settings, embedder)
    state = load_state(settings.index_dir)
    assert state.generation >= 2 and report.embedded == len(state.chunks)
    committed = KeywordIndex.load(settings.index_dir / state.bm25_dir)
    afresh = KeywordIndex.build(state.chunks)
    for question in ["Who takes charge of the medical insurance settlement platform?",
                     "What problems did the J Town study find?", "county medical community", "zzzqx"]:
        ours, reference = committed.query(question, 10), afresh.query(question, 10)
        assert [chunk_id for chunk_id, _ in ours] == [chunk_id for chunk_id, _ in reference], question
        assert [score for _, score in ours] == pytest.approx([score for _, score in reference]), question


def test_modified_file_is_re_embedded_alone_and_its_old_chunks_go(project, embedder):
    ingest(project, embedder)
    old_plan_ids = {c.id for c in load_state(project.index_dir).chunks if c.doc_id == PLAN}
    others_before = {c.id for c in load_state(project.index_dir).chunks if c.doc_id != PLAN}
    path = project.corpus_dir / PLAN_FILE
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "3. Impact meaning",
            "Hospitals will publish their outpatient waiting times online every hour.\n3. Impact meaning",
        ),
        encoding="utf-8",
    )
    embedded_before = embedder.texts_embedded

    report = ingest(project, embedder)

    new_plan_ids = {c.id for c in load_state(project.index_dir).chunks if c.doc_id == PLAN}
    assert report.updated == [PLAN]
    assert sorted(report.unchanged) == [i for i in ALL_IDS if i != PLAN]
    assert report.added == [] and report.removed == []
    assert report.embedded == len(new_plan_ids) == embedder.texts_embedded - embedded_before
    assert new_plan_ids.isdisjoint(old_plan_ids)
    assert VectorStore(project).ids().isdisjoint(old_plan_ids)
    assert {c.id for c in load_state(project.index_dir).chunks if c.doc_id != PLAN} == others_before
    assert "waiting times online" in load_state(project.index_dir).documents[PLAN].text
    assert_consistent(project)

    hits = Retriever(project, embedder).search("outpatient waiting times published online every hour")
    assert "waiting times online" in hits[0].chunk.text and hits[0].chunk.id in new_plan_ids


def test_deleted_file_is_removed_from_chroma_and_bm25(project, embedder):
    ingest(project, embedder)
    county_ids = {c.id for c in load_state(project.index_dir).chunks if c.doc_id == L_COUNTY}
    assert county_ids
    (project.corpus_dir / L_COUNTY_FILE).unlink()
    embedded_before = embedder.texts_embedded

    report = ingest(project, embedder)

    assert report.removed == [L_COUNTY]
    assert report.embedded == 0 and embedder.texts_embedded == embedded_before
    assert sorted(report.unchanged) == [i for i in ALL_IDS if i != L_COUNTY]
    assert L_COUNTY not in load_state(project.index_dir).documents
    assert VectorStore(project).ids().isdisjoint(county_ids)
    assert set(bm25_ids(project)).isdisjoint(county_ids)
    assert report.chunks == len(state_ids(project))
    assert_consistent(project)


def test_broken_files_are_reported_and_the_rest_ingests(project, embedder):
    (project.corpus_dir / "scan.pdf").write_bytes(random.Random(5).randbytes(4000))
    (project.corpus_dir / "empty.txt").write_bytes(b"")
    (project.corpus_dir / "data.bin").write_bytes(b"\x00\x01")

    report = ingest(project, embedder)

    assert sorted(report.added) == ALL_IDS
    assert {e.source: e.reason for e in report.errors}.keys() == {"scan.pdf", "empty.txt", "data.bin"}
    reasons = {e.source: e.reason for e in report.errors}
    assert "PDF" in reasons["scan.pdf"] and "empty" in reasons["empty.txt"] and "unsupported" in reasons["data.bin"]
    assert report.summary().endswith("errors 3")
    assert_consistent(project)


def test_changing_chunking_settings_rebuilds_the_index(small_project, settings_for, embedder):
    first = ingest(small_project, embedder)
    assert not first.rebuilt
    smaller = settings_for(small_project.root, small_project.corpus_dir,
                           chunking={"max_tokens": 100, "overlap_tokens": 20})

    report = ingest(smaller, embedder)

    assert report.rebuilt
    assert sorted(report.added) == sorted([PLAN, L_COUNTY])
    assert report.embedded == report.chunks > first.chunks
    state = load_state(smaller.index_dir)
    assert state.fingerprint == smaller.index_fingerprint() != small_project.index_fingerprint()
    assert all(embedder.count_tokens(chunk.text) <= 100 for chunk in state.chunks)
    assert_consistent(smaller)


def test_rebuild_after_a_chunking_change_gives_all_new_chunk_ids(small_project, settings_for, embedder):
    ingest(small_project, embedder)
    old_ids = state_ids(small_project)
    smaller = settings_for(small_project.root, small_project.corpus_dir,
                           chunking={"max_tokens": 100, "overlap_tokens": 20})

    assert ingest(smaller, embedder).rebuilt
    assert state_ids(smaller).isdisjoint(old_ids)


class Interrupted(Exception):
    pass


def _interrupt(done: int, total: int, source: str) -> None:
    raise Interrupted(f"stopped after {done} of {total} chunks ({source})")


def test_interrupted_rebuild_leaves_a_consistent_index_under_the_committed_settings(
    small_project, settings_for, embedder
):
    ingest(small_project, embedder)
    smaller = settings_for(small_project.root, small_project.corpus_dir,
                           chunking={"max_tokens": 100, "overlap_tokens": 20})
    with pytest.raises(Interrupted):
        ingest(smaller, embedder, progress=_interrupt)  # e.g. Ctrl-C during the rebuild

    ingest(small_project, embedder)  # the user goes back to the settings the index was built with

    assert VectorStore(small_project).ids() == state_ids(small_project)


def test_retriever_keeps_working_after_a_rebuild(small_project, embedder):
    ingest(small_project, embedder)
    retriever = Retriever(small_project, embedder)
    assert retriever.search("Local Taxation Bureau medical insurance settlement")[0].chunk.doc_id == PLAN

    assert ingest(small_project, embedder, rebuild=True).rebuilt

    assert retriever.search("Local Taxation Bureau medical insurance settlement")[0].chunk.doc_id == PLAN


def test_orphan_vectors_are_swept_by_the_next_ingest(small_project, embedder):
    ingest(small_project, embedder)
    orphan = Chunk(id="ghost:0000000000:0000", doc_id="ghost", title="Ghost", kind="test", ordinal=0,
                   start=0, end=5, text="ghost")
    VectorStore(small_project).add([orphan], [[0.0] * 383 + [1.0]])
    assert orphan.id in VectorStore(small_project).ids()

    report = ingest(small_project, embedder)

    assert report.embedded == 0
    assert orphan.id not in VectorStore(small_project).ids()
    assert_consistent(small_project)


def test_ingest_refuses_to_run_while_the_index_is_locked(small_project, embedder):
    with IndexLock(small_project.index_dir):
        with pytest.raises(IndexLockedError) as caught:
            ingest(small_project, embedder)
    assert str(os.getpid()) in str(caught.value)
    assert not (small_project.index_dir / "state.json").exists()


def test_cli_ingest_twice(tmp_path, copy_corpus):
    copy_corpus(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")

    def run() -> str:
        result = subprocess.run([str(ASSISTANT_BIN), "ingest"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        return result.stdout

    first = run()
    match = re.search(r"ingest: added 5, updated 0, removed 0, unchanged 0, chunks (\d+), errors 0 "
                      r"\((\d+) chunks embedded", first)
    assert match, first
    assert int(match.group(1)) == int(match.group(2)) > 0
    assert (tmp_path / "index" / "state.json").is_file()  # the index lives in the project found from cwd

    second = run()
    assert re.search(r"ingest: added 0, updated 0, removed 0, unchanged 5, chunks (\d+), errors 0 "
                     r"\(0 chunks embedded", second), second
    assert f"chunks {match.group(1)}," in second
