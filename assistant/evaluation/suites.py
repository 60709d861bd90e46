"""Which question sets run on which corpus.

Two corpora are measured:
- the seeds: `evals/*.yaml`, asked of the project's own corpus and index;
- the field corpus: `evals/field/dev.yaml` and `evals/field/test.yaml`, asked of a corpus
  built from the documents in `evals/field/docs/` with the seed documents beside them as
  distractors, indexed on its own under `<index>/field/` so `corpus/` and `index/` are
  untouched. Rules are tuned on the dev half only; the test half is only reported.

Each set is reported and gated as its own suite, so a change that helps the seeds and
hurts the field (or the other way round) shows.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from assistant.evaluation.cases import QuestionSetError, find_sets
from assistant.settings import Settings

FIELD = "field"
FIELD_HALVES = ("dev", "test")


@dataclass(frozen=True)
class Suite:
    name: str  # "seeds", "field-dev", "field-test"
    sets: tuple[Path, ...]
    corpus: str  # "seeds" | "field": suites of one corpus share an index


def field_dir(evals_dir: Path) -> Path:
    return evals_dir / FIELD


def find_suites(evals_dir: Path, names: list[str] | None = None) -> list[Suite]:
    """Every suite, or those named: a suite name ('seeds', 'field', 'field-dev', 'field-test') or a
    set name or path (it runs on the corpus its folder belongs to)."""
    field = field_dir(evals_dir)
    halves = {f"{FIELD}-{half}": field / f"{half}.yaml" for half in FIELD_HALVES}
    available = {name: path for name, path in halves.items() if path.exists()}
    if not names:
        suites = []
        seed_sets = find_sets(evals_dir)
        if seed_sets:
            suites.append(Suite("seeds", tuple(seed_sets), "seeds"))
        suites += [Suite(name, (path,), FIELD) for name, path in available.items()]
        return suites
    suites, seed_sets = [], []
    for name in names:
        if name == "seeds":
            suites.append(Suite("seeds", tuple(find_sets(evals_dir)), "seeds"))
        elif name == FIELD:
            if not available:
                raise QuestionSetError(f"no field question sets in {field} (dev.yaml, test.yaml)")
            suites += [Suite(n, (p,), FIELD) for n, p in available.items()]
        elif name in halves:
            if name not in available:
                raise QuestionSetError(f"no question set {halves[name]}")
            suites.append(Suite(name, (halves[name],), FIELD))
        else:
            path = find_sets(evals_dir, [name])[0]
            if path.resolve().parent == field.resolve():
                suites.append(Suite(f"{FIELD}-{path.stem}", (path,), FIELD))
            else:
                seed_sets.append(path)
    if seed_sets:
        suites.insert(0, Suite("seeds", tuple(seed_sets), "seeds"))
    return suites


def field_settings(settings: Settings) -> Settings:
    """Settings for the field corpus: its own corpus folder (the seeds and the field documents,
    copied side by side), its own index and data folder, and its own Chroma collection."""
    base = settings.index_dir / FIELD
    return settings.model_copy(update={
        "corpus": settings.corpus.model_copy(update={"path": base / "corpus"}),
        "index": settings.index.model_copy(update={
            "path": base / "index", "collection": f"{settings.index.collection}_{FIELD}",
        }),
        "ui": settings.ui.model_copy(update={"data_dir": base / "data"}),
    })


def build_field_corpus(settings: Settings, field_settings_: Settings) -> list[str]:
    """Copy the seed corpus and every field document into the field corpus folder (flat: a
    document's id is its file name's stem, as a user's own files get). Unchanged files are left
    alone so the next ingest embeds nothing; files no longer there are removed. Returns the
    field document ids."""
    target = field_settings_.corpus_dir
    target.mkdir(parents=True, exist_ok=True)
    wanted: dict[str, Path] = {}
    if settings.corpus_dir.is_dir():
        for path in sorted(settings.corpus_dir.iterdir()):
            if path.is_file() and not path.name.startswith("."):
                wanted[path.name] = path
    docs = field_dir(settings.root / "evals") / "docs"
    field_ids = []
    for path in sorted(docs.rglob("*")) if docs.is_dir() else []:
        if not path.is_file() or path.name.startswith(".") or path.suffix.lower() not in (
            ".txt", ".md", ".html", ".htm", ".pdf", ".docx"
        ):
            continue
        if path.name in wanted:
            raise QuestionSetError(f"field document {path} has the same file name as {wanted[path.name]}")
        wanted[path.name] = path
        field_ids.append(path.stem)
    for existing in target.iterdir():
        if existing.is_file() and existing.name not in wanted:
            existing.unlink()
    for name, source in wanted.items():
        copy = target / name
        if not (copy.exists() and copy.read_bytes() == source.read_bytes()):
            shutil.copyfile(source, copy)
    return field_ids


def split_of(evals_dir: Path) -> dict[str, str]:
    """Document id -> 'dev' or 'test', from the folder each field document sits in."""
    docs = field_dir(evals_dir) / "docs"
    return {
        path.stem: half
        for half in FIELD_HALVES
        for path in sorted((docs / half).glob("*")) if path.is_file()
    }
