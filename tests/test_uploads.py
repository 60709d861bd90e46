"""Adding and removing documents through the library: what the UI's Documents tab calls."""

from __future__ import annotations

import json

import pytest
from ui_support import copy_seed

from assistant.api import Assistant
from assistant.documents.library import safe_filename
from assistant.documents.readers import UnreadableDocument

K_VILLAGE = (
    "Dental care pilot in K Village\n\n"
    "The K Village dental pilot was run by the township health centre. "
    "It found that fluoride varnish reduced caries among children by a third.\n"
)
L_COUNTY = "l-county-medical-community"


@pytest.fixture
def bot(seed_index, embedder, tmp_path):
    """A writable copy of the seed project."""
    return Assistant(copy_seed(seed_index, tmp_path / "project"), embedder=embedder)


@pytest.fixture
def outside(tmp_path):
    folder = tmp_path / "outside"
    folder.mkdir()
    return folder


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\reports\\x.PDF", "x.pdf"),
        ("/etc/passwd.txt", "passwd.txt"),
        (".hidden.md", "hidden.md"),
        ("notes <draft>?.txt", "notes _draft_.txt"),
        ("政策 summary.txt", "政策 summary.txt"),
    ],
)
def test_file_names_are_sanitised(given, stored):
    assert safe_filename(given) == stored


@pytest.mark.parametrize("given", ["..", "../", " .. ", "a/b/", ""])
def test_a_name_with_nothing_usable_is_refused(given):
    with pytest.raises(UnreadableDocument, match="no usable file name"):
        safe_filename(given)


@pytest.mark.slow
def test_upload_with_a_traversal_name_lands_in_the_uploads_folder_and_is_searchable_at_once(bot, outside):
    source = outside / "k.txt"
    source.write_text(K_VILLAGE, encoding="utf-8")

    report = bot.add_files([source], names=["../../k-village.txt"])

    uploads = bot.settings.data_dir / "uploads"
    assert report.added == ["uploads-k-village"] and not report.errors
    assert sorted(p.name for p in uploads.iterdir()) == ["k-village.txt", "k-village.txt.details.json"]
    assert not (bot.settings.data_dir.parent / "k-village.txt").exists()
    assert not (bot.settings.root.parent / "k-village.txt").exists()
    info = next(d for d in bot.documents() if d.doc_id == "uploads-k-village")
    assert (info.source, info.title, info.uploaded) == ("uploads/k-village.txt", "Dental care pilot in K Village", True)

    answer = bot.ask("What did the K Village dental pilot find?")
    assert answer.citations[0].doc_id == "uploads-k-village"
    assert "fluoride varnish reduced caries among children by a third" in answer.text


@pytest.mark.slow
def test_broken_unsupported_and_oversized_files_are_skipped_with_plain_reasons(bot, outside, seed_index):
    good = outside / "k-village.txt"
    good.write_text(K_VILLAGE, encoding="utf-8")
    broken = outside / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >>\n")  # cut off: no xref, no %%EOF
    binary = outside / "notes.txt"
    binary.write_bytes(bytes(range(256)) * 8)
    program = outside / "setup.exe"
    program.write_bytes(b"MZ\x90\x00")

    report = bot.add_files([broken, binary, program, good])

    reasons = {e.source: e.reason for e in report.errors}
    assert set(reasons) == {"broken.pdf", "notes.txt", "setup.exe"}
    assert reasons["broken.pdf"].startswith("is not a readable PDF")
    assert "binary" in reasons["notes.txt"]
    assert "not a supported type" in reasons["setup.exe"] and ".pdf" in reasons["setup.exe"]
    assert report.added == ["uploads-k-village"]
    assert sorted(p.name for p in (bot.settings.data_dir / "uploads").iterdir()) == [
        "k-village.txt", "k-village.txt.details.json",
    ]

    small = Assistant(
        bot.settings.model_copy(update={"ui": bot.settings.ui.model_copy(update={"max_upload_mb": 0.0001})}),
        embedder=bot.embedder,
    )
    report = small.add_files([good], names=["big.txt"])
    size = len(K_VILLAGE.encode())
    assert [str(e) for e in report.errors] == [f"big.txt is too large ({size} bytes; uploads are limited to 100 bytes)"]


@pytest.mark.slow
def test_removing_an_upload_deletes_its_file_and_its_passages(bot, outside):
    source = outside / "k-village.txt"
    source.write_text(K_VILLAGE, encoding="utf-8")
    bot.add_files([source])

    report = bot.remove_document("uploads-k-village")

    assert report.removed == ["uploads-k-village"]
    assert not (bot.settings.data_dir / "uploads" / "k-village.txt").exists()
    assert source.exists()  # the user's own copy is not ours to delete
    assert "uploads-k-village" not in {d.doc_id for d in bot.documents()}
    answer = bot.ask("What did the K Village dental pilot find?")
    assert all(c.doc_id != "uploads-k-village" for c in answer.citations)


@pytest.mark.slow
def test_removing_a_corpus_document_sets_it_aside_and_it_can_be_restored(bot):
    corpus_file = bot.settings.corpus_dir / "l-county-medical-community-policy.txt"
    before = corpus_file.read_bytes()

    report = bot.remove_document(L_COUNTY)

    assert report.removed == [L_COUNTY]
    assert corpus_file.read_bytes() == before
    excluded = json.loads((bot.settings.data_dir / "excluded.json").read_text())["excluded"]
    assert [(e["source"], e["doc_id"]) for e in excluded] == [("l-county-medical-community-policy.txt", L_COUNTY)]
    assert [e.doc_id for e in bot.excluded_documents()] == [L_COUNTY]
    assert L_COUNTY not in {d.doc_id for d in bot.documents()}
    assert bot.ingest().removed == []  # a later ingest honours the exclusion
    assert L_COUNTY not in {d.doc_id for d in bot.documents()}

    report = bot.restore_document(L_COUNTY)

    assert report.added == [L_COUNTY]
    assert bot.excluded_documents() == []
    answer = bot.ask("What does the L County study propose to improve the county medical community policy?")
    assert {c.doc_id for c in answer.citations} == {L_COUNTY}


@pytest.mark.slow
def test_removing_an_unknown_document_says_so(bot):
    with pytest.raises(ValueError, match="no document with id 'nope'"):
        bot.remove_document("nope")
    with pytest.raises(ValueError, match="not among the removed corpus documents"):
        bot.restore_document("gd-internet-plus-action-plan")
