"""One tokenizer and stemmer for the keyword index and the answering layer (issue 15): the
terms an answer is checked for are the terms BM25 indexed and searched with."""

from __future__ import annotations

from assistant.answering import terms
from assistant.indexing.chunking import Chunk
from assistant.indexing.keywords import KeywordIndex
from assistant.indexing.state import load_state

# Apostrophes, a hyphen, one-letter words, digits and a non-Latin word: where two tokenizers
# are most likely to split differently.
AWKWARD = "Gansu's databases couldn't talk: J Town's e-health plan, 3 tiers, 2015-2020, 互联网 医疗."


def _vocabulary(index: KeywordIndex) -> set[str]:
    return set(index.retriever.vocab_dict) - {""}


def test_the_keyword_index_holds_exactly_the_stems_the_answering_layer_reads():
    chunk = Chunk(id="x:0", doc_id="x", title="Databases", kind="document", ordinal=0, start=0,
                  end=len(AWKWARD), text=AWKWARD)
    index = KeywordIndex.build([chunk])

    assert _vocabulary(index) == terms.stems(chunk.embed_text)
    question = "Why couldn't Gansu's databases talk to each other?"
    assert set(terms.content_terms(question)) <= _vocabulary(index)
    assert [chunk_id for chunk_id, _ in index.query(question, 1)] == ["x:0"]


def test_every_seed_chunk_is_indexed_under_the_stems_the_answering_layer_reads(seed_index):
    state = load_state(seed_index.index_dir)
    index = KeywordIndex.open(seed_index.index_dir, state)

    read = set().union(*(terms.stems(chunk.embed_text) for chunk in state.chunks))
    assert read == _vocabulary(index)
