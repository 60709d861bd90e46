"""Words as the package reads them: one tokenizer, stopword list and stemmer, shared by the
keyword index (BM25) and the answering layer's term matching, so a term a question is checked
for is a term the index was searched with, and the two cannot drift apart."""

from __future__ import annotations

import re
from functools import lru_cache

# Runs of two or more letters or digits, in any script: bm25s's own default pattern, which
# the keyword indexes already on disk were built with.
WORD = re.compile(r"(?u)\b\w\w+\b")


@lru_cache(maxsize=1)
def stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def words(text: str) -> list[str]:
    """The words of `text`, lower-cased, in order."""
    return WORD.findall(text.lower())


def stem(word: str) -> str:
    return stemmer().stemWord(word)


def terms_of_many(texts: list[str]) -> list[list[str]]:
    """Each text's stemmed non-stopwords, in order: what BM25 indexes and searches for.
    Each distinct word is stemmed once across all the texts (as bm25s does)."""
    stop = stopwords()
    split = [[word for word in words(text) if word not in stop] for text in texts]
    distinct = list({word for text_words in split for word in text_words})
    stemmed = dict(zip(distinct, stemmer().stemWords(distinct), strict=True))
    return [[stemmed[word] for word in text_words] for text_words in split]


def terms(text: str) -> list[str]:
    return terms_of_many([text])[0]


def stems(text: str) -> set[str]:
    """The distinct stems of every non-stopword in `text`."""
    return set(terms(text))
