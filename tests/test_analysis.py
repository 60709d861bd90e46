"""Analysis views on the seed corpus: responsibility matrices, Smith-model labels, comparisons,
their exports (CLI, UI) and their scoring against evals/analysis_gold.yaml."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import PROJECT

from assistant.analysis import views as analysis
from assistant.api import Assistant
from assistant.documents import Document
from assistant.evaluation.analysis_scoring import GOLD_FILE, load_gold, match, score
from assistant.evaluation.cases import find_sets, normalise

pytestmark = pytest.mark.slow

PLAN = "gd-internet-plus-action-plan"
NOTICE = "gd-medical-reform-key-tasks"
GD_STUDY = "gd-internet-medical-implementation"
L_COUNTY = "l-county-medical-community"
J_TOWN = "j-town-health-poverty-alleviation"
STUDIES = {GD_STUDY, L_COUNTY, J_TOWN}
GOLD = PROJECT / "evals" / GOLD_FILE


@pytest.fixture(scope="module")
def bot(seed_index, embedder):
    return Assistant(seed_index, embedder=embedder)


@pytest.fixture(scope="module")
def report(bot):
    return bot.analyze()


def _row(matrix, task: str):
    return next(row for row in matrix.rows if row.task == task)


def _item(report, doc_id: str, text: str):
    study = next(s for s in report.studies if s.doc_id == doc_id)
    return next(i for i in study.items if i.text == text)


def _citations(report):
    for matrix in report.matrices:
        for row in matrix.rows:
            yield row.citation
            yield from (cell.citation for cell in row.departments)
    for study in report.studies:
        yield from (item.citation for item in study.items)


# -- responsibility matrix ---------------------------------------------------------------------


def test_social_security_row_lists_the_local_taxation_bureau_cited_verbatim(bot):
    matrix = bot.analyze(PLAN).matrices[0]
    assert [row.task for row in matrix.rows] == [
        "Internet + technology research and development", "Internet + Medical", "Internet + Social Security",
    ]
    row = _row(matrix, "Internet + Social Security")
    names = [cell.department for cell in row.departments]
    assert names[0] == "Provincial Human Resources and Social Security Department"
    assert "Local Taxation Bureau" in names and len(names) == 8
    text = bot.document_text(PLAN)
    cell = row.departments[names.index("Local Taxation Bureau")]
    assert text[cell.start : cell.end] == "Local Taxation Bureau"
    citation = cell.citation
    assert citation.doc_id == PLAN
    assert text[citation.start : citation.end] == citation.text
    assert citation.start <= cell.start and cell.end <= citation.end
    assert citation.text.startswith("(Provincial Human Resources") and "Local Taxation Bureau" in citation.text
    # the task cell cites the task's own text, not the department list
    assert "medical insurance settlement service management platform" in row.citation.text


def test_first_task_keeps_the_departments_after_responsible_for(bot):
    row = _row(bot.analyze(PLAN).matrices[0], "Internet + technology research and development")
    assert [c.department for c in row.departments] == [
        "Provincial Economic and Information Technology Commission", "Development and Reform Commission",
        "Science and Technology Department", "Quality Supervision Bureau",
    ]


def test_the_2020_notice_lists_its_six_tasks_without_inventing_departments(bot):
    report = bot.analyze(NOTICE)
    assert not report.studies
    matrix = report.matrices[0]
    assert len(matrix.rows) == 6
    assert matrix.rows[0].task == "strengthening the construction of public health system"
    assert all(not row.departments for row in matrix.rows)
    assert "no department" in matrix.note


# -- Smith-model analysis ----------------------------------------------------------------------


def test_j_town_lack_of_primary_medical_staff_is_an_organisation_finding(report):
    item = _item(report, J_TOWN, "lack of primary medical staff")
    assert (item.kind, item.component, item.labelled_by) == ("finding", "organisation", "cue")
    assert "staff" in item.cues
    assert item.text in item.citation.text


def test_gd_study_findings_follow_the_model_one_per_component(report):
    study = next(s for s in report.studies if s.doc_id == GD_STUDY)
    assert [(i.text, i.component) for i in study.findings] == [
        ("insufficient top-level design", "policy"),
        ("insufficient implementation capacity of policy implementation agencies", "organisation"),
        ("low participation of policy target groups", "target_group"),
        ("insufficient atmosphere for policy implementation", "environment"),
    ]


def test_a_point_without_cue_takes_the_component_of_its_sentence(report):
    """'people-oriented medical philosophy' names no component; it closes the sentence on the
    policy environment (legal guarantee, financial support), and the study's order says so too."""
    item = _item(report, GD_STUDY, 'implementation degree of "people-oriented" medical philosophy is low')
    assert (item.kind, item.component, item.labelled_by) == ("cause", "environment", "order")
    recommendation = _item(report, GD_STUDY, "Give play to the leading role of policy")
    assert (recommendation.component, recommendation.labelled_by) == ("organisation", "order")


