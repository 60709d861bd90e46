"""Under load: 20 conversations of 3 questions each, all at once, through gradio_client against the
UI served on 127.0.0.1. Every answer must arrive, and each conversation's follow-ups must be read
against its own first question, never another session's: the follow-ups are the same words in every
conversation ("What does it recommend?"), so only the session's own history can say which study
"it" is. Latency is printed (p50/p95/max), not asserted: speed targets live in benchmarks."""

from __future__ import annotations

import statistics
import time
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
from gradio_client import Client
from ui_support import served, with_data_dir

from assistant import Assistant

pytestmark = pytest.mark.slow

J_TOWN = "j-town-health-poverty-alleviation"
L_COUNTY = "l-county-medical-community"
GD_STUDY = "gd-internet-medical-implementation"
SUBJECT = {J_TOWN: "J Town", L_COUNTY: "L County", GD_STUDY: "Guangdong"}  # what a rewritten follow-up must name
# 20 different opening questions over three studies; each is answered from its study alone.
OPENINGS = [
    (J_TOWN, "What problems did the J Town study find?"),
    (L_COUNTY, "What problems did the L County study find?"),
    (GD_STUDY, "What problems did the study of Guangdong's Internet medical policy find?"),
    (J_TOWN, "What problems did the J Town health poverty alleviation study identify?"),
    (L_COUNTY, "What held back the county medical community policy in L County?"),
    (GD_STUDY, "What difficulties does the Guangdong Internet medical policy study report?"),
    (J_TOWN, "Which difficulties does the J Town paper report?"),
    (L_COUNTY, "Which difficulties does the L County paper report?"),
    (GD_STUDY, "What did the study find about implementing Internet medical policy in Guangdong?"),
    (J_TOWN, "What did the J Town study find about health poverty alleviation?"),
    (L_COUNTY, "What did the L County medical community study find?"),
    (GD_STUDY, "What are the main findings of the Guangdong Internet medical policy study?"),
    (J_TOWN, "What are the main findings of the J Town study?"),
    (L_COUNTY, "What are the main findings of the L County study?"),
    (GD_STUDY, "What obstacles to Internet medical policy were found in Guangdong?"),
    (J_TOWN, "What obstacles to health poverty alleviation were found in J Town?"),
    (L_COUNTY, "What obstacles did the tightly-knit county medical community meet in L County?"),
    (GD_STUDY, "What issues did the Guangdong Internet medical study uncover?"),
    (J_TOWN, "What issues did the study of J Town in Fujian uncover?"),
    (L_COUNTY, "What issues did the L County study uncover?"),
]
FOLLOW_UPS = ["What does it recommend?", "What causes does it give for them?"]
TIMEOUT_S = 120  # for the whole run; one answer takes well under a second when the machine is idle


@pytest.fixture(scope="module")
def bot(seed_index, embedder, tmp_path_factory):
    return Assistant(with_data_dir(seed_index, tmp_path_factory.mktemp("load-data")), embedder=embedder)


def converse(url: str, opening: str) -> list[tuple[str, dict, float, float, float]]:
    """One session: the opening question, then the two follow-ups. (question, answer, start, end, seconds)."""
    client = Client(url, verbose=False, analytics_enabled=False, download_files=False)
    turns = []
    for question in [opening, *FOLLOW_UPS]:
        began = time.perf_counter()
        answer = client.submit(question=question, api_name="/chat").result(timeout=TIMEOUT_S)
        ended = time.perf_counter()
        turns.append((question, answer, began, ended, ended - began))
    return turns


def test_twenty_concurrent_conversations_each_keep_their_own_thread(bot, capsys):
    assert len(OPENINGS) == 20 and len({q for _, q in OPENINGS}) == 20
    with served(bot) as url, ThreadPoolExecutor(max_workers=len(OPENINGS)) as pool:
        began = time.perf_counter()
        futures = {pool.submit(converse, url, opening): (doc_id, opening) for doc_id, opening in OPENINGS}
        done, late = wait(futures, timeout=TIMEOUT_S)
        wall = time.perf_counter() - began
        assert not late, f"{len(late)} conversations did not finish within {TIMEOUT_S}s"
        results = {futures[f]: f.result() for f in done}  # re-raises any error a session met

    latencies = []
    for (doc_id, opening), turns in results.items():
        assert [question for question, *_ in turns] == [opening, *FOLLOW_UPS]  # every answer arrived
        for number, (question, answer, _, _, seconds) in enumerate(turns):
            latencies.append(seconds)
            assert not answer["abstained"], (opening, question, answer["text"][:200])
            cited = {c["doc_id"] for c in answer["citations"]}
            assert cited == {doc_id}, (opening, question, cited)
            if number == 0:
                assert answer["question"] == opening
            else:  # the follow-up was rewritten from this session's history, not another's
                assert answer["original_question"] == question
                assert answer["question"] != question and SUBJECT[doc_id] in answer["question"], (
                    opening, answer["question"])

    # The sessions really overlapped: at some moment many questions were in flight at once.
    spans = [(start, end) for turns in results.values() for _, _, start, end, _ in turns]
    in_flight = max(sum(1 for s, e in spans if s <= moment < e) for moment, _ in spans)
    assert in_flight >= 10, in_flight

    quantiles = statistics.quantiles(latencies, n=20)
    with capsys.disabled():
        print(
            f"\n[load] {len(results)} conversations x 3 questions in {wall:.1f}s; up to {in_flight} in flight; "
            f"latency per answer p50 {statistics.median(latencies):.2f}s, p95 {quantiles[18]:.2f}s, "
            f"max {max(latencies):.2f}s (concurrency_limit {bot.settings.ui.concurrency_limit})"
        )
