"""The satisfaction survey (§4 step 14): the household answers once, six months after the move, from the SMS
invitation's personal link; staff (the MEL: admins and the mediation group) read anonymous counts.

The survey is split in two tables on purpose (guide/models/after_move.py): `SurveyInvitation` knows who was invited
and whether they answered, `SurveyAnswer` holds answers with no household, the quarter only and a random id. Groups
of fewer than `MIN_GROUP` answers are never shown nor exported. Each operation works in the caller's transaction
and only flushes; the view commits once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from guide.core import content
from guide.core.extensions import db
from guide.core.transaction import atomic
from guide.models import Household, SurveyAnswer, SurveyInvitation
from guide.rules import deadlines

MIN_GROUP = 5  # survey groups with fewer answers are not shown (nor exported)


def survey_words(lang: str) -> dict[str, Any]:
    """The survey's questions and options (content/<lang>/survey.yaml)."""
    return content.words(lang, "survey")


SCALE = ("very_satisfied", "satisfied", "dissatisfied", "very_dissatisfied")
YES_NO = ("yes", "no")
QUESTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (  # at most 8; words in content/<lang>/survey.yaml
    ("support", SCALE),  # the process: the officer's support
    ("information", SCALE),  # the process: clear information
    ("move_day", SCALE),  # the process: the removal
    ("costs_refunded", ("yes", "no", "no_costs")),  # the process: the move cost nothing (§3.2)
    ("flat", SCALE),  # the new flat
    ("neighbourhood", SCALE),  # the new neighbourhood
    ("first_choice", YES_NO),  # got the commune wished first
    ("overall", SCALE),  # the relocation as a whole
)
SATISFIED = ("very_satisfied", "satisfied")


def invite(household: Household) -> SurveyInvitation:
    found = db.session.scalars(select(SurveyInvitation).where(SurveyInvitation.household_id == household.id)).first()
    if found is None:
        found = SurveyInvitation(household_id=household.id, answered=False)
        db.session.add(found)
        db.session.flush()
    return found


def survey_opens_on(household: Household) -> date | None:
    return deadlines.satisfaction_survey_date(household.moved_on) if household.moved_on else None


def survey_state(household: Household, today: date) -> str:
    """"none" (no move date), "later" (before +6 months), "open" or "answered"."""
    opens_on = survey_opens_on(household)
    if opens_on is None:
        return "none"
    answered = db.session.scalar(select(SurveyInvitation.answered).where(
        SurveyInvitation.household_id == household.id))
    if answered:
        return "answered"
    return "open" if today >= opens_on else "later"


def validate_answers(form: Any) -> tuple[dict[str, str], list[str]]:
    """The answers given (question id -> option id) and the ids of the questions left without a valid answer."""
    answers, missing = {}, []
    for question, options in QUESTIONS:
        value = form.get(question, "")
        if value in options:
            answers[question] = value
        else:
            missing.append(question)
    return answers, missing


def quarter(day: date) -> str:
    """The only time an answer keeps: "2027-Q2". A month would single out a household in a small residence."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


@atomic
def submit_survey(household: Household, answers: dict[str, str], today: date) -> bool:
    """Store one anonymous answer set; False when this household has already answered (one answer each).

    The invitation is flipped by one conditional UPDATE, so two submissions racing store one answer. The
    answer row carries no household, no exact time (the quarter only) and a random id.
    """
    invite(household)
    flipped = db.session.execute(update(SurveyInvitation).where(SurveyInvitation.household_id == household.id,
                                                                SurveyInvitation.answered.is_(False))
                                 .values(answered=True).execution_options(synchronize_session=False))
    if cast(CursorResult[Any], flipped).rowcount != 1:
        return False
    group = household.operation.name if household.operation else ""
    db.session.add(SurveyAnswer(month=quarter(today), group_name=group, answers=dict(answers)))
    db.session.flush()
    return True


@dataclass
class QuestionResult:
    question: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class GroupResult:
    name: str
    answers: int
    satisfaction_rate: Decimal | None  # percent of "satisfied" or "very satisfied" overall
    first_choice_rate: Decimal | None  # percent who got the commune they wished first


@dataclass
class SurveyResults:
    answers: int
    shown: bool  # False with fewer than MIN_GROUP answers: nothing but the count is shown
    questions: list[QuestionResult]
    satisfaction_rate: Decimal | None
    first_choice_rate: Decimal | None
    groups: list[GroupResult]
    hidden_groups: int  # groups left out for having fewer than MIN_GROUP answers


def _rate(part: int, whole: int) -> Decimal | None:
    return None if whole == 0 else (Decimal(part * 100) / whole).quantize(Decimal("1"))


def _summary(rows: list[dict[str, str]]) -> tuple[Decimal | None, Decimal | None]:
    overall = [r.get("overall") for r in rows if r.get("overall")]
    first = [r.get("first_choice") for r in rows if r.get("first_choice")]
    return (_rate(sum(v in SATISFIED for v in overall), len(overall)),
            _rate(sum(v == "yes" for v in first), len(first)))


def survey_results() -> SurveyResults:
    """Counts per question and option, the satisfaction rate, the first-choice share, groups of 5 or more."""
    rows = list(db.session.execute(select(SurveyAnswer.group_name, SurveyAnswer.answers)))
    answers = [dict(r.answers or {}) for r in rows]
    shown = len(answers) >= MIN_GROUP
    questions = []
    for question, _options in QUESTIONS:
        result = QuestionResult(question)
        if shown:
            result.counts.update(a[question] for a in answers if question in a)
        questions.append(result)
    by_group: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_group.setdefault(row.group_name or "", []).append(dict(row.answers or {}))
    groups, hidden = [], 0
    for name, members in sorted(by_group.items()):
        if len(members) < MIN_GROUP or not shown:
            hidden += 1
            continue
        satisfaction, first = _summary(members)
        groups.append(GroupResult(name, len(members), satisfaction, first))
    satisfaction, first = _summary(answers) if shown else (None, None)
    return SurveyResults(len(answers), shown, questions, satisfaction, first, groups, hidden)
