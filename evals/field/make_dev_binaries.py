"""Build the PDF documents of the dev half of the field corpus from their source text.

Run from the project root:  .venv/bin/python evals/field/make_dev_binaries.py

The source is plain text with a few line markers, so the wording can be reviewed
in a diff; the PDF imitates a printed report (title page, running header and
footer on every page, tables) so that the reader meets the debris a real one carries.

Markers: TITLE:, SUBTITLE:, META: (title page), PAGEBREAK, "# " chapter heading,
"## " section heading, TOC: (contents line), "- " bullet, TABLE: <caption> followed
by " | "-separated rows up to a blank line (first row is the header).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

HERE = Path(__file__).parent
SOURCES = HERE / "binary-sources" / "dev"
OUT = HERE / "docs" / "dev"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


class Report(FPDF):
    def __init__(self, running_title: str) -> None:
        super().__init__(format="A4")
        self.running_title = running_title
        self.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSerif.ttf"))
        self.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSerif-Bold.ttf"))
        self.add_font("DejaVu", "I", str(FONT_DIR / "DejaVuSerif-Italic.ttf"))
        self.set_margins(22, 22, 22)
        self.set_auto_page_break(True, margin=22)

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("DejaVu", "I", 8)
        self.cell(0, 6, self.running_title, align="L")
        self.ln(10)

    def footer(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(-15)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 6, f"Final Report · December 2021 · Page {self.page_no()} of {{nb}}", align="C")


def build(source: Path, target: Path) -> None:
    lines = source.read_text(encoding="utf-8").split("\n")
    title = next(line[6:].strip() for line in lines if line.startswith("TITLE:"))
    pdf = Report(title)
    pdf.set_title(title)
    pdf.set_author("Northwest Institute for Health Development Studies")
    # A fixed date keeps the file byte-identical between runs, so a rebuild shows no spurious diff.
    pdf.set_creation_date(datetime(2021, 12, 20, tzinfo=UTC))
    pdf.add_page()
    pdf.ln(50)
    index = 0
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(0, 5.6, " ".join(paragraph), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
            paragraph.clear()

    while index < len(lines):
        line = lines[index].rstrip()
        index += 1
        if not line.strip():
            flush()
            continue
        if line.startswith("TITLE:"):
            pdf.set_font("DejaVu", "B", 20)
            pdf.multi_cell(0, 10, line[6:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif line.startswith("SUBTITLE:"):
            pdf.set_font("DejaVu", "", 14)
            pdf.multi_cell(0, 8, line[9:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(30)
        elif line.startswith("META:"):
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(0, 7, line[5:].strip(), align="C", new_x="LMARGIN", new_y="NEXT")
        elif line == "PAGEBREAK":
            flush()
            pdf.add_page()
        elif line.startswith("## "):
            flush()
            pdf.set_font("DejaVu", "B", 11.5)
            pdf.ln(2)
            pdf.multi_cell(0, 6.5, line[3:].strip(), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1.5)
        elif line.startswith("# "):
            flush()
            pdf.set_font("DejaVu", "B", 16)
            pdf.multi_cell(0, 9, line[2:].strip(), align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif line.startswith("TOC:"):
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(0, 6.5, line[4:].strip(), align="L", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("- "):
            flush()
            pdf.set_font("DejaVu", "", 10.5)
            pdf.multi_cell(0, 5.6, "•  " + line[2:].strip(), align="L", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("TABLE:"):
            flush()
            pdf.set_font("DejaVu", "B", 10)
            pdf.multi_cell(0, 6, line[6:].strip(), align="L", new_x="LMARGIN", new_y="NEXT")
            rows = []
            while index < len(lines) and lines[index].strip():
                rows.append([cell.strip() for cell in lines[index].split("|")])
                index += 1
            pdf.set_font("DejaVu", "", 9)
            with pdf.table(headings_style=FontFace(emphasis="BOLD"), line_height=5, text_align="LEFT") as table:
                for row in rows:
                    table.row(row)
            pdf.ln(3)
        else:
            paragraph.append(line.strip())
    flush()
    pdf.output(str(target))


def main() -> None:
    for source in sorted(SOURCES.glob("*.txt")):
        target = OUT / f"{source.stem}.pdf"
        build(source, target)
        print(f"wrote {target.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
