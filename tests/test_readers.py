"""Every supported format read from a real file, and every kind of bad file skipped with a reason."""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest

from assistant.documents import scan_corpus
from assistant.documents.catalog import CatalogError
from assistant.documents.readers import UnreadableDocument, read_document

MB = 1_000_000


def make_pdf(path: Path, paragraphs: list[str]) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for paragraph in paragraphs:
        pdf.add_page()
        pdf.multi_cell(0, 8, paragraph)
    data = bytes(pdf.output())
    path.write_bytes(data)
    return data


def make_docx(path: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading("Responsible departments", level=2)
    document.add_paragraph("The Finance Department funds the settlement platform.")
    document.add_paragraph("")  # empty paragraphs are dropped
    document.save(str(path))


def squash(text: str) -> str:
    return " ".join(text.split())


# -- each format, read correctly ------------------------------------------------------


def test_markdown_is_read_as_is(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text("# Village clinics\n\nEvery village gets a clinic by 2020.\n", encoding="utf-8")
    assert read_document(path, MB) == "# Village clinics\n\nEvery village gets a clinic by 2020.\n"


def test_html_keeps_headings_and_text_and_drops_scripts(tmp_path):
    path = tmp_path / "notice.html"
    path.write_text(
        "<html><head><style>p {color: red}</style><script>var tracker = 'SECRET-TRACKER';</script></head>"
        "<body><nav>Home | About</nav><h2>Fees &amp; Charges</h2>"
        "<p>Patients pay online &amp; claim at once.</p><ul><li>Registration</li><li>Triage</li></ul>"
        "</body></html>",
        encoding="utf-8",
    )
    text = read_document(path, MB)
    assert "SECRET-TRACKER" not in text and "tracker" not in text
    assert "color: red" not in text and "Home | About" not in text
    assert "## Fees & Charges" in text.splitlines()
    assert "Patients pay online & claim at once." in text
    assert "- Registration" in text and "- Triage" in text
    assert "&amp;" not in text


def test_docx_heading_style_becomes_a_markdown_heading(tmp_path):
    path = tmp_path / "tasks.docx"
    make_docx(path)
    assert read_document(path, MB) == (
        "## Responsible departments\n\nThe Finance Department funds the settlement platform."
    )


def test_pdf_text_is_extracted_from_every_page(tmp_path):
    path = tmp_path / "report.pdf"
    make_pdf(path, [
        "County hospitals report monthly to the Health Commission.",
        "The settlement platform opens in 2016.",
    ])
    text = squash(read_document(path, MB))
    assert "County hospitals report monthly to the Health Commission." in text
    assert "The settlement platform opens in 2016." in text
    assert text.index("County hospitals") < text.index("settlement platform")


def test_utf16_text_with_a_bom_is_read(tmp_path):
    path = tmp_path / "utf16.txt"
    path.write_bytes("Café clinics in Fujian.".encode("utf-16"))
    assert read_document(path, MB) == "Café clinics in Fujian."


# -- bad files: skipped with a reason, the rest ingests ---------------------------------


GOOD = {
    "notes.md": "notes",
    "notice.html": "notice",
    "tasks.docx": "tasks",
    "report.pdf": "report",
    "plain.txt": "plain",
}


@pytest.fixture
def mixed_corpus(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "notes.md").write_text("# Clinic notes\n\nVillage clinics open daily.\n", encoding="utf-8")
    (corpus / "notice.html").write_text("<h2>Notice</h2><p>Fees &amp; charges fall.</p>", encoding="utf-8")
    make_docx(corpus / "tasks.docx")
    pdf = make_pdf(corpus / "report.pdf", ["County hospitals report monthly."])
    # Tabs and form feeds are text, not the control characters that mark a binary file.
    (corpus / "plain.txt").write_text("Plain text about\ttriage and payment.\f\n", encoding="utf-8")

    (corpus / "empty.txt").write_bytes(b"")
    (corpus / "truncated.pdf").write_bytes(pdf[: len(pdf) // 2])
    (corpus / "corrupt.pdf").write_bytes(random.Random(7).randbytes(3000))
    (corpus / "binary.txt").write_bytes(b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" * 50)
    (corpus / "controls.txt").write_bytes(b"\x1b[0m\x01\x02 ok \x03\x0b\x1f" * 50)  # no NUL byte
    (corpus / "latin1.txt").write_bytes(b"caf\xe9 \xff\xfe menu")
    (corpus / "sheet.xlsx").write_bytes(b"PK\x03\x04 not really a spreadsheet")
    (corpus / "blob.bin").write_bytes(b"\x01\x02\x03")
    return corpus


EXPECTED_REASONS = {
    "empty.txt": ["empty"],
    "truncated.pdf": ["PDF", "not a readable"],
    "corrupt.pdf": ["PDF", "not a readable"],
    "binary.txt": ["binary"],
    "controls.txt": ["binary", "control characters"],
    "latin1.txt": ["UTF-8", "0xe9"],
    "sheet.xlsx": ["unsupported", ".xlsx"],
    "blob.bin": ["unsupported", ".bin"],
}


def test_each_bad_file_is_skipped_with_a_plain_reason_and_the_rest_loads(tmp_path, mixed_corpus, settings_for):
    documents, errors = scan_corpus(settings_for(tmp_path, mixed_corpus))

    assert sorted(d.source for d in documents) == sorted(GOOD)
    assert {d.source: d.doc_id for d in documents} == GOOD
    by_source = {error.source: error for error in errors}
    assert sorted(by_source) == sorted(EXPECTED_REASONS)
    for source, words in EXPECTED_REASONS.items():
        message = str(by_source[source])
        assert message.startswith(source + " "), message  # names the file ...
        for word in words:  # ... and says what is wrong with it in plain words
            assert word in by_source[source].reason, (source, by_source[source].reason)
        assert "Traceback" not in message


def test_loaded_documents_have_their_text(tmp_path, mixed_corpus, settings_for):
    documents, _ = scan_corpus(settings_for(tmp_path, mixed_corpus))
    text = {d.source: squash(d.text) for d in documents}
    assert text["notes.md"] == "# Clinic notes Village clinics open daily."
    assert text["notice.html"] == "## Notice Fees & charges fall."
    assert text["tasks.docx"] == "## Responsible departments The Finance Department funds the settlement platform."
    assert text["report.pdf"] == "County hospitals report monthly."
    assert text["plain.txt"] == "Plain text about triage and payment."


def test_file_over_the_size_limit_is_skipped(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "small.txt").write_text("A short note on triage.\n", encoding="utf-8")
    (corpus / "big.txt").write_text("Village clinic report. " * 220, encoding="utf-8")  # ~5 KB
    settings = settings_for(tmp_path, corpus, corpus={"max_file_mb": 0.001})

    documents, errors = scan_corpus(settings)

    assert [d.source for d in documents] == ["small.txt"]
    assert [e.source for e in errors] == ["big.txt"]
    assert "too large" in errors[0].reason


def _stated_bytes(number: str, unit: str) -> float:
    return float(number) * {"B": 1, "BYTES": 1, "KB": 1e3, "MB": 1e6, "GB": 1e9}[unit.upper()]


def test_too_large_message_states_size_and_limit_truthfully(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 5_000)
    with pytest.raises(UnreadableDocument) as caught:
        read_document(path, max_bytes=1_000)
    stated = re.findall(r"([\d.]+)\s*(bytes|B|KB|MB|GB)\b", str(caught.value), flags=re.IGNORECASE)
    assert len(stated) == 2, str(caught.value)
    size, limit = (_stated_bytes(number, unit) for number, unit in stated)
    assert size > limit > 0, str(caught.value)
    assert abs(limit - 1_000) <= 100 and abs(size - 5_000) <= 500, str(caught.value)


def test_docx_with_broken_xml_is_skipped_not_fatal(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Good text about triage.\n", encoding="utf-8")
    make_docx(tmp_path / "source.docx")
    with zipfile.ZipFile(tmp_path / "source.docx") as source, zipfile.ZipFile(corpus / "broken.docx", "w") as out:
        for item in source.infolist():
            data = source.read(item.filename)
            out.writestr(item, data[: len(data) // 2] if item.filename == "word/document.xml" else data)

    documents, errors = scan_corpus(settings_for(tmp_path, corpus))

    assert [d.source for d in documents] == ["good.txt"]
    assert [e.source for e in errors] == ["broken.docx"]
    assert "Word document" in errors[0].reason


def test_corrupt_docx_is_skipped(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Good text about triage.\n", encoding="utf-8")
    (corpus / "random.docx").write_bytes(random.Random(3).randbytes(2000))

    documents, errors = scan_corpus(settings_for(tmp_path, corpus))

    assert [d.source for d in documents] == ["good.txt"]
    assert [(e.source, "not a readable Word document" in e.reason) for e in errors] == [("random.docx", True)]


# -- catalog metadata ------------------------------------------------------------------------


def test_file_missing_from_the_catalog_gets_derived_metadata(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    (corpus / "reports").mkdir(parents=True)
    (corpus / "catalog.yaml").write_text(
        "documents:\n"
        "  - id: listed-plan\n"
        "    file: listed.txt\n"
        "    title: The Listed Plan\n"
        "    kind: action plan\n"
        "    region: Guangdong\n"
        "    year: 2015\n",
        encoding="utf-8",
    )
    (corpus / "listed.txt").write_text("Listed plan text about clinics.\n", encoding="utf-8")
    (corpus / "reports" / "Annual_Review-2019.md").write_text(
        "\n# Annual review of county clinics\n\nClinics grew in number. Triage moved online.\n",
        encoding="utf-8",
    )
    (corpus / "long-first-line.txt").write_text(
        "This opening sentence is a full sentence and so it cannot be taken for a title.\nMore.\n",
        encoding="utf-8",
    )

    documents, errors = scan_corpus(settings_for(tmp_path, corpus))

    assert errors == []
    by_source = {d.source: d for d in documents}
    assert sorted(by_source) == ["listed.txt", "long-first-line.txt", "reports/Annual_Review-2019.md"]

    listed = by_source["listed.txt"]
    assert (listed.doc_id, listed.title, listed.kind, listed.region, listed.year) == (
        "listed-plan", "The Listed Plan", "action plan", "Guangdong", 2015,
    )
    derived = by_source["reports/Annual_Review-2019.md"]
    assert derived.doc_id == "reports-annual-review-2019"
    assert derived.title == "Annual review of county clinics"
    assert derived.year == 2019
    assert derived.kind == "document" and derived.region is None
    fallback = by_source["long-first-line.txt"]
    assert (fallback.doc_id, fallback.title, fallback.year) == ("long-first-line", "long first line", None)


def test_catalog_with_a_duplicate_id_is_refused_naming_the_id(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    entries = "".join(f"  - id: {name}\n    file: {file}\n    title: T\n" for name, file in
                      [("plan", "a.txt"), ("study", "b.txt"), ("plan", "c.txt")])
    (corpus / "catalog.yaml").write_text("documents:\n" + entries, encoding="utf-8")
    with pytest.raises(CatalogError, match=r"duplicate document ids \['plan'\]"):
        scan_corpus(settings_for(tmp_path, corpus))


def test_catalog_that_is_not_yaml_is_refused_naming_the_file(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "catalog.yaml").write_text("documents:\n  - id: plan\n   file: [a.txt\n", encoding="utf-8")
    with pytest.raises(CatalogError, match=r"(?s)catalog\.yaml: .*line 3, column 4"):
        scan_corpus(settings_for(tmp_path, corpus))


def test_catalog_yaml_and_hidden_files_are_not_documents(tmp_path, settings_for):
    corpus = tmp_path / "corpus"
    (corpus / ".git").mkdir(parents=True)
    (corpus / "catalog.yaml").write_text("documents: []\n", encoding="utf-8")
    (corpus / ".draft.txt").write_text("hidden draft\n", encoding="utf-8")
    (corpus / ".git" / "notes.txt").write_text("hidden folder\n", encoding="utf-8")
    (corpus / "real.txt").write_text("Real text.\n", encoding="utf-8")

    documents, errors = scan_corpus(settings_for(tmp_path, corpus))

    assert [d.source for d in documents] == ["real.txt"] and errors == []
