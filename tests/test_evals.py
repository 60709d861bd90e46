"""The evals machinery on the real seed index: scoring judges real answers, and the gate catches a degraded system."""

from __future__ import annotations

import json
import re
import textwrap

import pytest
from conftest import PROJECT

from assistant import Assistant
from assistant.evaluation.cases import QuestionSetError, Turn, find_sets, load_set, load_sets
from assistant.evaluation.cli import run as evals
from assistant.evaluation.scoring import judge_citations, percentile, score_turn, split_claims

pytestmark = pytest.mark.slow

PLAN = "gd-internet-plus-action-plan"
BASELINE = PROJECT / "evals" / "baseline.json"


@pytest.fixture(scope="module")
def bot(seed_index, embedder):
    return Assistant(seed_index, embedder=embedder)


@pytest.fixture(scope="module")
def insurance_answer(bot):
    return bot.ask("Which departments are responsible for Internet + Social Security?")


def test_claims_are_the_bullets_and_list_introductions_are_scaffolding():
    text = "According to the plan [1], the departments are:\n- Finance Department [1]\n- Education Department [2]"
    claims = split_claims(text)
    assert [c.text for c in claims] == ["Finance Department", "Education Department"]
    assert [c.markers for c in claims] == [[1], [2]]


def test_containment_supports_every_bullet_of_a_real_extractive_answer(insurance_answer):
    claims = judge_citations(insurance_answer)
    assert len(claims) >= 5
    assert all(c.supported_by == c.markers for c in claims), [c for c in claims if c.supported_by != c.markers]


def task_passage(bot, answer, number: int):
    """A citation, numbered `number`, of the plan's line describing the Internet + Social Security task
    (the settlement platform), which names no department: the task is in the answer's lead, not cited."""
    text = bot.document_text(PLAN)
    start = text.index("The province's medical insurance settlement service management platform")
    end = text.index("\n", start)
    cited = answer.citations[0]
    return cited.model_copy(update={"number": number, "text": text[start:end], "start": start, "end": end})


def test_a_marker_moved_to_the_wrong_passage_is_not_support(bot, insurance_answer):
    """Point every department bullet at the task passage instead: containment must reject them."""
    task = task_passage(bot, insurance_answer, len(insurance_answer.citations) + 1)
    departments = next(c.number for c in insurance_answer.citations if "Finance Department" in c.text)
    text = insurance_answer.text.replace(f"[{departments}]", f"[{task.number}]")
    tampered = insurance_answer.model_copy(update={"text": text, "citations": insurance_answer.citations + [task]})
    claims = [c for c in judge_citations(tampered) if "Department" in c.text]
    assert claims and not any(c.supported_by for c in claims)


def test_similarity_method_accepts_a_paraphrase_and_rejects_an_unrelated_claim(bot, insurance_answer):
    from assistant.evaluation.runner import embedding_similarity

    similarity = embedding_similarity(bot)
    passage = task_passage(bot, insurance_answer, 1)
    paraphrase = "The province will build a platform for settling medical insurance and a central insurance database."
    answer = insurance_answer.model_copy(update={
        "text": f"{paraphrase} [{passage.number}]\nThe World Cup final was won on penalties. [{passage.number}]",
        "citations": [passage],
    })
    claims = judge_citations(answer, similarity)
    assert claims[0].supported_by == [passage.number]
    assert claims[1].supported_by == []


def test_score_turn_counts_missing_facts_and_ranks(bot, insurance_answer):
    turn = Turn(
        question=insurance_answer.question, intent="responsibility", expected_docs=[PLAN],
        key_facts=[["Finance Department"], ["Ministry of Sports"]],
    )
    texts = [bot.document_text(p.doc_id)[p.start:p.end] for p in insurance_answer.retrieved]
    scored = score_turn(insurance_answer, turn, texts, 0.01)
    assert scored["facts_missing"] == ["Ministry of Sports"]
    assert scored["doc_rank"] == 1
    assert scored["passage_rank"] is not None
    assert scored["passed"] is False  # a key fact is missing


def test_percentile_is_nearest_rank():
    assert percentile([0.3, 0.1, 0.2, 0.4], 50) == 0.2
    assert percentile([0.3, 0.1, 0.2, 0.4], 95) == 0.4
    assert percentile([], 50) == 0.0


def test_a_broken_case_is_refused_with_file_and_case_named(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(textwrap.dedent("""
        name: broken
        cases:
          - id: no-facts
            question: "Which departments lead the social security work?"
            intent: responsibility
            expected_docs: [gd-internet-plus-action-plan]
    """), encoding="utf-8")
    with pytest.raises(QuestionSetError, match=r"broken.yaml: no-facts: .*expected_docs and key_facts"):
        load_set(path)


def test_duplicate_case_ids_across_sets_are_refused(tmp_path):
    case = "cases:\n  - {id: same, question: 'Who won?', intent: fact, answerable: false}\n"
    (tmp_path / "a.yaml").write_text("name: a\n" + case, encoding="utf-8")
    (tmp_path / "b.yaml").write_text("name: b\n" + case, encoding="utf-8")
    with pytest.raises(QuestionSetError, match="'same' appears in both a and b"):
        load_sets(find_sets(tmp_path))


def test_unknown_set_name_exits_2(seed_index, capsys):
    assert evals(["no-such-set"], root=seed_index.root) == 2
    assert "no question set named 'no-such-set'" in capsys.readouterr().err


# -- the regression gate against the committed baseline -------------------------------------


def _run_gate(seed_index, tmp_path, *extra: str, **overrides) -> int:
    sets = [str(p) for p in find_sets(PROJECT / "evals")]
    argv = [*sets, "--check", "--baseline", str(BASELINE), "--report", str(tmp_path / "report"), *extra]
    return evals(argv, **overrides)


def test_gate_passes_on_the_real_configuration(seed_index, tmp_path, capsys):
    status = _run_gate(seed_index, tmp_path, **_settings_of(seed_index))
    out = capsys.readouterr()
    assert status == 0, out.err
    assert "gate: no regressions" in out.out
    folder = tmp_path / "report" / "seeds"  # one report folder per suite; set paths make the seeds suite
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["gate"]["passed"] is True
    assert (folder / "report.md").read_text(encoding="utf-8").startswith("# Eval report")
    assert (folder / "intents.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_gate_fails_and_names_the_losses_when_retrieval_is_crippled(seed_index, tmp_path, capsys):
    """top_k 1 with BM25 switched off: the gate must exit 1 and say which metrics and cases regressed."""
    settings = _settings_of(seed_index)
    settings["retrieval"] = {"use_bm25": False}
    status = _run_gate(seed_index, tmp_path, "--top-k", "1", **settings)
    err = capsys.readouterr().err
    assert status == 1
    assert re.search(r"passage_hit@k: [\d.]+ -> [\d.]+ \(fell", err), err
    assert re.search(r"key_fact_recall: [\d.]+ -> [\d.]+ \(fell", err), err
    assert re.search(r"case [\w#-]+: pass -> fail", err), err


def _settings_of(settings) -> dict:
    """The seed project's settings as overrides for `evals` (a temp copy of corpus/ with its own index)."""
    return {
        "root": settings.root,
        "corpus": {"path": str(settings.corpus_dir)},
        "index": {"path": str(settings.index_dir)},
        "ui": {"data_dir": str(settings.root / "data")},
    }
