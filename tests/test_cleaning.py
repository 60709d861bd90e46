"""Each cleaning rule on its own, then the whole cleaner on the real action plan."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.documents.cleaning import (
    add_missing_spaces,
    clean_text,
    is_company_footer,
    is_keyword_list,
    normalise_whitespace,
    remove_boilerplate,
    remove_html_debris,
    strip_table_pipes,
)

ACTION_PLAN = Path(__file__).resolve().parents[1] / "corpus" / "guangdong-internet-plus-action-plan-2015.txt"


# -- table pipes ---------------------------------------------------------------


def test_table_pipes_around_a_paragraph_are_removed():
    text = "| Guangdong will build a provincial medical insurance settlement platform by 2020. |"
    assert strip_table_pipes(text) == "Guangdong will build a provincial medical insurance settlement platform by 2020."
    assert clean_text(text) == "Guangdong will build a provincial medical insurance settlement platform by 2020."


def test_table_pipes_opening_and_closing_a_multi_line_paragraph_are_removed():
    text = "| The platform connects county hospitals\nwith village clinics and pharmacies. |"
    assert clean_text(text) == "The platform connects county hospitals\nwith village clinics and pharmacies."


def test_real_table_rows_keep_their_cells_and_separator_rows_go():
    text = "| Department | Task |\n|---|:---:|\n| Finance Department | Funding |"
    assert strip_table_pipes(text) == "Department; Task\nFinance Department; Funding"


# -- HTML debris -----------------------------------------------------------------


def test_html_block_tags_become_paragraph_breaks():
    text = "<p>First paragraph.</p><div class=\"x\">Second paragraph.</div><br/>Third."
    assert clean_text(text) == "First paragraph.\n\nSecond paragraph.\n\nThird."


def test_spaced_tag_debris_is_removed():
    text = "Village clinics are covered.< p >County hospitals too.< / p >< br / >Pharmacies join in 2016."
    cleaned = clean_text(text)
    assert "<" not in cleaned and ">" not in cleaned
    assert cleaned == "Village clinics are covered.\n\nCounty hospitals too.\n\nPharmacies join in 2016."


def test_inline_tags_vanish_without_a_break():
    text = 'Use <b>e-prescribing</b> and <span style="color:red">online</span> <a href="/x">triage</a>.'
    assert remove_html_debris(text) == "Use e-prescribing and online triage."


def test_entities_are_decoded():
    text = "Food &amp; Drug Administration&nbsp;said &lt;90%&gt; of &quot;records&quot; &#8212; done"
    assert remove_html_debris(text) == 'Food & Drug Administration\u00a0said <90%> of "records" \u2014 done'
    assert clean_text(text) == 'Food & Drug Administration said <90%> of "records" \u2014 done'


@pytest.mark.parametrize(
    "text",
    [
        "Counties with < a thousand doctors and > 50 clinics receive the subsidy.",
        "Rates of < 5 per cent and > 90 per cent were excluded.",
        "Counties where x < p and y > q receive the subsidy.",
        "Counties with <a thousand doctors and >50 clinics receive the subsidy.",
    ],
)
def test_comparison_signs_in_prose_are_not_taken_for_tags(text):
    assert clean_text(text) == text


# -- whitespace --------------------------------------------------------------------


def test_whitespace_runs_collapse_and_blank_lines_are_capped():
    text = "  Remote\t\tdiagnosis   and\u00a0\u00a0triage  \r\n\r\n\r\n\r\nnext\u3000paragraph\u200b here \n"
    assert normalise_whitespace(text) == "Remote diagnosis and triage\n\nnext paragraph here"


# -- missing spaces ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "fixed"),
    [
        ("online services,such as registration", "online services, such as registration"),
        ("every day.But the cost is high", "every day. But the cost is high"),
        ("payment;triage", "payment; triage"),
        ("First:the province", "First: the province"),
        ("Why?Because", "Why? Because"),
        ("by 2020.The rate", "by 2020. The rate"),
        ("communities(hereinafter the centres)", "communities (hereinafter the centres)"),
        ('the "Internet +",which opened', 'the "Internet +", which opened'),
    ],
)
def test_missing_spaces_after_punctuation_are_inserted(raw, fixed):
    assert add_missing_spaces(raw) == fixed


@pytest.mark.parametrize(
    "text",
    [
        "a rate of 3.5 per cent",
        "1,000 village clinics",
        "services, e.g. triage and i.e. payment",
        "the U.S. model",
        "see https://www.gd.gov.cn/zwgk/a,b.html?x=1;y=2 for details",
        "or www.example.org/Notice.Html today",
        "mail office@gdhealth.gov.cn now",
    ],
)
def test_numbers_abbreviations_and_urls_are_left_alone(text):
    assert add_missing_spaces(text) == text


# -- company footers -------------------------------------------------------------------


def test_company_name_with_url_footer_line_is_removed():
    footer = "ACME MEDICAL DEVICES CO.,LTD , https://www.acme-med.com"
    text = f"The platform opens in 2016.\n{footer}\nIt serves 90% of clinics."
    assert is_company_footer(footer)
    assert clean_text(text) == "The platform opens in 2016.\nIt serves 90% of clinics."


def test_bare_url_line_is_removed_but_a_sentence_with_a_url_stays():
    text = "https://www.example.com/ad\nDetails are published at https://www.gd.gov.cn today."
    assert clean_text(text) == "Details are published at https://www.gd.gov.cn today."


def test_a_sentence_with_a_url_and_the_word_limited_is_not_a_footer():
    line = "Places are limited, so register at https://www.gd.gov.cn/apply before May."
    assert clean_text(line) == line


# -- keyword-list advertising -----------------------------------------------------------


def test_keyword_list_advertising_line_is_removed():
    text = (
        "The Health Commission supervises online hospitals.\n"
        "Squid Food,Frozen Squid,Frozen Squid Tube,Frozen Squid Ring\n"
        "County hospitals join the platform."
    )
    assert is_keyword_list("Squid Food,Frozen Squid,Frozen Squid Tube,Frozen Squid Ring")
    assert clean_text(text) == (
        "The Health Commission supervises online hospitals.\nCounty hospitals join the platform."
    )


def test_documents_own_department_list_in_parentheses_is_kept():
    departments = (
        "(Provincial Health and Family Planning Commission, Food and Drug Administration, "
        "Economic and Information Technology Commission, Development and Reform Commission)"
    )
    text = f"Develop and standardise Internet drug transactions.\n{departments}"
    assert not is_keyword_list(departments)
    assert clean_text(text) == text


def test_title_case_department_list_used_elsewhere_in_the_document_is_kept():
    listing = "Finance Department, Public Security Department, Local Taxation Bureau"
    text = (
        "The Finance Department and the Public Security Department share data with the "
        f"Local Taxation Bureau.\n{listing}"
    )
    assert is_keyword_list(listing)  # it looks like advertising ...
    assert remove_boilerplate(text) == text  # ... but its words are the document's own


# -- the real action plan -------------------------------------------------------------------


def _contains_run(words: list[str], run: list[str]) -> bool:
    return any(words[i : i + len(run)] == run for i in range(len(words) - len(run) + 1))


def test_action_plan_loses_its_advertising_and_keeps_all_policy_content():
    raw = ACTION_PLAN.read_text(encoding="utf-8")
    cleaned = clean_text(raw)

    for junk in ("Squid", "Frozen Squid Ring", "genho-food", "ZHOUSHAN GENHO FOOD", "https://"):
        assert junk not in cleaned

    raw_lines = [line for line in raw.splitlines() if line.strip()]
    assert "Squid" in raw_lines[-2] and "genho-food" in raw_lines[-1]  # the two boilerplate lines
    cleaned_words = re.findall(r"\w+", cleaned)
    content_lines = raw_lines[:-2]
    assert len(content_lines) == 23
    for line in content_lines:
        assert _contains_run(cleaned_words, re.findall(r"\w+", line)), line
    # Nothing invented either: the cleaned text has exactly the content lines' words.
    assert cleaned_words == [w for line in content_lines for w in re.findall(r"\w+", line)]
