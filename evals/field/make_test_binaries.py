"""Build the test half's Word document(s) from their plain-text sources.

Run from the project root: `.venv/bin/python evals/field/make_test_binaries.py`.
Each source in evals/field/binary-sources/test/<doc-id>.txt becomes
evals/field/docs/test/<doc-id>.docx. The source is a light markup:

    TITLE: text          the document's title (Word's Title style)
    # / ## / ### text    headings 1-3
    TABLE: caption       a caption, then the `| a | b |` rows after it form one table
    PAGE: text           a centred page-number line, as printed reports carry them
    anything else        a body paragraph

Tables are real Word tables (not text), as in the reports users bring.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH

FIELD = Path(__file__).resolve().parent
SOURCES = FIELD / "binary-sources" / "test"
OUTPUT = FIELD / "docs" / "test"


def add_table(document: docx.document.Document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.cell(r, c).text = text
            if r == 0:
                for run in table.cell(r, c).paragraphs[0].runs:
                    run.bold = True


def build(source: Path, target: Path) -> None:
    document = docx.Document()
    # Fixed metadata, so a rebuild of unchanged text differs only in zip timestamps.
    document.core_properties.author = "Shandong Provincial Health Development Research Centre"
    document.core_properties.created = datetime.datetime(2023, 3, 20)
    document.core_properties.modified = datetime.datetime(2023, 3, 20)
    document.sections[0].header.paragraphs[0].text = "Internet + Medical Health evaluation report"
    rows: list[list[str]] = []
    for line in source.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
            continue
        if rows:
            add_table(document, rows)
            rows = []
        if not line.strip():
            continue
        if line.startswith("TITLE: "):
            document.add_paragraph(line.removeprefix("TITLE: "), style="Title")
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            document.add_heading(line[level:].strip(), level=level)
        elif line.startswith("TABLE: "):
            caption = document.add_paragraph(line.removeprefix("TABLE: "))
            caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif line.startswith("PAGE: "):
            page = document.add_paragraph(line.removeprefix("PAGE: "))
            page.alignment = WD_ALIGN_PARAGRAPH.CENTER
        else:
            document.add_paragraph(line)
    if rows:
        add_table(document, rows)
    document.save(str(target))


def main() -> None:
    for source in sorted(SOURCES.glob("*.txt")):
        target = OUTPUT / f"{source.stem}.docx"
        build(source, target)
        print(f"wrote {target.relative_to(FIELD.parent.parent)}")


if __name__ == "__main__":
    main()