def test_l_county_names_the_four_factors_but_they_are_not_findings(report):
    study = next(s for s in report.studies if s.doc_id == L_COUNTY)
    assert not study.findings and not study.causes
    assert [i.component for i in study.countermeasures] == analysis.COMPONENTS
    assert study.countermeasures[0].text == "improving the implementation rules of county health community policy"


def test_chained_points_are_split_and_announcements_are_not_recommendations(report):
    texts = [i.text for i in next(s for s in report.studies if s.doc_id == J_TOWN).countermeasures]
    assert "Take advantage of family doctors" in texts  # run on after "... ability and level"
    assert "implement a nationwide network of medical insurance one-stop settlement services" in texts
    assert not any("Hanyin County" in t or "puts forward" in t or t.startswith("so that") for t in texts)
    gd = [i.text for i in next(s for s in report.studies if s.doc_id == GD_STUDY).causes]
    assert "industry is short of talents" in gd and "lack of positive incentives" in gd


def test_every_citation_and_item_is_verbatim_at_its_offsets(bot, report):
    citations = list(_citations(report))
    assert citations and report.citations
    for citation in citations:
        assert bot.document_text(citation.doc_id)[citation.start : citation.end] == citation.text
        assert report.citations[citation.number - 1] is citation
    for study in report.studies:
        text = bot.document_text(study.doc_id)
        for item in study.items:
            assert text[item.start : item.end] == item.text
            assert item.citation.start <= item.start and item.end <= item.citation.end
    assert [c.number for c in report.citations] == list(range(1, len(report.citations) + 1))


def test_the_analysis_is_deterministic(bot, report):
    assert bot.analyze().model_dump() == report.model_dump()


# -- labelling rules on a made-up study --------------------------------------------------------


def _study(text: str) -> Document:
    return Document(doc_id="made-up", title="A made-up study", kind="research abstract", source="made-up.txt",
                    text=text, content_hash=str(hash(text)))


def test_labels_fall_back_to_embedding_similarity_when_neither_cue_nor_order_decides():
    text = ("This paper studies the policy. The research findings are as follows: the county has some problems, "
            "such as slow progress in villages, and weak links with hospitals.")
    asked: list[list[str]] = []

    def similarity(texts, descriptions):
        asked.append(texts)
        sims = np.zeros((len(texts), len(descriptions)))
        for row, item in enumerate(texts):
            sims[row, 3 if "villages" in item else 1] = 1.0
        return sims

    study = analysis.build_report([_study(text)], similarity).studies[0]
    assert [(i.text, i.component, i.labelled_by) for i in study.findings] == [
        ("slow progress in villages", "environment", "embedding"),
        ("weak links with hospitals", "organisation", "embedding"),
    ]
    assert asked == [["slow progress in villages", "weak links with hospitals"]]


