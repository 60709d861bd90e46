"""Where settings come from, and how a bad value is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.settings import Settings, SettingsError, find_project_root, load_settings

ASSISTANT_BIN = Path(sys.executable).parent / "assistant"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """An empty project folder (with corpus/) as the current directory."""
    (tmp_path / "corpus").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_defaults(project):
    settings = load_settings()
    assert settings.retrieval.top_k == 6
    assert (settings.chunking.max_tokens, settings.chunking.overlap_tokens) == (200, 40)
    assert settings.root == project.resolve()
    assert settings.corpus_dir == project.resolve() / "corpus"
    assert settings.index_dir == project.resolve() / "index"


def test_environment_variable_is_read(project, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "9")
    monkeypatch.setenv("ASSISTANT_CHROMA__HOST", "chroma.internal")
    settings = load_settings()
    assert settings.retrieval.top_k == 9
    assert settings.chroma.host == "chroma.internal"
    assert settings.retrieval.candidates == 20  # the rest of the section keeps its defaults


def test_assistant_toml_in_the_current_directory_is_read(project):
    (project / "assistant.toml").write_text(
        "[retrieval]\ntop_k = 11\n\n[chunking]\nmax_tokens = 150\noverlap_tokens = 30\n\n[corpus]\npath = \"docs\"\n",
        encoding="utf-8",
    )
    settings = load_settings()
    assert settings.retrieval.top_k == 11
    assert (settings.chunking.max_tokens, settings.chunking.overlap_tokens) == (150, 30)
    assert settings.corpus_dir == project.resolve() / "docs"  # relative to the project root


def test_environment_beats_toml_and_keyword_arguments_beat_both(project, monkeypatch):
    (project / "assistant.toml").write_text("[retrieval]\ntop_k = 11\n", encoding="utf-8")
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "9")
    assert load_settings().retrieval.top_k == 9
    assert load_settings(retrieval={"top_k": 3}).retrieval.top_k == 3


def test_dotenv_file_is_read(project):
    (project / ".env").write_text("ASSISTANT_RETRIEVAL__TOP_K=13\n", encoding="utf-8")
    assert load_settings().retrieval.top_k == 13


def test_project_root_is_found_from_a_sub_folder(project):
    nested = project / "a" / "b"
    nested.mkdir(parents=True)
    assert find_project_root(nested) == project.resolve()
    os.chdir(nested)  # monkeypatch (via `project`) restores the original directory
    assert Settings().root == project.resolve()


def test_invalid_environment_value_names_field_and_value(project, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "abc")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "retrieval.top_k" in message
    assert "'abc'" in message
    assert "ASSISTANT_RETRIEVAL__TOP_K" in message


def test_out_of_range_toml_value_names_field_and_value(project):
    (project / "assistant.toml").write_text("[retrieval]\ntop_k = 0\n", encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "retrieval.top_k = 0" in str(caught.value)
    assert "greater than or equal to 1" in str(caught.value)


def test_overlap_not_smaller_than_chunk_size_is_rejected(project, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CHUNKING__MAX_TOKENS", "64")
    monkeypatch.setenv("ASSISTANT_CHUNKING__OVERLAP_TOKENS", "64")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert "chunking" in message
    assert "overlap_tokens (64) must be smaller than max_tokens (64)" in message


def test_unknown_setting_is_rejected(project):
    with pytest.raises(SettingsError) as caught:
        load_settings(retreival={"top_k": 3})
    assert "retreival" in str(caught.value)


def test_cli_reports_invalid_settings_on_stderr_with_status_2(project, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "abc")
    assert main(["docs"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("error: Invalid settings:")
    assert "retrieval.top_k = 'abc'" in captured.err


def test_cli_process_exits_with_status_2(project):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env["ASSISTANT_RETRIEVAL__TOP_K"] = "abc"
    result = subprocess.run(
        [str(ASSISTANT_BIN), "docs"], cwd=project, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2, result.stderr
    assert "retrieval.top_k = 'abc'" in result.stderr
    assert "Traceback" not in result.stderr
