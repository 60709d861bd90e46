"""What a typed question becomes before anything reads it.

A question can come from a terminal (control characters, pasted colour codes,
bytes that were not UTF-8 and arrive as lone surrogates), from a web form or
from another program. Everything downstream (the tokenizer above all) expects
plain text, so the question is cleaned here once, for the library, the CLI and
the UI alike, and one that has nothing left to ask is refused with a reason.
"""

from __future__ import annotations

import re

from assistant.errors import InvalidRequest

# C0 and C1 control characters except the whitespace ones `str.split` handles, and lone
# surrogates (undecodable bytes from a terminal): the embedding tokenizer rejects the latter.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# Terminal escape sequences (colours, cursor moves), which a pasted question can carry.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean_question(question: str, max_chars: int | None = None) -> tuple[str, list[str]]:
    """The question without control characters, cut to `max_chars`; raises InvalidRequest (a ValueError) if empty."""
    if not isinstance(question, str):
        raise InvalidRequest(f"the question must be text, not {type(question).__name__}")
    warnings = []
    text = " ".join(_CONTROL.sub(" ", _ANSI.sub(" ", question)).split())
    if not re.search(r"\w", text):
        raise InvalidRequest("the question is empty (or only punctuation): please type a question")
    if max_chars is not None and len(text) > max_chars:
        text = text[:max_chars].rsplit(" ", 1)[0]
        warnings.append(f"the question was cut to its first {len(text)} characters (limit {max_chars})")
    return text, warnings
