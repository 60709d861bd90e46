"""Issue 13's title rule: a document the catalog does not list gets a real title: the file's own
metadata title, else a title-like first line (not "Abstract", not a section label, not an author,
citation or article-type line), else its file name in words, never a hash. Checked on files of
every format, and on the field corpus (evals/field/docs), whose files no catalog lists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.documents import scan_corpus

PROJECT = Path(__file__).resolve().parent.parent
BODY = "County hospitals report their referrals to the health commission every month, as the notice requires."


def write_pdf(path: Path, lines: list[str], title: str | None = None) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    if title is not None:
        pdf.set_title(title)
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for line in lines:
        pdf.multi_cell(0, 7, line)
        pdf.ln(3)
    path.write_bytes(bytes(pdf.output()))


def write_docx(path: Path, lines: list[str], title: str = "") -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    for line in lines:
        document.add_paragraph(line)
    document.save(str(path))


@pytest.fixture
def titles(tmp_path, settings_for):
    """Writes the files given, scans them as a corpus, returns {file name: title}."""

    def scan(files: dict[str, object]) -> dict[str, str]:
        corpus = tmp_path / "corpus"
        corpus.mkdir(exist_ok=True)
        for name, content in files.items():
            if callable(content):
                content(corpus / name)
            else:
                (corpus / name).write_text(content, encoding="utf-8")
        documents, errors = scan_corpus(settings_for(tmp_path, corpus))
        assert errors == []
        return {d.source: d.title for d in documents}

    return scan


def test_the_files_own_title_comes_first(titles):
    found = titles({
        "a.pdf": lambda p: write_pdf(p, ["Abstract", BODY], title="Referral reporting in county hospitals"),
        "b.docx": lambda p: write_docx(p, ["Abstract", BODY], title="Village clinic staffing review"),
        "c.html": "<html><head><title>Township telehealth pilot opens_Yichang Municipal Health Commission</title>"
                  f"</head><body><p>Abstract</p><p>{BODY}</p></body></html>",
    })
    assert found == {
        "a.pdf": "Referral reporting in county hospitals",
        "b.docx": "Village clinic staffing review",
        "c.html": "Township telehealth pilot opens",  # the site's name after '_' dropped
    }


def test_default_titles_of_office_software_are_passed_over(titles):
    found = titles({
        "d.pdf": lambda p: write_pdf(p, ["Effects of payment reform on county hospitals", BODY],
                                     title="Microsoft Word - draft3.docx"),
        "e.docx": lambda p: write_docx(p, ["Use of Internet hospitals in Ningbo", BODY], title="Document1"),
    })
    assert found == {
        "d.pdf": "Effects of payment reform on county hospitals", "e.docx": "Use of Internet hospitals in Ningbo",
    }


def test_layout_lines_are_never_titles(titles):
    found = titles({
        "banner.txt": f"Original Research | Open Access\n\nEffects of the county medical group reform\n\n"
                      f"LI Jianguo 1, ZHAO Min 2, GUO Hui 1,*\n\n{BODY}\n",
        "labels.txt": f"Abstract\n\nObjective: To assess the referral system.\n\n{BODY}\n",
        "bracketed.txt": f"[Abstract] Objective: To assess how the county responded.\n\n{BODY}\n",
        "authors.txt": "Ding S, Zhou Y\n\nCitation: Ding S, Zhou Y (2024) Family doctors in Hefei. PLoS One 19(3)"
                       f"\n\n{BODY}\n",
        "issuer.txt": "General Office of the Hunan Provincial People's Government\n\n"
                      f"Notice on the Key Tasks of Medical Reform in 2022\n\n{BODY}\n",
        "markdown.md": "## Tianchang keeps its insurance savings\n\n*By our reporter Wang Qian | Anhui Daily*"
                       f"\n\n{BODY}\n",
        "004_6e1a4a535e9db8bc.txt": f"Abstract\n\n{BODY}\n",
        "county-referral_report.txt": f"{BODY}\n",
    })
    assert found == {
        "banner.txt": "Effects of the county medical group reform",
        "labels.txt": "labels",
        "bracketed.txt": "bracketed",
        "authors.txt": "authors",
        "issuer.txt": "Notice on the Key Tasks of Medical Reform in 2022",
        "markdown.md": "Tianchang keeps its insurance savings",
        "004_6e1a4a535e9db8bc.txt": "Untitled TXT document",
        "county-referral_report.txt": "county referral report",
    }


def test_every_field_document_gets_a_real_title(tmp_path, settings_for):
    """Was: titles such as "Abstract" or "004 6e1a4a535e9db8bc"; long real titles were replaced by
    the file name."""
    documents = []
    for half in ("dev", "test"):
        found, errors = scan_corpus(settings_for(tmp_path, PROJECT / "evals" / "field" / "docs" / half))
        assert errors == []
        documents += found
    assert len(documents) >= 24
    for document in documents:
        title, stem = document.title, Path(document.source).stem
        assert title.replace(" ", "-").lower() != stem.lower(), f"{document.source}: fell back to its file name"
        assert not re.fullmatch(r"(?i)abstract|summary|objectives?|background|methods|results|conclusions?", title)
        assert not re.search(r"(?i)\b(open access|research article|citation|doi)\b|https?://", title), title
        assert not re.search(r"[0-9a-f]{8,}", title), title
    by_id = {d.doc_id: d.title for d in documents}
    assert by_id["jinhua-drg-payment-hospital-cost-and-stay"].startswith("Did paying by diagnosis-related groups")
    assert by_id["hunan-medical-reform-key-tasks-2022"].startswith("Notice on Printing and Distributing")
    assert by_id["gansu-health-poverty-alleviation-evaluation-report"] == (
        "Evaluation of Health Poverty Alleviation in Gansu Province, 2016–2020"  # the PDF's /Title
    )
