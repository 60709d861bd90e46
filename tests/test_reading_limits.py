"""Issue 16 item 2: zip bombs and runaway files are refused from what they declare, before the
costly part of reading, and reported by name while the rest of the corpus loads. Real large
reports stay under every default limit. The files come from tests/hostile_files.py."""

from __future__ import annotations

import zipfile

import pytest
from hostile_files import (
    write_docx_bomb,
    write_docx_wide_bomb,
    write_large_report_docx,
    write_large_report_txt,
    write_pdf_pages,
    write_text_flood_docx,
)

from assistant.documents import scan_corpus
from assistant.documents.readers import ReadLimits, TooLarge, read_document

MB = 1_000_000


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "good.txt").write_text("County hospitals report monthly to the Health Commission.\n", encoding="utf-8")
    return folder


def errors_by_source(settings) -> tuple[list[str], dict[str, str]]:
    documents, errors = scan_corpus(settings)
    return [d.source for d in documents], {e.source: e.reason for e in errors}


def test_a_docx_bomb_is_refused_from_its_zip_directory_and_the_rest_loads(tmp_path, corpus, settings_for):
    write_docx_bomb(corpus / "bomb.docx", unpacked_mb=200)  # ~0.8 MB on disk, as in the issue
    assert (corpus / "bomb.docx").stat().st_size < MB
    loaded, errors = errors_by_source(settings_for(tmp_path, corpus))
    assert loaded == ["good.txt"]
    assert "zip bomb" in errors["bomb.docx"] and "word/document.xml" in errors["bomb.docx"], errors


def test_the_bomb_check_happens_before_anything_is_unpacked(tmp_path):
    """The same bomb with its packed bytes scrambled: unpacking it would fail with a zlib or CRC
    error, so a zip-bomb message proves only the directory was read."""
    bomb = write_docx_bomb(tmp_path / "bomb.docx", unpacked_mb=200)
    with zipfile.ZipFile(bomb) as archive:
        member = archive.getinfo("word/document.xml")
    data = bytearray(bomb.read_bytes())
    start = member.header_offset + 30 + len(member.filename.encode()) + 20  # inside the packed data
    data[start : start + 4096] = bytes(4096)
    bomb.write_bytes(bytes(data))
    with pytest.raises(TooLarge, match="zip bomb"):
        read_document(bomb, 50 * MB)


def test_a_docx_unpacking_past_the_limit_in_many_parts_is_refused_naming_the_setting(tmp_path, corpus, settings_for):
    write_docx_wide_bomb(corpus / "wide.docx", unpacked_mb=400, members=40)  # each part packs ~1000x
    _, errors = errors_by_source(settings_for(tmp_path, corpus))
    assert "unpacks to 400.0 MB" in errors["wide.docx"] and "corpus.max_unpacked_mb" in errors["wide.docx"], errors


def test_a_docx_with_endless_text_stops_at_the_text_limit(tmp_path, corpus, settings_for):
    """No bomb (it packs like text), one paragraph that never closes: the streaming read stops
    at corpus.max_text_mb, counting run by run."""
    write_text_flood_docx(corpus / "flood.docx", text_mb=3)
    loaded, errors = errors_by_source(settings_for(tmp_path, corpus, corpus={"max_text_mb": 2}))
    assert loaded == ["good.txt"]
    assert "more than 2.0 MB of text" in errors["flood.docx"] and "corpus.max_text_mb" in errors["flood.docx"]


def test_a_large_real_report_is_read_whole_with_its_table_under_the_default_limits(tmp_path, corpus, settings_for):
    write_large_report_docx(corpus / "report.docx", megabytes=3)
    write_large_report_txt(corpus / "report-text.txt", megabytes=3)
    documents, errors = scan_corpus(settings_for(tmp_path, corpus))
    assert errors == []
    by_source = {d.source: d for d in documents}
    docx_text = by_source["report.docx"].text
    assert len(docx_text) > 2.9 * MB and len(by_source["report-text.txt"].text) > 2.9 * MB
    assert "Task; Lead department" in docx_text and "Remote consultations; Health Commission" in docx_text
    assert docx_text.startswith("# Evaluation report on county health reform")


