"""Issue 16 items 8 and 11: symbolic links are not followed out of the corpus or uploads folder,
and a file name's control characters (terminal escape codes) are shown escaped everywhere."""

from __future__ import annotations

import os

import pytest

from assistant import cli
from assistant.documents import scan_corpus

PASSWD = "/etc/passwd"
NOTE = "Village clinic note\n\nThe Hill clinic opened a night service for older residents in 2021.\n"


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "note.txt").write_text(NOTE, encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("Private notes of the user, not part of the corpus.\n", encoding="utf-8")
    (outside / "folder").mkdir()
    (outside / "folder" / "more.txt").write_text("More private notes.\n", encoding="utf-8")
    os.symlink(PASSWD, folder / "passwd.txt")
    os.symlink(outside / "secret.txt", folder / "secret.txt")
    os.symlink(outside / "folder", folder / "linked-folder")
    os.symlink("note.txt", folder / "same-note.txt")  # a link that stays inside
    os.symlink(folder / "missing.txt", folder / "dangling.txt")
    return folder


def test_links_out_of_the_corpus_folder_are_skipped_with_a_reason(tmp_path, corpus, settings_for):
    documents, errors = scan_corpus(settings_for(tmp_path, corpus))
    assert [d.source for d in documents] == ["note.txt"]
    assert not any("root:" in d.title or "root:" in d.text for d in documents)
    reasons = {e.source: e.reason for e in errors}
    outside = "is a symbolic link to a file outside the corpus folder; it is not read"
    assert reasons == {
        "passwd.txt": outside, "secret.txt": outside, "linked-folder": outside,
        "same-note.txt": "is a symbolic link; set corpus.allow_symlinks = true to read links that stay inside "
        "the corpus folder",
        "dangling.txt": "is a symbolic link to nothing that can be read",
    }


def test_allow_symlinks_reads_links_inside_the_corpus_and_never_those_leading_out(tmp_path, corpus, settings_for):
    documents, errors = scan_corpus(settings_for(tmp_path, corpus, corpus={"allow_symlinks": True}))
    assert sorted(d.source for d in documents) == ["note.txt", "same-note.txt"]
    assert sorted(e.source for e in errors) == ["dangling.txt", "linked-folder", "passwd.txt", "secret.txt"]


def test_a_link_in_the_uploads_folder_is_not_read_even_when_links_are_allowed(tmp_path, corpus, settings_for):
    settings = settings_for(tmp_path, corpus, corpus={"allow_symlinks": True})
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True)
    os.symlink(PASSWD, uploads / "passwd.txt")
    documents, errors = scan_corpus(settings)
    assert "uploads/passwd.txt" not in {d.source for d in documents}
    assert {e.source: e.reason for e in errors}["uploads/passwd.txt"] == (
        "is a symbolic link to a file outside the uploads folder; it is not read"
    )


@pytest.mark.slow
def test_the_cli_reports_the_link_and_never_lists_its_target(tmp_path, corpus, settings_for, capsys):
    settings_for(tmp_path, corpus)  # the CLI finds the project from the current directory
    assert cli.main(["ingest"]) == 0
    err = capsys.readouterr().err
    assert "skipped passwd.txt: it is a symbolic link to a file outside the corpus folder" in err
    assert cli.main(["docs"]) == 0
    listing = capsys.readouterr().out
    assert "note" in listing and "root" not in listing and "passwd" not in listing
