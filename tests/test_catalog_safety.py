"""Issue 16 item 5: a catalog.yaml with YAML aliases ("billion laughs") is refused before anything
expands it, with a message naming the file and the line. Was 5.4 GB and 43 s for 393 bytes."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from assistant import cli
from assistant.documents import scan_corpus
from assistant.documents.catalog import CatalogError


def laughs(levels: int) -> str:
    """Each level a list of nine aliases of the one before: 9**levels strings once expanded,
    used as a document's id so that validating it walks the expansion."""
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [" + ",".join([f"*l{level - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\ndocuments:\n  - id: *l{levels - 1}\n    file: a.txt\n    title: Lol\n"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "a.txt").write_text("County hospitals report monthly.\n", encoding="utf-8")
    return folder


def test_a_catalog_with_aliases_is_refused_naming_the_file_and_line(tmp_path, corpus, settings_for):
    (corpus / "catalog.yaml").write_text(laughs(5), encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        scan_corpus(settings_for(tmp_path, corpus))
    message = str(caught.value)
    assert message.startswith(f"{corpus / 'catalog.yaml'}: line 2 uses a YAML alias (*l0)"), message
    assert len(message) < 300


def test_the_cli_says_so_in_one_line_and_exits_2(tmp_path, corpus, settings_for, capsys):
    (corpus / "catalog.yaml").write_text(laughs(5), encoding="utf-8")
    settings_for(tmp_path, corpus)  # sets ASSISTANT_ROOT and the corpus path for the CLI
    assert cli.main(["ingest"]) == 2
    err = capsys.readouterr().err
    assert "catalog.yaml: line 2 uses a YAML alias" in err and "Traceback" not in err


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))


def test_a_393_byte_billion_laughs_is_refused_at_once_in_bounded_memory(tmp_path, corpus):
    """The issue's size (9**9 strings). Run in a child limited to 1.5 GB of address space, so
    that without the check it fails instead of taking the machine's memory."""
    catalog = corpus / "catalog.yaml"
    catalog.write_text(laughs(9), encoding="utf-8")
    assert catalog.stat().st_size < 700
    code = (
        "import sys\nfrom pathlib import Path\nfrom assistant.documents.catalog import CatalogError, load_catalog\n"
        "try:\n    load_catalog(Path(sys.argv[1]))\nexcept CatalogError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(catalog)], capture_output=True, text=True, timeout=60,
        preexec_fn=_limit_memory,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "uses a YAML alias" in done.stdout
