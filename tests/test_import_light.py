"""`import assistant` must stay light: the heavy libraries load only when a command needs them.

A fresh interpreter is the only honest check: in the pytest process other tests have
already imported torch and chromadb."""

from __future__ import annotations

import subprocess
import sys

from conftest import PROJECT

HEAVY = ("torch", "gradio", "chromadb")
PROBE = (
    "import sys\n"
    "{imports}\n"
    "print(','.join(m for m in ('torch', 'gradio', 'chromadb', 'llama_index') if m in sys.modules))\n"
)


def loaded_after(imports: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(imports=imports)],
        cwd=PROJECT, capture_output=True, text=True, timeout=120, check=True,
    )
    return set(filter(None, result.stdout.strip().split(",")))


def test_import_assistant_loads_no_heavy_library():
    assert not loaded_after("import assistant") & set(HEAVY)


def test_public_names_and_the_cli_module_load_no_heavy_library():
    # Resolving the lazy names imports the API modules themselves; they too must defer
    # torch, chromadb and gradio to first use (the CLI parses arguments before any of that).
    loaded = loaded_after("import assistant\nfrom assistant import Assistant, Settings, Filters\nimport assistant.cli")
    assert not loaded & set(HEAVY), loaded


def test_the_probe_sees_a_heavy_import():
    # Guards the two tests above against passing vacuously (a probe that never reports anything).
    assert "chromadb" in loaded_after("import assistant\nimport chromadb")