def test_a_cue_beats_the_embedding_and_is_named():
    text = "This paper finds problems, such as a shortage of staff, and low awareness of the target group."

    def similarity(texts, descriptions):  # would say "policy" for everything
        raise AssertionError("cues decide here; the embedding is not consulted")

    study = analysis.build_report([_study(text)], similarity).studies[0]
    assert [(i.component, i.labelled_by) for i in study.findings] == [("organisation", "cue"), ("target_group", "cue")]
    assert study.findings[1].cues == ["target group", "awareness"]


def test_component_names_are_read_loosely_and_unknown_ones_refused():
    assert analysis.parse_component("Target group") == "target_group"
    assert analysis.parse_component("target-group") == "target_group"
    assert analysis.parse_component("organization") == "organisation"
    with pytest.raises(ValueError, match="unknown component 'budget'"):
        analysis.parse_component("budget")


# -- comparison --------------------------------------------------------------------------------


def test_target_group_comparison_has_an_entry_for_each_study(bot):
    comparison = bot.compare("target group")
    assert comparison.component == "target_group"
    entries = {e.doc_id: e for e in comparison.studies}
    assert set(entries) == STUDIES
    assert [i.text for i in entries[GD_STUDY].findings] == ["low participation of policy target groups"]
    assert [i.text for i in entries[J_TOWN].findings] == ["weak health consciousness of target groups"]
    assert "increase the publicity of health poverty alleviation policy" in [
        i.text for i in entries[J_TOWN].countermeasures
    ]
    assert not entries[L_COUNTY].findings and entries[L_COUNTY].countermeasures
    for entry in comparison.studies:
        assert all(i.component == "target_group" for i in entry.findings + entry.causes + entry.countermeasures)


def test_a_component_report_holds_only_that_comparison_numbered_afresh(bot):
    report = bot.analyze(component="environment")
    assert not report.matrices and not report.studies
    assert [c.component for c in report.comparisons] == ["environment"]
    assert [c.number for c in report.citations] == list(range(1, len(report.citations) + 1))
    markdown = analysis.to_markdown(report)
    assert "## Compared: policy environment" in markdown
    assert "insufficient atmosphere for policy implementation [1]" in markdown


# -- exports and the command line --------------------------------------------------------------


