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


# -- item 11: names shown escaped ------------------------------------------------------------------

CLEAR_SCREEN = "\x1b[2J\x1b[H"
UNSAFE = ("\x1b", "\x07", "\u202e", "\r")


def shown_safely(text: str) -> bool:
    return not any(char in text for char in UNSAFE)


def test_printable_writes_control_and_direction_characters_as_escapes():
    from assistant.names import printable

    assert printable(f"{CLEAR_SCREEN}report.txt") == "\\x1b[2J\\x1b[Hreport.txt"
    assert printable("invoice\u202etxt.exe") == "invoice\\u202etxt.exe"
    assert printable("line one\nline two\x07") == "line one\\x0aline two\\x07"
    assert printable("line one\nline two\x07", keep_lines=True) == "line one\nline two\\x07"
    assert printable("政策 summary – 2020.txt") == "政策 summary – 2020.txt"  # letters of any script stay


@pytest.mark.slow
def test_the_cli_shows_names_with_escape_codes_escaped(tmp_path, settings_for, capsys):
    """Was: the "skipped …" line cleared the screen."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / f"{CLEAR_SCREEN}binary.txt").write_bytes(b"MZ\x90\x00\x03\x00" * 100)
    (corpus / "bell\x07 and \u202ereport.txt").write_text("Clinic opening hours\n\n" + NOTE, encoding="utf-8")
    (corpus / "new\rline.txt").write_bytes(b"\x00\x01" * 100)  # a carriage return would redraw the line
    settings_for(tmp_path, corpus)
    assert cli.main(["ingest"]) == 0
    captured = capsys.readouterr()
    assert "skipped \\x1b[2J\\x1b[Hbinary.txt: it contains binary data" in captured.err
    assert "skipped new\\x0dline.txt: it contains binary data" in captured.err
    assert shown_safely(captured.out)
    assert shown_safely(captured.err.replace("\r", ""))  # tqdm's progress bar redraws itself with \r
    assert cli.main(["docs"]) == 0
    listing = capsys.readouterr().out
    assert shown_safely(listing) and "bell-and-report" in listing, listing


@pytest.mark.slow
def test_the_ui_shows_uploaded_names_with_escape_codes_escaped(seed_index, embedder, tmp_path):
    from ui_support import copy_seed

    from assistant.api import Assistant
    from assistant.ui.documents import report_markdown
    from assistant.ui.render import documents_table

    bot = Assistant(copy_seed(seed_index, tmp_path / "project"), embedder=embedder)
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("\n" + NOTE, encoding="utf-8")
    bad.write_bytes(b"MZ\x90\x00\x03\x00" * 100)
    report = bot.add_files([good, bad], names=[f"{CLEAR_SCREEN}note\u202etxt.exe.txt", f"{CLEAR_SCREEN}bad.txt"])
    assert len(report.added) == 1 and len(report.errors) == 1
    message, table = report_markdown(report), documents_table(bot.documents())
    assert "\\x1b[2J\\x1b[Hbad.txt" in message and shown_safely(message), message
    assert shown_safely(table) and shown_safely(str(bot.facets().documents))


def test_a_title_taken_from_a_line_with_escape_codes_is_escaped_too(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "red.txt").write_text(f"{CLEAR_SCREEN}Clinic opening hours\n\n{NOTE}", encoding="utf-8")
    (documents, errors) = scan_corpus(settings_for(tmp_path, corpus))
    assert errors == [] and documents[0].title == "\\x1b[2J\\x1b[HClinic opening hours"
