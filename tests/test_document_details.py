"""Issue 17's document details: title, kind, region and year can be set for any document (library,
CLI; the UI's Documents tab is driven in test_ui_browser.py), kept in corpus/catalog.yaml for a
corpus file (its comments kept) and beside an upload for an upload, and reach the index, its
filters and citations. On upload, the kind and year are guessed from the document and reported
for correction."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from ui_support import copy_seed

from assistant import Filters, cli
from assistant.api import Assistant
from assistant.errors import InvalidRequest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
J_TOWN = "j-town-health-poverty-alleviation"
NOTICE = (
    "Notice on the 2022 township telehealth pilot\n\n"
    "The provincial health commission issues this notice. Each county shall connect its township "
    "health centres to the county hospital for remote consultations by the end of the year.\n"
)
STUDY = (
    "Remote consultations in mountain townships\n\n"
    "Objective: To measure how often township patients used video consultations.\n\n"
    "Methods: We reviewed 4,000 consultation records from 12 township health centres.\n\n"
    "Results: Video consultations rose from 3 to 11 per centre each month.\n\n"
    "Conclusions: Township patients use remote consultations when a doctor books them.\n"
)


@pytest.fixture
def bot(seed_index, embedder, tmp_path):
    return Assistant(copy_seed(seed_index, tmp_path / "project"), embedder=embedder)


def info(bot: Assistant, doc_id: str):
    return next(d for d in bot.documents() if d.doc_id == doc_id)


def test_a_year_set_for_a_corpus_document_is_kept_in_the_catalog_and_found_by_the_year_filter(bot):
    catalog = bot.settings.corpus_dir / "catalog.yaml"
    before = catalog.read_text(encoding="utf-8")
    assert info(bot, J_TOWN).year is None

    described = bot.describe_document(J_TOWN, year=2016)

    assert (described.doc_id, described.year) == (J_TOWN, 2016)
    assert info(bot, J_TOWN).year == 2016 and 2016 in bot.facets().years
    after = catalog.read_text(encoding="utf-8")
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines(), strict=True) if a != b]
    assert changed == [("    year: null", "    year: 2016")]  # comments, quoting and order kept
    answer = bot.ask("What problems were found?", filters=Filters(years=[2016]))
    assert answer.citations and {c.doc_id for c in answer.citations} == {J_TOWN}


def test_an_uncatalogued_corpus_document_gets_a_catalog_entry_under_its_id(bot):
    field = PROJECT / "evals" / "field" / "docs" / "dev" / "hefei-family-doctor-contracting-barriers.txt"
    shutil.copy(field, bot.settings.corpus_dir / field.name)
    bot.ingest()
    doc_id = "hefei-family-doctor-contracting-barriers"
    title = info(bot, doc_id).title
    assert title.startswith("Barriers and facilitators of family doctor contracting in Hefei")

    bot.describe_document(doc_id, kind="research abstract", region="Anhui")

    described = info(bot, doc_id)
    assert (described.title, described.kind, described.region) == (title, "research abstract", "Anhui")
    catalog = bot.settings.corpus_dir / "catalog.yaml"
    text = catalog.read_text(encoding="utf-8")
    assert text.startswith("# One entry per document in corpus/.")
    assert f"  - id: {doc_id}\n    file: {field.name}\n" in text
    assert set(bot.facets().regions) >= {"Anhui", "Guangdong"}


def test_an_upload_reports_its_guessed_kind_and_year_and_keeps_the_details_set_beside_it(bot, tmp_path):
    notice, study = tmp_path / "telehealth-pilot.txt", tmp_path / "mountain-consultations.txt"
    notice.write_text(NOTICE, encoding="utf-8")
    study.write_text(STUDY, encoding="utf-8")

    report = bot.add_files([notice, study])

    assert report.added == ["uploads-mountain-consultations", "uploads-telehealth-pilot"]
    guesses = {doc_id: guess.model_dump() for doc_id, guess in report.guesses.items()}
    assert guesses == {
        "uploads-telehealth-pilot": {"kind": "policy notice", "year": 2022},
        "uploads-mountain-consultations": {"kind": "research abstract", "year": None},
    }
    pilot = info(bot, "uploads-telehealth-pilot")
    assert (pilot.title, pilot.kind, pilot.year) == (
        "Notice on the 2022 township telehealth pilot", "policy notice", 2022,
    )

    bot.describe_document("uploads-telehealth-pilot", kind="action plan", region="Yunnan", year=None)

    pilot = info(bot, "uploads-telehealth-pilot")
    assert (pilot.kind, pilot.region, pilot.year) == ("action plan", "Yunnan", None)
    details = json.loads((bot.settings.data_dir / "uploads" / "telehealth-pilot.txt.details.json").read_text())
    assert (details["kind"], details["region"], details["year"]) == ("action plan", "Yunnan", None)
    assert details["guessed"] == []  # all three now set by the user
    assert bot.ask("Who must connect township health centres?", filters=Filters(regions=["Yunnan"])).citations

    # The same file uploaded again keeps what the user set.
    assert bot.add_files([notice]).unchanged
    assert info(bot, "uploads-telehealth-pilot").kind == "action plan"


def test_bad_details_are_refused_with_the_reason_and_change_nothing(bot):
    catalog = bot.settings.corpus_dir / "catalog.yaml"
    before = catalog.read_text(encoding="utf-8")
    with pytest.raises(InvalidRequest, match="the year must be a whole number such as 2016, not '20x6'"):
        bot.describe_document(J_TOWN, year="20x6")
    with pytest.raises(InvalidRequest, match="between 1900 and 2100"):
        bot.describe_document(J_TOWN, year=3016)
    with pytest.raises(InvalidRequest, match="no document with id 'nothing'"):
        bot.describe_document("nothing", year=2016)
    assert catalog.read_text(encoding="utf-8") == before


def test_the_cli_sets_details_with_docs_set(bot, capsys, monkeypatch):
    settings = bot.settings
    monkeypatch.chdir(settings.root)
    monkeypatch.setenv("ASSISTANT_ROOT", str(settings.root))

    assert cli.main(["docs", "--set", J_TOWN, "year=2016", "region=Fujian Province"]) == 0
    assert "2016" in capsys.readouterr().out
    assert cli.main(["docs"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if line.startswith(J_TOWN))
    assert "/ 2016" in row

    assert cli.main(["docs", "--set", J_TOWN, "colour=red"]) == 2
    assert "unknown document detail 'colour' (the details are title, kind, region, year)" in capsys.readouterr().err
    assert cli.main(["docs", "--set", J_TOWN, "2016"]) == 2
    assert "is not field=value" in capsys.readouterr().err
    assert info(Assistant(settings, embedder=bot.embedder), J_TOWN).region == "Fujian Province"
