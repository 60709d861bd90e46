"""Headings and sentences of cleaned documents, and chunks sized for the embedding model."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from assistant.documents import Document, scan_corpus
from assistant.documents.structure import find_headings, heading_level, section_path, split_sentences
from assistant.indexing.chunking import MODEL_LIMIT, chunk_document

SEED_CORPUS = Path(__file__).resolve().parents[1] / "corpus"
PLAN = "gd-internet-plus-action-plan"


@pytest.fixture(scope="module")
def seed_documents(tmp_path_factory) -> dict[str, Document]:
    from assistant.settings import Settings

    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(tmp_path_factory.mktemp("structure"))
        for name in [n for n in os.environ if n.startswith("ASSISTANT_")]:
            mp.delenv(name)
        settings = Settings(root=Path.cwd(), corpus={"path": str(SEED_CORPUS)})
    documents, errors = scan_corpus(settings)
    assert errors == []
    return {d.doc_id: d for d in documents}


@pytest.fixture(scope="module")
def plan(seed_documents) -> Document:
    return seed_documents[PLAN]


def chunks_of(document: Document, embedder, max_tokens: int = 200, overlap_tokens: int = 40):
    return chunk_document(document, embedder.tokenizer, max_tokens, overlap_tokens)


def synthetic(text: str, title: str = "Synthetic report") -> Document:
    return Document(doc_id="synthetic", title=title, kind="test", source="synthetic.txt", text=text,
                    content_hash="0123456789" * 6 + "abcd")


# -- structure -----------------------------------------------------------------------


def test_action_plan_headings(plan):
    headings = find_headings(plan.text)
    assert [(h.level, h.title) for h in headings] == [
        (1, '1. "Internet + Medical"'),
        (1, '2. Guangdong "Internet +" Action Plan'),
        (3, "Internet + technology research and development"),
        (3, "Internet + Medical"),
        (3, "Internet + Social Security"),
        (1, "3. Impact meaning"),
    ]
    for heading in headings:  # offsets point at the heading line itself
        assert plan.text[heading.start : heading.end].rstrip(":") == heading.title


def test_section_path_nests_sub_headings_under_their_part(plan):
    headings = find_headings(plan.text)
    assert section_path(headings, plan.text.index("Local Taxation Bureau")) == (
        '2. Guangdong "Internet +" Action Plan > Internet + Social Security'
    )
    assert section_path(headings, plan.text.index("As a place where China")) == "3. Impact meaning"
    assert section_path(headings, 0) == ""


@pytest.mark.parametrize(
    ("line", "level"),
    [
        ("# Title", 1),
        ("### Deep heading", 3),
        ("2. Guangdong action plan", 1),
        ("2.3 Remote diagnosis", 2),
        ("(4) Payment reform", 1),
        ("Internet + Social Security:", 3),
        ("2. The province will build a platform.", None),  # a numbered sentence, not a heading
        ("Patients pay online and claim at once", None),
        ("A very long line " + "with many words " * 10, None),
    ],
)
def test_heading_level(line, level):
    assert heading_level(line) == level


def test_sentences_are_spans_of_the_text_and_headings_stay_whole(plan):
    sentences = split_sentences(plan.text)
    for sentence in sentences:
        assert plan.text[sentence.start : sentence.end] == sentence.text
        assert "\n" not in sentence.text  # a sentence never spans two lines
    texts = [s.text for s in sentences]
    assert "Internet + Social Security:" in texts
    assert '2. Guangdong "Internet +" Action Plan' in texts
    assert "These two realities require medical treatment to be redistributed in an efficient and reasonable " \
           "manner." in texts
    assert [s.start for s in sentences] == sorted(s.start for s in sentences)


# -- chunking the real corpus -------------------------------------------------------------


def test_every_chunk_is_a_verbatim_slice_within_the_model_limit(seed_documents, embedder):
    for document in seed_documents.values():
        chunks = chunks_of(document, embedder)
        assert chunks
        for ordinal, chunk in enumerate(chunks):
            assert chunk.text == document.text[chunk.start : chunk.end]
            assert chunk.text == chunk.text.strip() and chunk.text
            assert embedder.count_tokens(chunk.embed_text) <= MODEL_LIMIT
            assert embedder.count_tokens(chunk.text) <= 200
            assert (chunk.doc_id, chunk.title, chunk.kind) == (document.doc_id, document.title, document.kind)
            assert (chunk.region, chunk.year) == (document.region, document.year)
            assert chunk.ordinal == ordinal
            assert chunk.id.startswith(f"{document.doc_id}:") and chunk.id.endswith(f":{ordinal:04d}")
            assert chunk.embed_text.startswith(document.title + "\n")
            assert chunk.embed_text.endswith("\n" + chunk.text)


def test_chunks_cover_the_document_and_overlap_or_abut_within_a_section(seed_documents, embedder):
    overlaps = 0
    for document in seed_documents.values():
        chunks = chunks_of(document, embedder)
        covered = [False] * len(document.text)
        for chunk in chunks:
            covered[chunk.start : chunk.end] = [True] * (chunk.end - chunk.start)
        missing = [i for i, ch in enumerate(document.text) if not ch.isspace() and not covered[i]]
        assert missing == [], (document.doc_id, document.text[missing[0] : missing[0] + 40])

        for previous, chunk in zip(chunks, chunks[1:], strict=False):
            assert chunk.start > previous.start and chunk.end > previous.end
            if chunk.section == previous.section:
                gap = document.text[previous.end : chunk.start]
                assert chunk.start <= previous.end or gap.strip() == "", (previous.id, chunk.id, gap)
                overlaps += chunk.start < previous.end
    assert overlaps >= 1  # the 40-token overlap is really carried somewhere in the corpus


def test_a_chunk_never_crosses_a_heading(seed_documents, embedder):
    for document in seed_documents.values():
        headings = find_headings(document.text)
        for chunk in chunks_of(document, embedder):
            assert section_path(headings, chunk.start) == chunk.section
            assert section_path(headings, chunk.end - 1) == chunk.section
            if chunk.section:
                assert f"{chunk.title}\n{chunk.section}\n" in chunk.embed_text


def test_local_taxation_bureau_chunk_sits_under_internet_plus_social_security(plan, embedder):
    matching = [chunk for chunk in chunks_of(plan, embedder) if "Local Taxation Bureau" in chunk.text]
    assert matching
    for chunk in matching:
        assert chunk.section.endswith("Internet + Social Security")
        assert chunk.section.startswith('2. Guangdong "Internet +" Action Plan')
        assert chunk.doc_id == PLAN and chunk.title == plan.title
        assert "medical insurance settlement service management platform" in chunk.text


def test_smaller_max_tokens_gives_more_smaller_chunks(plan, embedder):
    default = chunks_of(plan, embedder)
    small = chunks_of(plan, embedder, max_tokens=64, overlap_tokens=8)
    assert len(small) > len(default)
    assert all(embedder.count_tokens(chunk.text) <= 64 for chunk in small)


def test_chunk_ids_are_unique_stable_and_change_with_text_or_chunking(plan, embedder):
    ids = [chunk.id for chunk in chunks_of(plan, embedder)]
    assert len(set(ids)) == len(ids)
    assert [chunk.id for chunk in chunks_of(plan, embedder)] == ids  # same input, same ids
    other_chunking = {chunk.id for chunk in chunks_of(plan, embedder, max_tokens=100, overlap_tokens=20)}
    assert other_chunking.isdisjoint(ids)
    edited = plan.model_copy(update={"content_hash": "f" * 64})
    assert {chunk.id for chunk in chunks_of(edited, embedder)}.isdisjoint(ids)


# -- over-long sentences ---------------------------------------------------------------------


def test_one_2000_word_sentence_is_chunked_within_the_limit_and_covers_every_word(embedder):
    vocabulary = ["clinic", "hospital", "payment", "triage", "village", "county", "insurance", "record"]
    rng = random.Random(11)
    words = [rng.choice(vocabulary) + str(i) for i in range(2000)]  # one sentence, no punctuation
    document = synthetic(" ".join(words))

    chunks = chunks_of(document, embedder)

    assert len(chunks) > 5
    seen: list[str] = []
    for chunk in chunks:
        assert chunk.text == document.text[chunk.start : chunk.end]
        assert embedder.count_tokens(chunk.embed_text) <= MODEL_LIMIT
        assert not chunk.text.startswith(" ") and not chunk.text.endswith(" ")
        chunk_words = chunk.text.split()
        assert set(chunk_words) <= set(words)  # never cut inside a word
        seen += chunk_words
    assert set(seen) == set(words)
    assert " ".join(dict.fromkeys(seen)) == document.text  # every word, in order, nothing else


def test_long_sentence_of_multi_piece_words_stays_within_the_model_limit(embedder):
    rng = random.Random(1)
    consonants = "bcdfghjklmnpqrstvwxz"
    words = ["".join(rng.choice(consonants) for _ in range(rng.randint(4, 12))) for _ in range(2000)]
    title = (
        "Implementation of Guangdong's Internet medical policy: a study based on Smith's policy "
        "implementation process model"
    )
    document = synthetic(" ".join(words), title=title)

    chunks = chunks_of(document, embedder, max_tokens=254, overlap_tokens=40)  # a valid setting

    assert max(embedder.count_tokens(chunk.embed_text) for chunk in chunks) <= MODEL_LIMIT


def test_a_parenthesis_broken_over_lines_is_one_sentence_at_its_own_offsets():
    text = ("Renew the village workforce.\n(Responsible: Provincial Health Commission;\n"
            "Provincial Department of Education)\nA line with an unclosed ( bracket.\nThe next line.")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Renew the village workforce.",
        "(Responsible: Provincial Health Commission;\nProvincial Department of Education)",
        "A line with an unclosed ( bracket.",
        "The next line.",
    ]
    assert all(text[s.start:s.end] == s.text for s in sentences)


def test_a_report_chapter_is_a_top_level_heading_and_a_broken_bracket_is_not_a_heading():
    assert heading_level("Chapter 5 Causes of the remaining problems") == 1
    assert heading_level("Part II Key tasks") == 1
    assert heading_level("5.1 Service delivery and health workforce") == 2
    assert heading_level("(Responsible:") is None
    assert heading_level("Chapter 5 explains why the problems remained.") is None
    text = "Chapter 4 Findings\n4.7 Summary of the main problems\nSix problems remain."
    headings = find_headings(text)
    assert section_path(headings, text.index("Six")) == "Chapter 4 Findings > 4.7 Summary of the main problems"
