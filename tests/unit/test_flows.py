"""The guided-question engine: walking, back links, errors, computed dates, and broken flows refused."""

from datetime import date

import pytest

from guide.core.content import load_flow_structures
from guide.rules.flows import FlowError, build_flow, parse_date, walk

TODAY = date(2026, 11, 22)  # a Sunday


@pytest.fixture(scope="module")
def flows():
    return {fid: build_flow(fid, data) for fid, data in load_flow_structures().items()}


def test_a_new_walk_asks_the_first_question(flows) -> None:
    state = walk(flows["proposal"], {}, TODAY)
    assert state.step.id == "rank" and state.number == 1 and state.error is None


def test_answers_lead_to_the_result_with_the_answer_by_date(flows) -> None:
    state = walk(flows["proposal"], {"rank": "2", "visited": "yes", "visit_date": "20/11/2026"}, TODAY)
    assert state.step.kind == "result"
    assert state.values["answer_by"] == date(2026, 11, 30)
    assert state.values["days_left"] == 8
    assert state.blocks == ["deadline_open", "how_to_answer", "rank_2", "help"]
    assert state.answers["visit_date"] == "2026-11-20"  # normalised for links


@pytest.mark.parametrize(
    ("visit", "block"),
    [("2026-11-12", "deadline_today"), ("2026-11-01", "deadline_passed"), ("2026-11-21", "deadline_open")],
)
def test_the_deadline_block_follows_today(flows, visit: str, block: str) -> None:
    state = walk(flows["proposal"], {"rank": "3", "visited": "yes", "visit_date": visit}, TODAY)
    assert block in state.blocks and "rank_3" in state.blocks


def test_not_visited_skips_the_date(flows) -> None:
    state = walk(flows["proposal"], {"rank": "1", "visited": "no"}, TODAY)
    assert state.step.kind == "result" and "not_visited" in state.blocks
    assert not any(b.startswith("deadline") for b in state.blocks)


def test_back_keeps_earlier_answers_and_prefills(flows) -> None:
    answers = {"rank": "2", "visited": "yes", "visit_date": "2026-11-20"}
    state = walk(flows["proposal"], answers, TODAY, at="visited")
    assert state.step.id == "visited" and state.prefill == "yes"
    assert state.answers == {"rank": "2"}
    assert state.answers_before("rank") == {}


@pytest.mark.parametrize(
    ("value", "error"), [("13/13/2026", "date_invalid"), ("hier", "date_invalid"), ("01/01/1990", "date_out_of_range")]
)
def test_bad_dates_are_refused_and_kept(flows, value: str, error: str) -> None:
    state = walk(flows["proposal"], {"rank": "1", "visited": "yes", "visit_date": value}, TODAY)
    assert state.step.id == "visit_date" and state.error == error and state.prefill == value


def test_an_unknown_choice_is_refused(flows) -> None:
    state = walk(flows["proposal"], {"rank": "7"}, TODAY)
    assert state.step.id == "rank" and state.error == "choose"


def test_hosted_person_result_says_when_eight_months_are_reached(flows) -> None:
    state = walk(flows["household"], {"person": "hosted", "hosted_since": "2026-05-01", "proof": "yes"}, TODAY)
    assert state.values["eight_months_on"] == date(2027, 1, 1)
    assert "not_yet" in state.blocks and "proof_yes" in state.blocks


def test_refund_date_from_the_invoice(flows) -> None:
    answers = {"packing": "no", "fittings": "no", "car": "yes", "temporary": "no", "invoice": "yes",
               "invoice_date": "2026-11-20"}
    state = walk(flows["costs"], answers, TODAY)
    assert state.values["refund_by"] == date(2026, 11, 28)
    assert {"packing_help", "car", "refund_open"} <= set(state.blocks)


@pytest.mark.parametrize("text", ["2026-11-20", "20/11/2026", "20-11-2026", "20.11.2026", " 20/11/2026 "])
def test_parse_date_accepts_common_forms(text: str) -> None:
    assert parse_date(text) == date(2026, 11, 20)


@pytest.mark.parametrize(
    "structure",
    [
        {"start": "a",
         "steps": {"a": {"kind": "choice", "choices": [{"id": "1", "next": "zz"}, {"id": "2", "next": "a"}]}}},
        {"start": "a", "steps": {"a": {"kind": "date", "next": "a"}}},
        {"start": "a", "steps": {"a": {"kind": "result"}, "b": {"kind": "result"}}},
        {"start": "a", "steps": {"a": {"kind": "quiz"}}},
        {"start": "a", "steps": {"a": {"kind": "result", "compute": ["nonsense"]}}},
    ],
)
def test_broken_flows_are_refused_at_load(structure) -> None:
    with pytest.raises(FlowError):
        build_flow("broken", structure)
