"""corpus/catalog.yaml: stable ids and metadata for the documents in corpus/.

Files the catalog does not list still ingest, with metadata derived from the
file (assistant/documents/describe.py), so dropping a file into corpus/ is enough.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from assistant.errors import AssistantError
from assistant.files import atomic_write


class CatalogEntry(BaseModel):
    id: str
    file: str
    title: str
    kind: str = "document"
    region: str | None = None
    year: int | None = None


class CatalogError(AssistantError, ValueError):
    """catalog.yaml exists but cannot be used; the message says where."""


# libyaml's loader where PyYAML has it: on a 10,000-document catalog it takes 0.9 s, the
# pure-Python one 4.2 s.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def refuse_aliases(text: str, path: Path) -> None:
    """A catalog never needs YAML anchors and aliases (`&a`, `*a`), and nested aliases expand
    exponentially: a 393-byte "billion laughs" catalog took 5.4 GB and 43 s once anything walked
    the expanded values. Parsing only the event stream finds them without expanding anything."""
    if "*" not in text:  # an alias is always written with '*'
        return
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            line = event.start_mark.line + 1 if event.start_mark else "?"
            raise CatalogError(
                f"{path}: line {line} uses a YAML alias (*{event.anchor}); a catalog does not need "
                "anchors or aliases (&name, *name), write each value out instead"
            )


def load_catalog(path: Path) -> dict[str, CatalogEntry]:
    """Entries keyed by file name relative to the corpus folder."""
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    return parse_catalog(text, path)


def parse_catalog(text: str, path: Path) -> dict[str, CatalogEntry]:
    """The entries of catalog text read from (or about to be written to) `path`."""
    try:
        refuse_aliases(text, path)
        data = yaml.load(text, Loader=_LOADER) or {}
        entries = [CatalogEntry(**item) for item in data.get("documents", [])]
    except (yaml.YAMLError, ValidationError, TypeError, AttributeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    duplicates = sorted(i for i, n in Counter(entry.id for entry in entries).items() if n > 1)
    if duplicates:
        raise CatalogError(f"{path}: duplicate document ids {duplicates}")
    return {entry.file: entry for entry in entries}


def _round_trip_yaml():
    """A ruamel.yaml round-trip reader/writer in the catalog's own layout ("  - id: …"), so that
    writing an entry back keeps the user's comments, order, quoting and blank lines."""
    from ruamel.yaml import YAML

    handler = YAML()
    handler.preserve_quotes = True
    handler.indent(mapping=2, sequence=4, offset=2)
    handler.width = 4096  # never fold a long title
    handler.representer.add_representer(
        type(None), lambda representer, _: representer.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return handler


def save_entry(path: Path, entry: CatalogEntry) -> None:
    """Write `entry` into the catalog at `path` (replacing the entry of the same file, or added at
    the end), keeping everything else in the file as it was; the file is created if missing."""
    import io

    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    load_catalog(path)  # refuse a damaged catalog (or one with aliases) before touching it
    handler = _round_trip_yaml()
    data = handler.load(path.read_text(encoding="utf-8")) if path.is_file() else None
    if not isinstance(data, dict):
        data = CommentedMap()
    if not isinstance(data.get("documents"), list):
        data["documents"] = CommentedSeq()
    values = entry.model_dump()
    existing = next((item for item in data["documents"] if item.get("file") == entry.file), None)
    if existing is None:
        data["documents"].append(CommentedMap(values))
    else:
        existing.update(values)
    out = io.StringIO()
    handler.dump(data, out)
    parse_catalog(out.getvalue(), path)  # what is written must load
    atomic_write(path, out.getvalue())

