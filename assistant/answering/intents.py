"""What kind of answer a question wants, from the way analysts phrase them.

Ordered rules: the first family whose cue matches wins, and comparison is
checked first because "compare the problems ..." is a comparison first.
"""

from __future__ import annotations

import re

from assistant.answering.models import Intent

_CUES: list[tuple[Intent, str]] = [
    ("comparison", r"\bcompar|\bdiffer|\bcontrast|\bversus\b|\bvs\.?\b|\bboth\b|\bacross\b"
        r"|\beach (?:of the )?(?:study|studies|document|paper)|\bin common\b|\bside by side\b"
        r"|\b(?:which|what) (?:documents|studies|papers)\b|\bthe (?:three|two|five) (?:studies|documents|papers)\b"
        r"|\ball (?:three|the) (?:studies|documents)\b|\bsimilar"
        r"|\bwhich of the (?:documents|studies|papers)\b|\beach (?:say|says|propose|recommend|find)\b"
        r"|\bbetween (?:the )?[\w +-]+ (?:plan|study|notice|paper|document)s? and\b|\bevolv"),
    ("responsibility", r"\bwho\b"
        r"|\bwhich (?:department|bureau|agenc|bod|government|authorit|office|ministr|commission|organ)"
        r"|\bresponsib|\bin charge\b|\btake[s]? charge\b|\bcharged with\b|\blead(?:s|ing)? (?:on|the)\b"
        r"|\bdepartments?\b|\bbureaus?\b|\bagenc(?:y|ies) (?:handle|involved|responsible)"
        r"|\bhandles?\b|\bimplements? the\b.*\btask|\bassign|\binvolved\b|\baccountable\b"),
    ("cause", r"\bwhy\b|\breasons?\b|\bcause[sd]?\b|\broot\b|\bexplain(?:s|ation)?\b|\bbehind\b|\bdue to\b"
        r"|\bbecause\b|\baccount for\b|\bfactors?\b|\bdrives?\b|\battribut"),
    ("countermeasure", r"\brecommend|\bsuggest|\bcountermeasure|\bpropos|\badvi[cs]e|\bremed"
        r"|\b(?:what|how) should\b|\bshould (?:be done|they|it|we)\b"
        r"|\bhow (?:can|could|to|might|should)\b|\bwhat (?:can|could) be done\b|\bimprov(?:e|ing) (?:the )?implement"
        r"|\bsolutions?\b|\bmeasures?\b|\bfix\b|\baddress (?:them|these|the)\b|\bdoing about\b|\bwhat to do\b"
        r"|\bpolicy suggestions?\b|\boptimi[sz]"),
    ("finding", r"\bproblems?\b|\bfind(?:ing)?s?\b|\bfound\b|\bissues?\b|\bshortcoming|\bweakness|\bobstacle"
        r"|\bbarrier|\bdifficult|\bchalleng|\bwent wrong\b|\bheld back\b|\bhold(?:s|ing)? back\b|\bhinder"
        r"|\bfail|\bgaps?\b|\bdeficien|\bidentif|\bbottleneck|\bconstrain"),
    ("overview", r"\bwhat is (?:the )?(?:\w+ ){0,6}(?:study|paper|document|plan|notice|article) about\b"
        r"|\babout\?|\boverview\b|\bsummar|\bmain points?\b|\bgist\b|\bin brief\b|\bdescribe\b"
        r"|\bwhat does (?:the|this) (?:\w+ ){0,5}(?:study|paper|document|plan|notice|article) (?:cover|say|do)\b"
        r"|\btell me about\b|\bkey (?:points|messages)\b|\bpurpose\b|\bscope\b"),
]
_COMPILED = [(intent, re.compile(pattern, re.IGNORECASE)) for intent, pattern in _CUES]


def detect_intent(question: str) -> Intent:
    for intent, pattern in _COMPILED:
        if pattern.search(question):
            return intent
    return "fact"


def secondary_intent(question: str) -> Intent:
    """For a comparison: what is being compared (findings, countermeasures, ...)."""
    for intent, pattern in _COMPILED[1:]:
        if pattern.search(question):
            return intent
    return "overview"
