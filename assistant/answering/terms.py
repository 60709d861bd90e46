"""Content words of a question, stemmed the way the BM25 index stems them."""

from __future__ import annotations

from functools import lru_cache

from assistant.indexing import words as shared_words

# Words that say what kind of answer is wanted rather than what it is about.
QUESTION_WORDS = frozenset(
    """
    what which who whom whose why how when where whether does do did is are was were be been being has have had
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
    author authors researcher researchers writer writers
    out off up away
    """.split()  # the last line: particles of phrasal verbs ("left out", "set up"), no topic of their own
)


# The tokenizer, stopwords and stemmer are the keyword index's own (one module for both).
_stemmer = shared_words.stemmer
_stopwords = shared_words.stopwords


# Words analysts use to frame a question rather than to name its topic. An
# unknown framing word says nothing about whether the corpus covers the question.
FRAMING_WORDS = frozenset(_stemmer().stemWord(w) for w in """
    step steps set sets setting make makes made push pushes draw draws lesson lessons brief briefly fare
    faring describe describes described contrast contrasts cope coping gather gathers evidence root
    behind approach approaches side sides aim aims paint picture similar similarly common rely relies
    apply applies applied argue argues particular particularly span spans run runs date dates release
    released expect expected deliver delivers assign assigned oversee oversees want wants go goes got
    right far move moved ambition enable enabled turn turned uncover uncovered cite cites gain gains
    treat treats case cases account accounts under meant fix fixes come comes last concrete headline
    strand strands hook earlier question questions dedicated overall specific general generally
    short shortfall shortfalls fall falls falling better worse well poorly practice practise work works
    working carry carries carried implement implements implemented weakness weaknesses shortcoming
    shortcomings obstacle obstacles challenge challenges difficulty difficulties failing failings flaw
    flaws deficiency deficiencies drawback drawbacks limitation limitations suggestion advice proposal
    proposals remedy remedies solution solutions explanation explanations driver drivers end ends
    really actually exactly currently today now still yet already mainly chiefly broadly roughly
    look looks see sees seen think thinks view views point points put puts place places
    """.split())

@lru_cache(maxsize=1)
def _question_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in QUESTION_WORDS)


words = shared_words.words
stem = shared_words.stem
stems = shared_words.stems


def content_terms(question: str) -> list[str]:
    """Stems of the words a question is about (no question words, no stopwords)."""
    stop = _stopwords()
    seen: list[str] = []
    for word in words(question):
        if word in stop or word in QUESTION_WORDS or len(word) < 2 and not word.isdigit():
            continue
        if stem(word) in _question_stems():  # "recommended", "identifies": forms of question words
            continue
        stemmed = stem(word)
        if stemmed not in seen:
            seen.append(stemmed)
    return seen


def overlap(terms: list[str] | set[str], text_stems: set[str]) -> float:
    """Share of `terms` found in `text_stems`."""
    return sum(1 for t in terms if t in text_stems) / len(terms) if terms else 0.0


def topic_terms(question: str) -> list[str]:
    """Content terms without the framing words: what the question is about."""
    return [t for t in content_terms(question) if t not in FRAMING_WORDS]
