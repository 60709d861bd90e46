"""Content words of a question, stemmed the way the BM25 index stems them."""

from __future__ import annotations

import re
from functools import lru_cache

# Words that say what kind of answer is wanted rather than what it is about.
QUESTION_WORDS = frozenset(
    """
    what which who whom whose why how when where whether does do did is are was were be been being
    can could should would will shall may might must tell give list name show explain describe say says
    said according documents document paper papers study studies article plan notice text corpus source
    sources mention mentions mentioned main key kind kinds type types part parts thing things way ways
    find finds found finding findings identify identified problem problems issue issues reason reasons
    cause causes caused recommend recommends recommendation recommendations suggest suggests suggestion
    suggestions countermeasure countermeasures propose proposes proposed measure measures responsible
    responsibility responsibilities charge department departments body bodies agency agencies handle
    handles handled involve involved take takes also any all each both compare comparison differ
    different difference across between overview summary summarise summarize about please me us our
    there their them they it its this that these those the a an of in on for to and or by with from as
    at into than then so such other others more most much many some one two three four five six
    """.split()
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z0-9]+)*", text.lower())


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


def stems(text: str) -> set[str]:
    """Stems of every non-stopword in `text`."""
    stop = _stopwords()
    return {stem(w) for w in words(text) if w not in stop}


def content_terms(question: str) -> list[str]:
    """Stems of the words a question is about (no question words, no stopwords)."""
    stop = _stopwords()
    seen: list[str] = []
    for word in words(question):
        if word in stop or word in QUESTION_WORDS or len(word) < 2 and not word.isdigit():
            continue
        stemmed = stem(word)
        if stemmed not in seen:
            seen.append(stemmed)
    return seen


def overlap(terms: list[str] | set[str], text_stems: set[str]) -> float:
    """Share of `terms` found in `text_stems`."""
    return sum(1 for t in terms if t in text_stems) / len(terms) if terms else 0.0
