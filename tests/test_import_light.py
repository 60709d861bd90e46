"""`import assistant` must stay light: the heavy libraries load only when a command needs them.

A fresh interpreter is the only honest check: in the pytest process other tests have
already imported torch and chromadb."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import yaml
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


# --- The query path (issue 15): answering imports no torch, transformers or sentence-transformers.
# Each probe runs a real question through an interface in a fresh interpreter on the ingested
# seed index, then lists which of these libraries it loaded. onnxruntime must be among them:
# it shows the probe really embedded the question (the ONNX engine), so an empty list means
# something.

TORCH_FAMILY = {"torch", "transformers", "sentence_transformers"}
REPORT = (
    "\nprint('LOADED=' + ','.join(m for m in ('torch', 'transformers', 'sentence_transformers', "
    "'onnxruntime') if m in sys.modules))\n"
)
QUESTION = "Who takes charge of the medical insurance settlement platform?"


def run_probe(code: str, cwd, stdin: str | None = None) -> tuple[set[str], str, str]:
    """(modules loaded, stdout, stderr) of `code` run in a fresh interpreter in `cwd`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("ASSISTANT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-c", "import sys\n" + code + REPORT],
        cwd=cwd, env=env, input=stdin, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("LOADED="))
    return set(filter(None, line.removeprefix("LOADED=").split(","))), result.stdout, result.stderr


@pytest.fixture(scope="module")
def seed_root(seed_index):
    """The seed project's folder: Settings() there finds its corpus/ and index/."""
    assert (seed_index.root / "index").is_dir()
    return seed_index.root


@pytest.mark.slow
def test_assistant_ask_and_a_conversation_import_no_torch(seed_root):
    loaded, out, _ = run_probe(
        "from assistant import Assistant\n"
        "bot = Assistant()\n"
        f"answer = bot.ask({QUESTION!r})\n"
        "print('CITED=' + ','.join(sorted({c.doc_id for c in answer.citations})))\n"
        "conversation = bot.conversation()\n"
        "conversation.ask('What problems did the J Town study find?')\n"
        "follow_up = conversation.ask('What does it suggest doing about them?')\n"
        "print('FOLLOW_UP=' + ','.join(sorted({c.doc_id for c in follow_up.citations})))\n",
        seed_root,
    )
    assert "CITED=gd-internet-plus-action-plan" in out
    assert "FOLLOW_UP=j-town-health-poverty-alleviation" in out
    assert "onnxruntime" in loaded and not loaded & TORCH_FAMILY, loaded


@pytest.mark.slow
def test_the_cli_ask_and_chat_import_no_torch_and_print_no_loading_bar(seed_root):
    ask = f"from assistant.cli import main\nassert main(['ask', {QUESTION!r}]) == 0\n"
    loaded, out, err = run_probe(ask, seed_root)
    assert "Local Taxation Bureau" in out
    assert "onnxruntime" in loaded and not loaded & TORCH_FAMILY, loaded
    assert "Loading weights" not in err + out

    loaded, out, err = run_probe(
        "from assistant.cli import main\nmain(['chat'])\n", seed_root,
        stdin="What problems did the J Town study find?\nWhat does it suggest doing about them?\n",
    )
    assert out.count("[1]") >= 2  # both turns answered with citations
    assert "onnxruntime" in loaded and not loaded & TORCH_FAMILY, loaded


@pytest.mark.slow
def test_the_torch_engine_prints_no_loading_bar_either(seed_root):
    # Chosen by setting, the torch engine does load torch; what it must not do any more is
    # print transformers' bare "Loading weights: 100%" bar on every command.
    loaded, out, err = run_probe(
        "import os\nos.environ['ASSISTANT_EMBEDDING__ENGINE'] = 'torch'\n"
        f"from assistant.cli import main\nassert main(['ask', {QUESTION!r}]) == 0\n",
        seed_root,
    )
    assert "Local Taxation Bureau" in out
    assert "sentence_transformers" in loaded  # the setting took effect
    assert "Loading weights" not in err + out


@pytest.mark.slow
def test_evals_import_no_torch(seed_root, tmp_path):
    cases = [case for case in yaml.safe_load((PROJECT / "evals" / "single_turn.yaml").read_text())["cases"]][:2]
    question_set = tmp_path / "probe_set.yaml"
    question_set.write_text(yaml.safe_dump({"name": "probe_set", "cases": cases}))
    loaded, out, _ = run_probe(
        "from assistant.evaluation.cli import main\n"
        f"assert main([{str(question_set)!r}, '--report', {str(tmp_path / 'report')!r}]) == 0\n",
        seed_root,
    )
    assert (tmp_path / "report").is_dir() and any((tmp_path / "report").iterdir())
    assert "onnxruntime" in loaded and not loaded & TORCH_FAMILY, loaded


@pytest.mark.slow
def test_the_ui_answers_import_no_torch(seed_root):
    loaded, out, _ = run_probe(
        "import json, socket, httpx\n"
        "from assistant.server import serve\n"
        "with socket.socket() as s:\n"
        "    s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]\n"
        "app = serve(block=False, server_name='127.0.0.1', server_port=port)\n"
        "try:\n"
        "    with httpx.Client(base_url=f'http://127.0.0.1:{port}/gradio_api', timeout=120) as http:\n"
        f"        event_id = http.post('/call/ask', json={{'data': [{QUESTION!r}]}}).json()['event_id']\n"
        "        body = http.get(f'/call/ask/{event_id}').text\n"
        "    print('ANSWERED=' + str('Local Taxation Bureau' in body))\n"
        "finally:\n"
        "    app.close()\n",
        seed_root,
    )
    assert "ANSWERED=True" in out
    assert "onnxruntime" in loaded and not loaded & TORCH_FAMILY, loaded
