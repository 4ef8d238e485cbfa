"""Guided questions: a small state machine over flows defined as data (content/flows/*.yaml).

Channel-neutral and pure: the web pages and, later, the SMS channel both walk a flow with the answers
they carry (URL parameters, or a conversation) and today's date. Nothing personal is stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from guide.rules import deadlines

STEP_KINDS = {"choice", "date", "result"}


class FlowError(ValueError):
    """A flow file whose structure is broken (raised at start-up, never at request time)."""


@dataclass(frozen=True)
class Choice:
    id: str
    next: str


@dataclass(frozen=True)
class Block:
    id: str
    when: dict[str, tuple[str, ...]]

    def shown(self, facts: Mapping[str, str]) -> bool:
        return all(facts.get(key) in allowed for key, allowed in self.when.items())


@dataclass(frozen=True)
class Step:
    id: str
    kind: str
    choices: tuple[Choice, ...] = ()
    next: str | None = None
    blocks: tuple[Block, ...] = ()
    compute: tuple[str, ...] = ()
    stage: str | None = None

    def choice_ids(self) -> list[str]:
        return [c.id for c in self.choices]


@dataclass(frozen=True)
class Flow:
    id: str
    order: int
    start: str
    steps: dict[str, Step]


@dataclass
class FlowState:
    """Where a walk through a flow stands: the step to show, the answers that led there."""

    flow: Flow
    step: Step
    answers: dict[str, str] = field(default_factory=dict)  # valid answers on the path, raw strings
    path: list[str] = field(default_factory=list)  # steps answered before `step`, in order
    prefill: str | None = None  # the value to show in the current step's field
    error: str | None = None  # "choose", "date_invalid" or "date_out_of_range"
    values: dict[str, object] = field(default_factory=dict)  # computed values (dates, numbers, statuses)
    blocks: list[str] = field(default_factory=list)  # result blocks to show

    @property
    def number(self) -> int:
        """1-based position of the current question."""
        return len(self.path) + 1

    def answers_before(self, step_id: str) -> dict[str, str]:
        """The answers given before `step_id` on the path (for a back link that keeps them)."""
        index = self.path.index(step_id)
        return {sid: self.answers[sid] for sid in self.path[:index]}


# --- computations named by result steps -------------------------------------------------------

def _answer_deadline(dates: Mapping[str, date], today: date) -> dict[str, object]:
    if "visit_date" not in dates:
        return {}
    due = deadlines.decision_deadline(dates["visit_date"])
    return {"answer_by": due, "days_left": deadlines.days_left(due, today),
            "deadline_status": deadlines.deadline_status(due, today).value}


def _refund_deadline(dates: Mapping[str, date], today: date) -> dict[str, object]:
    if "invoice_date" not in dates:
        return {}
    due = deadlines.refund_deadline(dates["invoice_date"])
    return {"refund_by": due, "refund_days_left": deadlines.days_left(due, today),
            "refund_status": deadlines.deadline_status(due, today).value}


def _hosted_eight_months(dates: Mapping[str, date], today: date) -> dict[str, object]:
    if "hosted_since" not in dates:
        return {}
    reached_on = deadlines.hosted_eligibility_date(dates["hosted_since"])
    return {"eight_months_on": reached_on, "hosted_status": "reached" if reached_on <= today else "not_yet"}


COMPUTATIONS: dict[str, Callable[[Mapping[str, date], date], dict[str, object]]] = {
    "answer_deadline": _answer_deadline,
    "refund_deadline": _refund_deadline,
    "hosted_eight_months": _hosted_eight_months,
}

# --- loading and checking ---------------------------------------------------------------------


def build_flow(flow_id: str, data: Mapping[str, Any]) -> Flow:
    """Turn a structure file into a Flow, checking every link so a broken file fails at start-up."""
    steps: dict[str, Step] = {}
    for step_id, raw in (data.get("steps") or {}).items():
        kind = raw.get("kind")
        if kind not in STEP_KINDS:
            raise FlowError(f"{flow_id}.{step_id}: unknown kind {kind!r}")
        choices = tuple(Choice(str(c["id"]), str(c["next"])) for c in raw.get("choices") or ())
        blocks = tuple(
            Block(str(b["id"]), {k: tuple(str(v) for v in (vs if isinstance(vs, list) else [vs]))
                                 for k, vs in (b.get("when") or {}).items()})
            for b in raw.get("blocks") or ()
        )
        unknown = [name for name in raw.get("compute") or () if name not in COMPUTATIONS]
        if unknown:
            raise FlowError(f"{flow_id}.{step_id}: unknown computation {unknown}")
        steps[str(step_id)] = Step(str(step_id), kind, choices, raw.get("next"), blocks,
                                   tuple(raw.get("compute") or ()), raw.get("stage"))
    flow = Flow(flow_id, int(data.get("order", 0)), str(data.get("start")), steps)
    _check(flow)
    return flow


def _check(flow: Flow) -> None:
    if flow.start not in flow.steps:
        raise FlowError(f"{flow.id}: start step {flow.start!r} does not exist")
    for step in flow.steps.values():
        targets = [c.next for c in step.choices] + ([step.next] if step.next else [])
        if step.kind == "choice" and len(step.choices) < 2:
            raise FlowError(f"{flow.id}.{step.id}: a choice needs at least two options")
        if step.kind == "date" and not step.next:
            raise FlowError(f"{flow.id}.{step.id}: a date step needs `next`")
        for target in targets:
            if target not in flow.steps:
                raise FlowError(f"{flow.id}.{step.id}: next step {target!r} does not exist")
    reached, todo = set(), [flow.start]
    while todo:
        step = flow.steps[todo.pop()]
        if step.id in reached:
            continue
        reached.add(step.id)
        todo.extend([c.next for c in step.choices] + ([step.next] if step.next else []))
    unreachable = set(flow.steps) - reached
    if unreachable:
        raise FlowError(f"{flow.id}: unreachable steps {sorted(unreachable)}")
    _check_no_cycle(flow)


def _check_no_cycle(flow: Flow) -> None:
    """Every walk must end on a result: refuse a flow whose steps loop."""
    done: set[str] = set()

    def visit(step_id: str, trail: tuple[str, ...]) -> None:
        if step_id in trail:
            raise FlowError(f"{flow.id}: steps loop: {' → '.join(trail + (step_id,))}")
        if step_id in done:
            return
        step = flow.steps[step_id]
        for target in [c.next for c in step.choices] + ([step.next] if step.next else []):
            visit(target, trail + (step_id,))
        done.add(step_id)

    visit(flow.start, ())


# --- answers ----------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %m %Y")
EARLIEST_YEARS_BACK = 3
LATEST_YEARS_AHEAD = 1


def parse_date(text: str) -> date | None:
    """A date typed by a person or sent by a date field: 2026-11-20, 20/11/2026, 20-11-2026 or 20.11.2026."""
    cleaned = re.sub(r"\s+", " ", text.strip())
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def _check_answer(step: Step, value: str, today: date) -> tuple[str | None, date | None]:
    """(error code or None, parsed date for date steps)."""
    if step.kind == "choice":
        return (None if value in step.choice_ids() else "choose"), None
    parsed = parse_date(value)
    if parsed is None:
        return "date_invalid", None
    earliest = today.replace(year=today.year - EARLIEST_YEARS_BACK, day=min(today.day, 28))
    latest = today.replace(year=today.year + LATEST_YEARS_AHEAD, day=min(today.day, 28))
    if not earliest <= parsed <= latest:
        return "date_out_of_range", None
    return None, parsed


def walk(flow: Flow, raw: Mapping[str, str], today: date, at: str | None = None) -> FlowState:
    """Follow the answers from the start; stop at the first unanswered (or invalid, or asked-for) step."""
    state = FlowState(flow=flow, step=flow.steps[flow.start])
    dates: dict[str, date] = {}
    for _ in range(len(flow.steps) + 1):
        step = state.step
        if step.kind == "result":
            for name in step.compute:
                state.values.update(COMPUTATIONS[name](dates, today))
            facts = {**state.answers, **{k: str(v) for k, v in state.values.items()}}
            state.blocks = [b.id for b in step.blocks if b.shown(facts)]
            return state
        value = (raw.get(step.id) or "").strip()
        if at == step.id or not value:
            state.prefill = value or None
            return state
        error, parsed = _check_answer(step, value, today)
        if error:
            state.error, state.prefill = error, value
            return state
        if parsed is not None:
            dates[step.id] = parsed
            value = parsed.isoformat()
        state.answers[step.id] = value
        state.path.append(step.id)
        next_id = step.next if step.kind == "date" else next(c.next for c in step.choices if c.id == value)
        assert next_id is not None  # build_flow gives every date step a next one
        state.step = flow.steps[next_id]
    raise FlowError(f"{flow.id}: the walk does not end")  # not reached: build_flow refuses loops
