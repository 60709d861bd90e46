"""Large and hostile files, written in a second or two, for the reliability tests.

- `write_large_report_txt(path, megabytes)`: a long, plain health-policy report (chapters,
  numbered sections, findings and recommendations) of about `megabytes` MB; its sentences vary,
  so it is what a user's real long report looks like to the reader, the chunker and the index.
- `write_large_report_docx(path, megabytes)`: the same report as a Word file, with a table.
- `write_docx_bomb(path, unpacked_mb)`: a valid-looking .docx whose `word/document.xml` unpacks
  to `unpacked_mb` MB from a file of well under 1 MB (the issue's 0.84 MB / 200 MB case).
- `write_docx_wide_bomb(path, unpacked_mb)`: many members that together unpack to
  `unpacked_mb` MB, each packed tightly (the issue's 8 MB / 5.2 GB case, at any size).
- `write_text_flood_docx(path, text_mb)`: a .docx that is no bomb (it packs like real text) but
  holds `text_mb` MB of text in one endless paragraph.
- `write_pdf_pages(path, pages)`: a PDF of `pages` short pages.
- `write_package(path, write_document)`: a minimal .docx whose `word/document.xml` body is what
  `write_document(stream)` writes (bytes of WordprocessingML paragraphs and tables).
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
DOCUMENT_HEAD = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W_NS}"><w:body>'
DOCUMENT_TAIL = "</w:body></w:document>"

SUBJECTS = [
    "The county health commission", "Township health centres", "Village clinics", "The medical insurance bureau",
    "Family doctor teams", "The provincial finance department", "County hospitals", "The civil affairs bureau",
    "Primary care institutions", "The human resources and social security department",
]
VERBS = [
    "reported", "expanded", "struggled with", "improved", "funded", "reviewed", "delayed", "strengthened",
    "monitored", "reorganised",
]
OBJECTS = [
    "remote consultations for rural patients", "the settlement of medical insurance claims",
    "the training of general practitioners", "contracted services for older residents",
    "the referral of patients between levels of care", "drug procurement under volume-based purchasing",
    "the sharing of electronic health records", "chronic disease management in townships",
    "performance assessment of medical communities", "staffing of village clinics",
]
TAILS = [
    "in {year}", "by {n} per cent over the period", "in {n} of the pilot counties",
    "after the reform of {year}", "although funding fell short by {n} million yuan",
]


def report_paragraphs(megabytes: float, seed: int = 16):
    """Chapters, sections and paragraphs of varied sentences, about `megabytes` MB in all."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    size, chapter = 0, 0
    yield ("title", "Evaluation report on county health reform")
    while size < target:
        chapter += 1
        heading = f"Chapter {chapter}. Progress and problems in district {chapter}"
        yield ("heading", heading)
        size += len(heading)
        for section in range(1, 6):
            yield ("heading", f"{chapter}.{section} Findings")
            for _ in range(4):
                sentences = []
                for _ in range(5):
                    tail = rng.choice(TAILS).format(year=rng.randint(2012, 2023), n=rng.randint(2, 90))
                    sentences.append(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(OBJECTS)} {tail}.")
                paragraph = " ".join(sentences)
                size += len(paragraph) + 2
                yield ("text", paragraph)
            yield ("text", f"It is recommended that district {chapter} assign a lead department for each task.")


def write_large_report_txt(path: Path, megabytes: float) -> Path:
    with open(path, "w", encoding="utf-8") as out:
        for kind, text in report_paragraphs(megabytes):
            prefix = "# " if kind == "title" else ""
            out.write(f"{prefix}{text}\n\n")
    return path


def _paragraph(text: str, style: str | None = None) -> str:
    style_xml = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f"<w:p>{style_xml}<w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"


def _table(rows: list[list[str]]) -> str:
    cells = "".join(
        "<w:tr>" + "".join(f"<w:tc>{_paragraph(cell)}</w:tc>" for cell in row) + "</w:tr>" for row in rows
    )
    return f"<w:tbl>{cells}</w:tbl>"


STYLES = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/></w:style>'
    "</w:styles>"
)


def write_package(path: Path, write_document, extra: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/styles.xml", STYLES)
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
        with archive.open("word/document.xml", "w", force_zip64=True) as document:
            document.write(DOCUMENT_HEAD.encode())
            write_document(document)
            document.write(DOCUMENT_TAIL.encode())
    return path


def write_large_report_docx(path: Path, megabytes: float) -> Path:
    """The large report as a .docx: Title and Heading 1 styles, and a table of tasks and departments."""

    def body(out) -> None:
        for number, (kind, text) in enumerate(report_paragraphs(megabytes)):
            style = {"title": "Title", "heading": "Heading1"}.get(kind)
            out.write(_paragraph(text, style).encode())
            if number == 1:
                out.write(_table([["Task", "Lead department"], ["Remote consultations", "Health Commission"]]).encode())

    return write_package(path, body)


def write_docx_bomb(path: Path, unpacked_mb: float = 200) -> Path:
    """One `word/document.xml` of `unpacked_mb` MB of identical paragraphs, packed to a few hundred KB."""
    paragraph = _paragraph("Village clinic report. " * 40).encode()
    count = int(unpacked_mb * 1_000_000 / len(paragraph))

    def body(out) -> None:
        block = paragraph * 1000
        for _ in range(count // 1000):
            out.write(block)

    return write_package(path, body)


def write_docx_wide_bomb(path: Path, unpacked_mb: float = 1000, members: int = 100) -> Path:
    """A small document plus `members` media parts of zeros that unpack to `unpacked_mb` MB together."""
    each = int(unpacked_mb * 1_000_000 / members)
    zeros = b"\0" * 1_000_000

    def body(out) -> None:
        out.write(_paragraph("A short report.").encode())

    write_package(path, body)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        for number in range(members):
            with archive.open(f"word/media/image{number}.bin", "w", force_zip64=True) as media:
                for _ in range(each // len(zeros)):
                    media.write(zeros)
    return path


def write_text_flood_docx(path: Path, text_mb: float) -> Path:
    """`text_mb` MB of varied words in one paragraph (no closing tag until the end); packs ~3x, so
    only the text limit stops it."""
    rng = random.Random(3)
    words = [f"{rng.choice(SUBJECTS)} {rng.choice(OBJECTS)}" for _ in range(2000)]

    def body(out) -> None:
        out.write(b"<w:p>")
        written = 0
        while written < text_mb * 1_000_000:
            run = " ".join(rng.choice(words) for _ in range(200))
            out.write(f'<w:r><w:t xml:space="preserve">{run} </w:t></w:r>'.encode())
            written += len(run) + 1
        out.write(b"</w:p>")

    return write_package(path, body)


def write_pdf_pages(path: Path, pages: int) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(0, 10, f"Page {number + 1}: township health centre report.")
    path.write_bytes(bytes(pdf.output()))
    return path
