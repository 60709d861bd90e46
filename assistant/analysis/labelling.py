"""Labels for a study's items: the label in the study's own framework, and Smith's component
where it can be derived soundly.

The label, in order of evidence:
1. text: the document names it where the item stands (a heading, a "Outer setting:" prefix,
   a lead-in such as "Barriers included");
2. similar: a cause or recommendation the text leaves unlabelled takes the label of the
   finding it answers, the labelled item most like it, when one is clearly alike;
3. cue: the framework's own words for one label (frameworks.yaml), one label ahead of the rest;
4. kind: an outcome figure takes the framework's default ("result"); a study in its own terms
   labels by what an item is (result, problem, cause, recommendation);
5. embedding: the label whose description is nearest.
Smith's component comes from the label where frameworks.yaml maps it; otherwise from the
component cues, then the nearest component description when it is clearly nearest; an outcome
figure has none. The study's order is never assumed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from assistant.analysis.extraction import Candidate
from assistant.analysis.frameworks import OWN, Framework, catalogue
from assistant.analysis.models import COMPONENTS

Similarity = Callable[[list[str], list[str]], np.ndarray]  # texts x descriptions -> cosine similarities
SIMILAR_MIN = 0.5  # how alike a recommendation and a labelled finding must be to share its label
_FIGURE = re.compile(r"\d")


@dataclass
class Labelled:
    candidate: Candidate
    label: str = ""
    component: str | None = None
    labelled_by: str = ""
    cues: list[str] = field(default_factory=list)
    among: list[str] = field(default_factory=list)  # the labels its heading names, when several


def _applies(framework: Framework, name: str, kind: str) -> bool:
    label = framework.label(name)
    return label is not None and (not label.kinds or kind in label.kinds)


def _is_outcome(candidate: Candidate) -> bool:
    """A finding that reports a result (a figure, nothing wrong): what the policy achieved."""
    return candidate.kind == "finding" and not candidate.problem and bool(_FIGURE.search(candidate.text))


STRONG_CUES = 2  # cue words of one label an item needs to outweigh the label of its heading


def _cues(patterns: dict[str, re.Pattern[str] | None], text: str) -> tuple[str | None, int, list[str]]:
    """The label whose cue words the text holds most often (None on a tie), how many it holds,
    and the cue words found."""
    counts: dict[str, int] = {}
    found: list[str] = []
    for name, pattern in patterns.items():
        hits = [m.group(0) for m in pattern.finditer(text)] if pattern is not None else []
        if hits:
            counts[name] = len(hits)
            found += hits
    if not counts:
        return None, 0, []
    best = max(counts.values())
    leaders = [name for name, count in counts.items() if count == best]
    return (leaders[0] if len(leaders) == 1 else None), best, list(dict.fromkeys(found))


def label_items(framework: Framework, candidates: list[Candidate], similarity: Similarity) -> list[Labelled]:
    items = [Labelled(c) for c in candidates]
    catalog = catalogue()
    label_names = [label.name for label in framework.labels]
    # 1. text: the item's own prefix or lead-in first, then its heading. A heading is weaker
    # evidence than the item's own words: when they point clearly to another label, they win.
    # A heading naming several labels ("5.1 Service delivery and health workforce") narrows the
    # choice to them.
    patterns = {label.name: label.cues for label in framework.labels}
    for item in items:
        kind = item.candidate.kind
        near = [n for n in framework.named_in(item.candidate.near) if _applies(framework, n, kind)]
        if not near and framework.label_is_component:
            near = framework.named_in(item.candidate.text)[:1]  # "low participation of the target groups"
        if near:
            item.label, item.labelled_by = near[-1], "text"
            continue
        section = item.candidate.heading.split(" > ")[-1]
        heading = [n for n in framework.named_in(section) if _applies(framework, n, kind)]
        if not heading:
            continue
        winner, strength, _ = _cues({n: p for n, p in patterns.items() if _applies(framework, n, kind)},
                                    item.candidate.text)
        if len(heading) == 1 and not (winner and winner != heading[0] and strength >= STRONG_CUES):
            item.label, item.labelled_by = heading[0], "text"
        elif winner and (winner in heading or strength >= STRONG_CUES):
            item.label, item.labelled_by = winner, "cue"
        else:
            item.among = heading
    # 2. similar: causes and recommendations answering labelled findings
    anchors = [i for i in items if i.labelled_by == "text"]
    pending = [i for i in items if not i.label and i.candidate.kind != "finding" and not i.among]
    if pending and len({a.label for a in anchors}) >= 2:
        sims = similarity([i.candidate.text for i in pending], [a.candidate.text for a in anchors])
        for row, item in enumerate(pending):
            best = int(np.argmax(sims[row]))
            if sims[row][best] >= SIMILAR_MIN and _applies(framework, anchors[best].label, item.candidate.kind):
                item.label, item.labelled_by = anchors[best].label, "similar"
    # 3. cue, 4. kind
    for item in (i for i in items if not i.label and not framework.label_is_component and not i.among):
        kind = item.candidate.kind
        if framework.key == OWN or not label_names:
            own = "problem" if kind == "finding" and item.candidate.problem else kind
            item.label, item.labelled_by = catalog.own_labels[own], "kind"
            continue
        winner, _, item.cues = _cues({n: p for n, p in patterns.items() if _applies(framework, n, kind)},
                                     item.candidate.text)
        if winner:
            item.label, item.labelled_by = winner, "cue"
        elif _is_outcome(item.candidate) and framework.default:
            item.label, item.labelled_by = framework.default, "kind"
        elif not any(label.cues for label in framework.labels):
            # a framework of finding labels only (barriers / facilitators): the rest in own terms
            own = "problem" if kind == "finding" and item.candidate.problem else kind
            item.label, item.labelled_by = catalog.own_labels[own], "kind"
    # 5. embedding
    rest = [i for i in items if not i.label and not framework.label_is_component]
    if rest:
        labels = framework.labels
        sims = similarity([i.candidate.text for i in rest], [label.describe for label in labels])
        for row, item in enumerate(rest):
            allowed = [k for k, label in enumerate(labels) if _applies(framework, label.name, item.candidate.kind)]
            if item.among:
                allowed = [k for k in allowed if labels[k].name in item.among] or allowed
            best = max(allowed, key=lambda k: sims[row][k])
            item.label, item.labelled_by = labels[best].name, "embedding"
    _components(framework, items, similarity)
    return items


def _components(framework: Framework, items: list[Labelled], similarity: Similarity) -> None:
    components = catalogue().components
    open_items = []
    for item in items:
        label = framework.label(item.label)
        if framework.label_is_component:
            item.component = item.label if item.label in COMPONENTS else None
            if item.component is None:
                open_items.append(item)
        elif label is not None and label.smith:
            item.component = label.smith
        elif label is not None and label.unmapped:
            item.component = None
        elif _is_outcome(item.candidate) or (item.candidate.kind == "finding" and not item.candidate.problem
                                              and framework.key == OWN):
            item.component = None  # a result of the policy, not one of its components
        else:
            open_items.append(item)
    undecided = []
    for item in open_items:
        winner, _, found = _cues(components.cues, item.candidate.text)
        if winner:
            item.component = winner
            item.cues = list(dict.fromkeys(item.cues + found))
            if framework.label_is_component:
                item.label, item.labelled_by = winner, "cue"
        else:
            undecided.append(item)
    if not undecided:
        return
    sims = similarity([i.candidate.text for i in undecided], [components.describe[c] for c in COMPONENTS])
    for row, item in enumerate(undecided):
        order = np.argsort(-sims[row])
        clear = sims[row][order[0]] - sims[row][order[1]] >= components.margin
        if clear or framework.label_is_component:
            item.component = COMPONENTS[int(order[0])]
            if framework.label_is_component:
                item.label, item.labelled_by = item.component, "embedding"
