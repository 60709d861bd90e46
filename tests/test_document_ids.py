"""Issue 16 item 7: document ids are unique and stable for every file name, an upload never
replaces a different upload, and everything listed can be removed."""

from __future__ import annotations

import pytest
from ui_support import copy_seed

from assistant.api import Assistant
from assistant.documents import scan_corpus
from assistant.documents.ids import assign_ids, base_id

NOTE = "Village clinic note\n\nThe {name} clinic opened a {what} service for older residents in 2021.\n"


def write(folder, name: str, what: str = "night") -> None:
    (folder / name).write_text(NOTE.format(name=name.split(".")[0], what=what), encoding="utf-8")


def test_unicode_names_keep_their_letters():
    assert base_id("政策.txt") == "政策" and base_id("报告.txt") == "报告"
    assert base_id("uploads/广东政策.txt") == "uploads-广东政策"
    assert base_id("reports/Annual_Review-2019.md") == "reports-annual-review-2019"  # ASCII ids as before


def test_names_that_would_collide_get_their_extension_then_a_hash():
    ids = assign_ids(["x.md", "x.txt", "a b.txt", "a-b.txt", "y.txt"], fixed={})
    assert ids["x.md"] == "x-md" and ids["x.txt"] == "x-txt"
    assert ids["y.txt"] == "y"
    assert len({ids["a b.txt"], ids["a-b.txt"]}) == 2 and ids["a b.txt"].startswith("a-b-txt-")
    assert len(set(ids.values())) == len(ids)


def test_a_derived_id_never_takes_one_the_catalog_gives():
    ids = assign_ids(["plan.txt", "other.txt"], fixed={"other.txt": "plan"})
    assert ids == {"plan.txt": "plan-txt", "other.txt": "plan"}


def test_corpus_files_with_chinese_names_all_load(tmp_path, settings_for):
    """Was: `广东政策.txt` and `福建报告.txt` both became `document` and one was skipped."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("广东政策.txt", "福建报告.txt", "x.txt", "x.md"):
        write(corpus, name)
    documents, errors = scan_corpus(settings_for(tmp_path, corpus))
    assert errors == []
    assert {d.source: d.doc_id for d in documents} == {
        "广东政策.txt": "广东政策", "福建报告.txt": "福建报告", "x.md": "x-md", "x.txt": "x-txt",
    }


@pytest.fixture
def bot(seed_index, embedder, tmp_path):
    return Assistant(copy_seed(seed_index, tmp_path / "project"), embedder=embedder)


@pytest.mark.slow
def test_uploads_with_colliding_names_all_stay_listed_searchable_and_removable(bot, tmp_path):
    """Was: x.md pushed x.txt out of the index (left in data/uploads/, reported on every later
    upload, impossible to remove); 政策.txt and 报告.txt were both `uploads`; a*b.txt silently
    replaced a?b.txt."""
    outside = tmp_path / "outside"
    outside.mkdir()
    files = {"x.txt": "night", "x.md": "dental", "政策.txt": "eye", "报告.txt": "hearing", "a?b.txt": "foot",
             "a*b.txt": "skin"}
    first = None
    for name, what in files.items():
        path = outside / f"upload-{len(what)}-{what}.txt"
        path.write_text(NOTE.format(name=what, what=what), encoding="utf-8")
        report = bot.add_files([path], names=[name])
        assert report.errors == [] and len(report.added) == 1, (name, report)
        if first is None:
            first = report.added[0]
    uploads = [d for d in bot.documents() if d.uploaded]
    ids = {d.doc_id for d in bot.documents() if d.uploaded}
    assert len(ids) == len(files), ids
    assert first == "uploads-x" and first in ids  # the first upload kept the id it was given
    assert {"uploads-政策", "uploads-报告", "uploads-x-md"} <= ids
    stored = sorted(p.name for p in (bot.settings.data_dir / "uploads").iterdir() if not p.name.endswith(".json"))
    assert stored == sorted(["x.txt", "x.md", "政策.txt", "报告.txt", "a_b.txt", "a_b-2.txt"])
    assert len(uploads) == len(files)

    answer = bot.ask("Which clinic opened a foot service?")
    assert any("foot service" in c.text for c in answer.citations)

    for doc_id in sorted(ids):
        report = bot.remove_document(doc_id)
        assert doc_id in report.removed and report.errors == [], (doc_id, report)
    assert not any(d.uploaded for d in bot.documents())
    assert list((bot.settings.data_dir / "uploads").iterdir()) == []


@pytest.mark.slow
def test_the_same_name_uploaded_again_updates_the_document_under_its_id(bot, tmp_path):
    path = tmp_path / "note.txt"
    path.write_text(NOTE.format(name="Hill", what="night"), encoding="utf-8")
    assert bot.add_files([path]).added == ["uploads-note"]
    path.write_text(NOTE.format(name="Hill", what="weekend"), encoding="utf-8")
    report = bot.add_files([path])
    assert report.updated == ["uploads-note"] and report.added == []
    assert "weekend" in bot.document_text("uploads-note")


def test_storing_uploads_never_replaces_a_different_one(tmp_path, settings_for):
    """On the storing step alone (no index): names that sanitise alike, the same name again, and an
    upload kept from before names were recorded."""
    from assistant.documents.corpus import add_upload
    from assistant.documents.readers import ReadLimits

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    settings = settings_for(tmp_path, corpus)
    uploads = settings.data_dir / "uploads"
    uploads.mkdir(parents=True)
    old = NOTE.format(name="Old", what="night")
    (uploads / "legacy.txt").write_text(old, encoding="utf-8")  # stored before names were kept: no details

    def store(name: str, text: str) -> str:
        path = tmp_path / "incoming.txt"
        path.write_text(text, encoding="utf-8")
        document, _ = add_upload(settings, path, name, 10**6, ReadLimits())
        return document.source

    assert store("a?b.txt", NOTE.format(name="A", what="foot")) == "uploads/a_b.txt"
    assert store("a*b.txt", NOTE.format(name="A", what="skin")) == "uploads/a_b-2.txt"
    assert store("a?b.txt", NOTE.format(name="A", what="eye")) == "uploads/a_b.txt"  # the same name: a new version
    assert "eye" in (uploads / "a_b.txt").read_text(encoding="utf-8")
    assert "skin" in (uploads / "a_b-2.txt").read_text(encoding="utf-8")
    # The legacy upload is replaced only by its own content.
    assert store("legacy.txt", NOTE.format(name="New", what="day")) == "uploads/legacy-2.txt"
    assert (uploads / "legacy.txt").read_text(encoding="utf-8") == old
    assert store("legacy.txt", old) == "uploads/legacy.txt"
