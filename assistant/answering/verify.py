"""The last check before an answer leaves: every marker points at a passage that holds its claim.

For extractive answers a claim is supported when its quoted text (without a label
such as "Lead: " or a "(title)" note) occurs in the cited passage. For LLM answers,
which paraphrase, a marker must point at a passage the model was given (checked when
the answer is made). A marker that fails is removed and reported, and a citation no
marker uses any more is dropped.
"""

from __future__ import annotations

import re

from assistant.answering.models import Answer
from assistant.answering.reading import quoted

_MARKER = re.compile(r"\s?\[(\d+)\]")
_LABEL = re.compile(r"^(?:[A-Z][a-z]+(?: [a-z]+)?): ")


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", quoted(text)).strip().lower()


def _core(line: str, titles: list[str]) -> str:
    core = _MARKER.sub("", line).strip()
    core = re.sub(r"^[-*•]\s+", "", core)
    core = _LABEL.sub("", core)
    for title in titles:
        core = core.replace(f" ({title})", "")
    return core.strip().rstrip(".;,").strip()


def verify(answer: Answer) -> Answer:
    if answer.abstained or answer.mode == "llm":
        return answer
    passages = {c.number: _normal(c.text) for c in answer.citations}
    titles = sorted({c.title for c in answer.citations}, key=len, reverse=True)
    removed: list[int] = []
    lines = []
    for line in answer.text.splitlines():
        numbers = [int(n) for n in _MARKER.findall(line)]
        if numbers:
            core = _normal(_core(line, titles))
            bad = [n for n in numbers if n not in passages or core not in passages[n]]
            for number in bad:
                line = line.replace(f" [{number}]", "").replace(f"[{number}]", "")
            removed += bad
        lines.append(line)
    if not removed:
        return answer
    used = {int(n) for n in _MARKER.findall("\n".join(lines))}
    answer.text = "\n".join(lines)
    answer.citations = [c for c in answer.citations if c.number in used]
    answer.removed_citations = sorted(set(answer.removed_citations) | set(removed))
    answer.warnings.append(f"removed citation markers whose passage does not hold the claim: {sorted(set(removed))}")
    return answer
