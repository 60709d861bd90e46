"""Synthetic corpora for crash tests and benchmarks, built from the seed documents.

Each document mixes real seed sentences (so questions about the seed facts
still have right answers somewhere) with distractor sentences: new word
sequences drawn from a word-level Markov chain over the seed text, which look
like policy prose and share its vocabulary but state nothing true. That keeps
retrieval non-trivial as the corpus grows. Deterministic for a given seed.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from pathlib import Path

import yaml
from conftest import PROJECT

from assistant.documents.structure import split_sentences
from assistant.settings import Settings


def seed_sentences() -> list[str]:
    from assistant.documents.corpus import scan_corpus

    documents, _ = scan_corpus(Settings(root=PROJECT, corpus={"path": str(PROJECT / "corpus")}))
    sentences = []
    for document in documents:
        for span in split_sentences(document.text):
            text = " ".join(span.text.split())
            if len(text.split()) >= 6 and not text.startswith("#"):
                sentences.append(text)
    return sentences


class Distractors:
    """Second-order word Markov chain over the seed sentences."""

    def __init__(self, sentences: list[str], rng: random.Random):
        self.rng = rng
        self.chain: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.starts: list[tuple[str, str]] = []
        for sentence in sentences:
            words = sentence.split()
            self.starts.append((words[0], words[1]))
            for a, b, c in zip(words, words[1:], words[2:] + ["<end>"], strict=False):
                self.chain[(a, b)].append(c)

    def sentence(self, max_words: int = 40) -> str:
        a, b = self.rng.choice(self.starts)
        words = [a, b]
        while len(words) < max_words:
            following = self.chain.get((a, b))
            if not following:
                break
            c = self.rng.choice(following)
            if c == "<end>":
                break
            words.append(c)
            a, b = b, c
        text = " ".join(words)
        return text if re.search(r"[.!?]$", text) else text + "."


# Metadata given to synthetic documents in turn when a catalog is asked for, so that
# filtered retrieval (by kind, region or year) can be measured on large corpora.
CATALOG_KINDS = ("research abstract", "action plan", "policy notice", "news report on a policy notice")
CATALOG_REGIONS = ("Guangdong", "Fujian", "L County", "J Town", "Zhejiang")
CATALOG_YEARS = (2015, 2016, 2017, 2018, 2019, 2020, 2021)


def make_corpus(destination: Path, documents: int, words_per_document: int = 600, seed: int = 7,
                real_share: float = 0.3, catalog: bool = False) -> Path:
    """Write `documents` .txt files (with a heading each) into destination/corpus; returns that folder.

    With `catalog`, also a catalog.yaml giving each document an id, title, and a kind, region
    and year taken in turn from CATALOG_*, so a region filter keeps one document in five.
    The texts are the same either way."""
    rng = random.Random(seed)
    real = seed_sentences()
    distractors = Distractors(real, rng)
    folder = destination / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(documents):
        paragraphs, paragraph, words = [], [], 0
        while words < words_per_document:
            sentence = rng.choice(real) if rng.random() < real_share else distractors.sentence()
            paragraph.append(sentence)
            words += len(sentence.split())
            if len(paragraph) >= rng.randint(3, 6):
                paragraphs.append(" ".join(paragraph))
                paragraph = []
        if paragraph:
            paragraphs.append(" ".join(paragraph))
        text = f"# Synthetic policy report {number:05d}\n\n" + "\n\n".join(paragraphs) + "\n"
        (folder / f"synthetic-{number:05d}.txt").write_text(text, encoding="utf-8")
    if catalog:
        write_catalog(folder, documents)
    return folder


def write_catalog(folder: Path, documents: int) -> None:
    entries = [
        {
            "id": f"synthetic-{number:05d}",
            "file": f"synthetic-{number:05d}.txt",
            "title": f"Synthetic policy report {number:05d}",
            "kind": CATALOG_KINDS[number % len(CATALOG_KINDS)],
            "region": CATALOG_REGIONS[number % len(CATALOG_REGIONS)],
            "year": CATALOG_YEARS[number % len(CATALOG_YEARS)],
        }
        for number in range(documents)
    ]
    (folder / "catalog.yaml").write_text(yaml.safe_dump({"documents": entries}, sort_keys=False), encoding="utf-8")