def test_lowered_unpacked_limit_refuses_a_real_report(tmp_path, corpus, settings_for):
    write_large_report_docx(corpus / "report.docx", megabytes=3)
    _, errors = errors_by_source(settings_for(tmp_path, corpus, corpus={"max_unpacked_mb": 1}))
    assert "the limit is 1.0 MB, setting corpus.max_unpacked_mb" in errors["report.docx"], errors


def test_docx_tables_are_read_in_document_order(tmp_path):
    import docx

    document = docx.Document()
    document.add_paragraph("Division of work.")
    table = document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "Task", (0, 1): "Lead", (1, 0): "Referrals", (1, 1): "County hospital"}.items():
        table.cell(row, column).text = text
    document.add_paragraph("After the table.")
    document.save(str(tmp_path / "tasks.docx"))
    assert read_document(tmp_path / "tasks.docx", MB) == (
        "Division of work.\n\n| Task | Lead |\n\n| Referrals | County hospital |\n\nAfter the table."
    )


def test_a_pdf_over_the_page_limit_is_refused_naming_the_setting(tmp_path, corpus, settings_for):
    write_pdf_pages(corpus / "long.pdf", pages=30)
    _, errors = errors_by_source(settings_for(tmp_path, corpus, corpus={"max_pdf_pages": 20}))
    assert errors["long.pdf"] == "has 30 pages (the limit is 20, setting corpus.max_pdf_pages)"


def test_a_pdf_over_the_text_limit_is_refused(tmp_path):
    pdf = write_pdf_pages(tmp_path / "long.pdf", pages=30)
    assert "township health centre" in read_document(pdf, MB)
    with pytest.raises(TooLarge, match="corpus.max_text_mb"):
        read_document(pdf, MB, ReadLimits(max_text_chars=500))


def test_text_files_obey_the_text_limit_too(tmp_path):
    report = write_large_report_txt(tmp_path / "report.txt", megabytes=0.2)
    with pytest.raises(TooLarge, match="more than 100.0 KB of text"):
        read_document(report, MB, ReadLimits(max_text_chars=100_000))


def test_a_docx_whose_packed_data_is_damaged_is_skipped_with_a_reason(tmp_path, corpus, settings_for):
    report = write_large_report_docx(corpus / "damaged.docx", megabytes=0.5)
    with zipfile.ZipFile(report) as archive:
        member = archive.getinfo("word/document.xml")
    data = bytearray(report.read_bytes())
    start = member.header_offset + 30 + len(member.filename.encode()) + 20
    data[start : start + 4096] = bytes(4096)
    report.write_bytes(bytes(data))
    loaded, errors = errors_by_source(settings_for(tmp_path, corpus))
    assert loaded == ["good.txt"]
    assert errors["damaged.docx"].startswith("is not a readable Word document ("), errors


def test_a_text_box_is_read_once(tmp_path):
    """Word keeps a text box twice (mc:Choice for current versions, mc:Fallback for older ones)."""
    from hostile_files import write_package

    box = "<w:txbxContent><w:p><w:r><w:t>Box: village clinics open daily.</w:t></w:r></w:p></w:txbxContent>"
    anchored = (
        '<w:p><w:r><w:t xml:space="preserve">Before the box. </w:t></w:r><w:r>'
        '<mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        f'<mc:Choice Requires="wps"><w:drawing><wps:txbx xmlns:wps="urn:wps">{box}</wps:txbx>'
        "</w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:textbox xmlns:v=\"urn:schemas-microsoft-com:vml\">{box}</v:textbox></w:pict>"
        "</mc:Fallback></mc:AlternateContent></w:r></w:p>"
    )
    path = write_package(tmp_path / "box.docx", lambda out: out.write(anchored.encode()))
    assert read_document(path, MB) == "Box: village clinics open daily.\n\nBefore the box."