def test_cli_prints_the_plan_as_csv_with_a_row_per_task_and_department(seed_index, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.chdir(seed_index.root)
    assert main(["analyze", "--doc", PLAN, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == 4 + 5 + 8
    assert list(rows[0]) == [
        "doc_id", "task", "department", "department_start", "department_end",
        "citation", "citation_start", "citation_end", "citation_text",
    ]
    tax = next(r for r in rows if r["department"] == "Local Taxation Bureau")
    assert tax["task"] == "Internet + Social Security"
    assert "Local Taxation Bureau" in tax["citation_text"]


def test_cli_component_flag_and_formats(seed_index, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.chdir(seed_index.root)
    assert main(["analyze", "--component", "target-group", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {e["doc_id"] for e in data["comparisons"][0]["studies"]} == STUDIES
    assert main(["analyze", "--doc", J_TOWN]) == 0
    out = capsys.readouterr().out
    assert "| Implementing organisation | lack of primary medical staff [1]" in out
    assert main(["analyze", "--format", "csv"]) == 2  # three tables: which one?
    assert "choose one of responsibility, smith, comparison" in capsys.readouterr().err
    assert main(["analyze", "--format", "csv", "--table", "smith"]) == 0
    smith = capsys.readouterr().out
    assert f"{J_TOWN},finding,organisation,lack of primary medical staff" in smith
    assert main(["analyze", "--doc", "no-such-doc"]) == 2


def test_exports_are_written_whole_for_each_table(report, tmp_path):
    files = analysis.write_exports(report, tmp_path, "all")
    assert set(files) == {"md", "json", "responsibility", "smith", "comparison"}
    assert json.loads(files["json"].read_text(encoding="utf-8"))["studies"]
    assert files["smith"].read_text(encoding="utf-8").startswith("doc_id,kind,component,item,")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in files.values())


def test_the_ui_analysis_tab_calls_the_library_and_offers_downloads(bot):
    from assistant.ui import build_app

    app = build_app(bot)
    handler = next(f.fn for f in app.fns.values() if f.name == "show_analysis")
    tables, sources, *buttons = handler(PLAN, "")
    assert "Who is responsible: Guangdong" in tables and "Local Taxation Bureau" in tables
    assert "Smith-model analysis" not in tables  # the one document asked for
    assert f'data-doc-id="{PLAN}"' in sources
    offered = {Path(b.value["path"] if isinstance(b.value, dict) else b.value).name for b in buttons if b.visible}
    assert offered == {f"analysis-{PLAN}.md", f"analysis-{PLAN}.json", f"analysis-{PLAN}.responsibility.csv"}
    tables, *_ = handler("", "policy")
    assert "Compared: idealised policy" in tables


# -- scoring against the gold ------------------------------------------------------------------


def test_the_gold_is_not_a_question_set_and_quotes_the_documents(bot):
    assert GOLD not in find_sets(GOLD.parent)
    gold = load_gold(GOLD)
    assert set(gold.studies) == STUDIES and set(gold.responsibility) == {PLAN, NOTICE}
    texts = {doc_id: normalise(bot.document_text(doc_id)) for doc_id in STUDIES | {PLAN, NOTICE}}
    for doc_id, study in gold.studies.items():
        for items in (study.findings, study.causes, study.countermeasures):
            for item in items:
                assert normalise(item.text) in texts[doc_id], item.text
    for doc_id, tasks in gold.responsibility.items():
        for task in tasks:
            for phrase in [task.task, *task.departments]:
                assert normalise(phrase) in texts[doc_id], phrase
    raw = yaml.safe_load(GOLD.read_text(encoding="utf-8"))
    assert "cases" not in raw


def test_matching_is_one_to_one_by_containment():
    gold = ["lack of primary medical staff", "weak health consciousness of target groups"]
    whole = "lack of primary medical staff, weak health consciousness of target groups"
    assert len(match([whole], gold)) == 1  # one sentence stands for one point, not two
    assert match(["Lack of  primary medical staff", "weak health consciousness"], gold) == {0: 0, 1: 1}
    assert match(["something else"], gold) == {}


def test_scores_count_misses_extras_and_wrong_labels(report):
    result = score(report, load_gold(GOLD))
    metrics = result.metrics
    assert set(metrics) >= {
        "analysis_item_precision", "analysis_item_recall", "analysis_label_accuracy",
        "responsibility_cell_recall", "analysis_target_group_recall",
    }
    assert metrics["responsibility_cell_recall"] == 1.0
    assert result.counts["items_gold"] == 50
    assert result.counts["items_matched"] <= result.counts["items_extracted"]
    missed = {m.text for m in result.mismatches if m.problem == "missed"}
    extra = {m.text for m in result.mismatches if m.problem == "extra"}
    assert (result.counts["items_gold"] - result.counts["items_matched"]) == len(
        [m for m in result.mismatches if m.problem == "missed" and m.kind in analysis.ITEM_KINDS]
    )
    assert not missed & extra
    # a deliberately wrong label is counted against accuracy and the component's figures
    broken = report.model_copy(deep=True)
    staff = next(i for s in broken.studies if s.doc_id == J_TOWN for i in s.items
                 if i.text == "lack of primary medical staff")
    staff.component = "environment"
    worse = score(broken, load_gold(GOLD)).metrics
    assert worse["analysis_label_accuracy"] < metrics["analysis_label_accuracy"]
    assert worse["analysis_organisation_recall"] < metrics["analysis_organisation_recall"]
    assert worse["analysis_environment_precision"] < metrics["analysis_environment_precision"]
