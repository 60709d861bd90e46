"""The analytical frameworks of frameworks.yaml: which one a study uses, and the words that
name or suggest each of its labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from assistant.documents import Document

FRAMEWORKS_FILE = Path(__file__).with_name("frameworks.yaml")
OWN = "own"
# Where a study names its framework: its title, abstract and design statements.
OPENING_CHARS = 6000


@dataclass(frozen=True)
class Label:
    name: str
    names: tuple[str, ...]  # how a document writes the label itself
    cues: re.Pattern[str] | None
    smith: str | None  # Smith's component, where the mapping is sound
    unmapped: bool  # frameworks.yaml says `smith: null`: no component is sound for this label
    describe: str
    kinds: tuple[str, ...]  # the kinds of item it applies to; empty: all


@dataclass(frozen=True)
class Framework:
    key: str
    title: str
    named_by: re.Pattern[str] | None
    labels: tuple[Label, ...]
    default: str
    label_is_component: bool

    def label(self, name: str) -> Label | None:
        return next((label for label in self.labels if label.name == name), None)

    def is_label_name(self, text: str) -> bool:
        """'the policy environment', 'Outer setting': the text is only a label's name."""
        bare = re.sub(r"^(?:and |or )?(?:the |its |their )?", "", " ".join(text.lower().split()).strip(" .,;"))
        return any(bare == name or bare == re.sub(r"^the ", "", name) for label in self.labels for name in label.names)

    def named_in(self, text: str) -> list[str]:
        """The labels a heading, prefix or lead-in names ("Outer setting", "4.3 Health workforce",
        "Barriers included"), in the order they are named. A name inside a longer name found
        ("environment" in "policy environment") does not count twice."""
        lowered = " ".join(text.lower().split())
        spans: list[tuple[int, int, str]] = []
        for label in self.labels:
            for name in label.names:
                for match in re.finditer(rf"(?<![\w-]){re.escape(name)}(?![\w-])", lowered):
                    spans.append((match.start(), match.end(), label.name))
        spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
        named: list[str] = []
        covered = -1
        for start, end, name in spans:
            if start >= covered:
                named.append(name)
                covered = end
            elif end <= covered:
                continue
        return list(dict.fromkeys(named))


@dataclass(frozen=True)
class Components:
    cues: dict[str, re.Pattern[str]]
    describe: dict[str, str]
    margin: float


@dataclass(frozen=True)
class Catalogue:
    frameworks: dict[str, Framework]  # in the order a study is checked against them
    own_labels: dict[str, str]
    components: Components
    chapter_kinds: dict[str, re.Pattern[str]]
    not_items: re.Pattern[str]


def _pattern(text: str | None) -> re.Pattern[str] | None:
    return re.compile(" ".join(text.split()), re.IGNORECASE) if text else None


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    data = yaml.safe_load(FRAMEWORKS_FILE.read_text(encoding="utf-8"))
    frameworks = {}
    for key, spec in data["frameworks"].items():
        labels = tuple(
            Label(
                name=name,
                names=tuple(n.lower() for n in (body.get("names") or [name])),
                cues=_pattern(body.get("cues")),
                smith=body.get("smith"),
                unmapped="smith" in body and body["smith"] is None,
                describe=body.get("describe") or name,
                kinds=tuple(body.get("kinds") or ()),
            )
            for name, body in (spec.get("labels") or {}).items()
        )
        frameworks[key] = Framework(
            key=key, title=spec["title"], named_by=_pattern(spec.get("named_by")), labels=labels,
            default=spec.get("default", ""), label_is_component=bool(spec.get("label_is_component")),
        )
    components = Components(
        cues={name: _pattern(body["cues"]) for name, body in data["components"].items()},
        describe={name: body["describe"] for name, body in data["components"].items()},
        margin=float(data.get("embedding_margin", 0.0)),
    )
    chapter_kinds = {kind: _pattern(pattern) for kind, pattern in data["chapter_kinds"].items()}
    not_items = re.compile(re.sub(r"\s*\n?\s*\|", "|", " ".join(data["not_items"].split())))
    return Catalogue(frameworks, dict(data["own_labels"]), components, chapter_kinds, not_items)


def framework_of(document: Document) -> Framework:
    """The framework a study names in its opening (the first listed in frameworks.yaml that it
    names), else its own terms."""
    frameworks = catalogue().frameworks
    opening = f"{document.title}\n{document.text[:OPENING_CHARS]}"
    for framework in frameworks.values():
        if framework.named_by is not None and framework.named_by.search(opening):
            return framework
    return frameworks[OWN]
