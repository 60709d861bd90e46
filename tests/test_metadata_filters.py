"""Filters run on the metadata Chroma indexes (kind, region, year), and a catalog change reaches
them without embedding anything (issue 15): the chunks' metadata is rewritten in Chroma and in
the state, their vectors kept."""

from __future__ import annotations

import yaml

from assistant import Assistant
from assistant.indexing.ingest import ingest
from assistant.indexing.state import load_state
from assistant.indexing.vectors import VectorStore
from assistant.retrieval import Filters, Retriever

L_COUNTY = "l-county-medical-community"
J_TOWN = "j-town-health-poverty-alleviation"
REFORM = "gd-medical-reform-key-tasks"


def edit_catalog(corpus, changes: dict[str, dict]) -> None:
    """Change catalog entries the way a person (or `Assistant.describe_document`) would."""
    path = corpus / "catalog.yaml"
    catalog = yaml.safe_load(path.read_text(encoding="utf-8"))
    for entry in catalog["documents"]:
        entry.update(changes.get(entry["id"], {}))
    path.write_text(yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), encoding="utf-8")


def chroma_metadata(settings, doc_id: str) -> list[dict]:
    return VectorStore(settings).collection.get(where={"doc_id": doc_id}, include=["metadatas"])["metadatas"]


def test_catalog_change_is_relabelled_without_embedding_and_reaches_the_filters(
    tmp_path, settings_for, copy_corpus, embedder
):
    corpus = copy_corpus(tmp_path)
    settings = settings_for(tmp_path, corpus)
    ingest(settings, embedder)
    before = {chunk.id: chunk for chunk in load_state(settings.index_dir).chunks}
    question = "What problems did the county medical community reform meet with medical insurance?"
    assert Retriever(settings, embedder).search(question, filters=Filters(years=[2019])) == []

    edit_catalog(corpus, {
        L_COUNTY: {"year": 2019, "region": "Sichuan"},
        J_TOWN: {"kind": "field report", "region": None},
    })
    embedded_before, calls_before = embedder.texts_embedded, embedder.calls
    report = ingest(settings, embedder)

    assert sorted(report.relabelled) == sorted([L_COUNTY, J_TOWN]) and report.changed
    assert report.added == report.updated == report.removed == []
    assert report.embedded == 0
    assert (embedder.texts_embedded, embedder.calls) == (embedded_before, calls_before)  # nothing embedded

    # The state and Chroma agree on the new details; ids, texts and vectors are the old ones.
    state = load_state(settings.index_dir)
    assert set(before) == {chunk.id for chunk in state.chunks}
    assert state.documents[L_COUNTY].year == 2019 and state.documents[J_TOWN].region is None
    for chunk in state.chunks:
        if chunk.doc_id == L_COUNTY:
            assert (chunk.year, chunk.region) == (2019, "Sichuan")
        assert chunk.text == before[chunk.id].text
    assert all(m["year"] == 2019 and m["region"] == "Sichuan" for m in chroma_metadata(settings, L_COUNTY))
    assert all(m["kind"] == "field report" and "region" not in m for m in chroma_metadata(settings, J_TOWN))

    retriever = Retriever(settings, embedder)
    l_county_chunks = {c for c, chunk in before.items() if chunk.doc_id == L_COUNTY}
    by_year = retriever.search(question, top_k=50, filters=Filters(years=[2019]))
    assert {hit.chunk.id for hit in by_year} == l_county_chunks
    assert all(hit.dense is not None for hit in by_year)  # found by the dense half too, not only BM25
    assert retriever.search(question, filters=Filters(regions=["L County"])) == []
    by_kind = retriever.search("health poverty alleviation problems", filters=Filters(kinds=["field report"]))
    assert by_kind and {hit.chunk.doc_id for hit in by_kind} == {J_TOWN}
    assert any(hit.dense is not None for hit in by_kind)

    # The dense half alone: Chroma's filter on the rewritten metadata returns exactly the document.
    vector = embedder.embed_query(question)
    dense = VectorStore(settings).query(vector, 100, Filters(regions=["Sichuan"], years=[2019]).chroma_where())
    assert {chunk_id for chunk_id, _ in dense} == l_county_chunks

    answer = Assistant(settings, embedder=embedder).ask(question, filters=Filters(regions=["Sichuan"]))
    assert {c.doc_id for c in answer.citations} <= {L_COUNTY}

    again = ingest(settings, embedder)
    assert again.relabelled == [] and not again.changed and again.embedded == 0


def test_a_new_title_is_embedded_again_because_the_vectors_were_made_from_it(
    tmp_path, settings_for, copy_corpus, embedder
):
    corpus = copy_corpus(tmp_path)
    settings = settings_for(tmp_path, corpus)
    ingest(settings, embedder)

    edit_catalog(corpus, {REFORM: {"title": "Guangdong 2020 health reform notice"}})
    embedded_before = embedder.texts_embedded
    report = ingest(settings, embedder)

    assert report.updated == [REFORM] and report.relabelled == []
    renewed = [c for c in load_state(settings.index_dir).chunks if c.doc_id == REFORM]
    assert embedder.texts_embedded - embedded_before == report.embedded == len(renewed) > 0
