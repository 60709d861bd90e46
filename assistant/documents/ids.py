"""Document ids: unique, stable, readable, for any file name.

An id is the file's path without its extension, lower-cased, with every run of characters other
than letters and digits (of any script: `政策.txt` is `政策`) made one hyphen. Where that would
give two files the same id (`x.txt` and `x.md`; `a b.txt` and `a-b.txt`), or a file the id the
catalog or an upload already holds, those files' ids add their extension, and if that is not
enough, a short hash of their path. The catalog's ids and an upload's id (recorded when it was
uploaded) never change, so citations and eval cases that name them stay valid.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from pathlib import PurePosixPath

MAX_ID_CHARS = 80


def slugify(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return re.sub(r"[\W_]+", "-", text).strip("-")[:MAX_ID_CHARS].strip("-") or "document"


def base_id(source: str) -> str:
    """The plain id of a file: its path without the extension, slugified."""
    return slugify(str(PurePosixPath(source).with_suffix("")))


def _with_extension(source: str) -> str:
    suffix = PurePosixPath(source).suffix.lstrip(".")
    base = base_id(source)
    return f"{base}-{slugify(suffix)}" if suffix else base


def _with_hash(source: str) -> str:
    return f"{_with_extension(source)}-{hashlib.sha256(source.encode()).hexdigest()[:6]}"


def assign_ids(sources: list[str], fixed: dict[str, str]) -> dict[str, str]:
    """source -> id for every source. `fixed` holds the ids already given (the catalog's, the
    uploads'); the other sources get derived ids, unique among all."""
    ids = {source: fixed[source] for source in sources if source in fixed}
    taken = set(ids.values())
    free = [source for source in sources if source not in fixed]
    for derive in (base_id, _with_extension, _with_hash):
        counts = Counter(derive(source) for source in free)
        for source in list(free):
            candidate = derive(source)
            if counts[candidate] == 1 and candidate not in taken or derive is _with_hash:
                ids[source] = candidate
                taken.add(candidate)
                free.remove(source)
    return ids


def new_id(source: str, taken: set[str]) -> str:
    """An id for a file added now (an upload), unlike any in `taken`."""
    for derive in (base_id, _with_extension, _with_hash):
        candidate = derive(source)
        if candidate not in taken:
            return candidate
    return _with_hash(source + str(len(taken)))
