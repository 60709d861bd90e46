"""Issue 16 item 1: a question touching a large document costs what its retrieved passages cost,
not what the document's length costs, and the answering caches stay correct while they evict.

The report is written by tests/hostile_files.py (LARGE_REPORT_MB, default 1 MB, about 9,000
sentences); the 20 MB figures (time and memory of the first question) come from
tests/benchmarks/test_large_document.py. The embedder is the real one, wrapped only to count the
texts it is given.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hostile_files import write_large_report_txt
from ui_support import copy_seed

from assistant import Assistant
from assistant.answering.evidence import SentenceVectors
from assistant.documents.structure import split_sentences

pytestmark = pytest.mark.slow

MEGABYTES = float(os.environ.get("LARGE_REPORT_MB", "1"))
# Retrieved passages (top_k, role searches) and their neighbours hold a few hundred sentences at most.
MAX_SENTENCES_EMBEDDED = 400


class CountingEmbedder:
    """The real embedder; counts the passage texts it embeds."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.texts = 0

    def embed_passages(self, texts):
        self.texts += len(texts)
        return self.embedder.embed_passages(texts)

    def __getattr__(self, name):
        return getattr(self.embedder, name)


@pytest.fixture(scope="module")
def large(seed_index, embedder, tmp_path_factory):
    root = tmp_path_factory.mktemp("large")
    counting = CountingEmbedder(embedder)
    bot = Assistant(copy_seed(seed_index, root / "project"), embedder=counting)
    report = write_large_report_txt(root / "county-reform-evaluation.txt", MEGABYTES)
    added = bot.add_files([report]).added
    assert len(added) == 1, added
    return bot, counting, added[0]


def test_the_first_question_on_a_large_report_embeds_only_what_was_retrieved(large):
    bot, counting, doc_id = large
    sentences = len(split_sentences(bot.document_text(doc_id)))
    assert sentences > 10_000 * MEGABYTES / 2  # the report is really long

    counting.texts = 0
    answer = bot.ask("What is recommended for district 7?")
    assert not answer.abstained, answer.text
    assert doc_id in {c.doc_id for c in answer.citations}, answer.text
    # Its chapters all end with the same recommendation but for the district's number, which
    # retrieval does not tell apart: any of them is the document's answer.
    assert "It is recommended that district" in answer.text, answer.text
    for citation in answer.citations:
        assert bot.document_text(citation.doc_id)[citation.start:citation.end] == citation.text
    assert 0 < counting.texts <= MAX_SENTENCES_EMBEDDED, (counting.texts, sentences)

    # Another question on the same report: again bounded, and what was read before is not embedded again.
    first = counting.texts
    counting.texts = 0
    again = bot.ask("What is recommended for district 7?")
    assert again.text == answer.text and counting.texts == 0, counting.texts
    other = bot.ask("What did the medical insurance bureau do about the settlement of medical insurance claims?")
    assert not other.abstained and doc_id in {c.doc_id for c in other.citations}, other.text
    assert counting.texts <= MAX_SENTENCES_EMBEDDED, (counting.texts, first)


def test_sentence_vectors_stay_correct_while_the_cache_evicts(embedder):
    """A cache smaller than one call's texts: every text still gets its own vector (the old cache
    evicted entries it was still reading and ended in KeyError)."""
    vectors = SentenceVectors(embedder, size=4)
    texts = [f"Township health centre {n} reported {n * 3} remote consultations." for n in range(12)]
    texts += texts[:3]  # repeated texts in the same call
    got = vectors(texts)
    expected = np.asarray(embedder.embed_passages(texts), dtype=np.float32)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    assert got.shape == expected.shape
    assert np.allclose(got, expected, atol=1e-5)
    assert len(vectors) <= 4
    assert np.allclose(vectors(texts[5:9]), expected[5:9], atol=1e-5)  # after eviction, still right
