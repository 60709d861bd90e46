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
        refuse_aliases(text, path)
        data = yaml.load(text, Loader=_LOADER) or {}
        entries = [CatalogEntry(**item) for item in data.get("documents", [])]
    except (yaml.YAMLError, ValidationError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise CatalogError(f"{path}: {exc}") from None
    duplicates = sorted(i for i, n in Counter(entry.id for entry in entries).items() if n > 1)
    if duplicates:
        raise CatalogError(f"{path}: duplicate document ids {duplicates}")
    return {entry.file: entry for entry in entries}
