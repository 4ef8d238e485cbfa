"""The charter's timings (MEL relocation charter, §2.2, §3.2, §3.6 and §4), as pure functions of dates.

Today's date is always passed in, never read here, so every rule can be tested under a frozen clock.
Dates are plain `datetime.date` values in Europe/Paris; callers convert. The charter counts in "jours"
and "mois" without saying "jours ouvrés", so days are calendar days and months use `add_months`
(clamped to the month's last day: 30 November + 3 months is 28 February, or 29 in a leap year).
Each month-based date is counted from its own starting date, never chained, so it cannot drift.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum

DECISION_DAYS = 10  # §4 step 11: the household answers within 10 days after the visit
REFUND_DAYS = 8  # §3.2: refunds by cheque within 8 days of showing the invoice
HOSTED_MONTHS = 8  # §2.2 A: a person hosted for at least 8 months may be relocated with the household
FIRST_INTERVIEWS_MONTHS = 3  # §4 step 3: all first interviews within 3 months of the residence opening
DOCUMENTS_REFRESH_MONTHS = 6  # §4 step 4: file documents updated at least every 6 months
POPULATION_REVIEW_MONTHS = 1  # §4 step 5: partners meet at most 1 month after the last interview
ORIENTATION_MEETING_MONTHS = 2  # §4 step 6: orientation meeting at most 2 months after the review
PARTNER_VALIDATION_DAYS = 5  # §4 step 7: each partner validates an online proposal within 5 days
CONTACT_MONTHS = 3  # §3.6: a contact "every 2 to 3 months minimum"; the upper bound is the alert limit
COURTESY_VISIT_MONTHS = (2, 4, 6)  # §4 step 13: courtesy visits 2, 4 and 6 months after the move
SATISFACTION_SURVEY_MONTHS = 6  # §4 step 14: satisfaction survey six months after the move
DUE_SOON_DAYS = 3  # product choice, not the charter's: an answer is "due soon" from 3 days before its last day


class DeadlineStatus(StrEnum):
    OPEN = "open"
    TODAY = "today"
    PASSED = "passed"


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Aug + 6 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def decision_deadline(visit_date: date) -> date:
    """Last day to accept or refuse a proposal: the visit date plus 10 days.

    §4 step 11: « Le ménage donne ensuite sa décision au chargé de relogement dans un délai de 10 jours
    après la visite » (and §3.4 C: « dispose de dix jours après la visite pour faire une réponse »).
    """
    return visit_date + timedelta(days=DECISION_DAYS)


def refund_deadline(shown_on: date) -> date:
    """Date by which a refund cheque is due: the day the invoice is shown plus 8 days (not the invoice's own date).

    §3.2: « un chèque de remboursement est remis au ménage sur présentation de la facture ou de l'appel
    de paiement dans un délai de 8 jours ».
    """
    return shown_on + timedelta(days=REFUND_DAYS)


def hosted_eligibility_date(hosted_since: date) -> date:
    """First day a hosted person has lived with the household for 8 months.

    §2.2 A: « les personnes hébergées de manière permanente (présence, sous-justificatif, d'au moins
    8 mois dans le logement) ».
    """
    return add_months(hosted_since, HOSTED_MONTHS)


def first_interviews_deadline(opened_on: date) -> date:
    """Last day for every first home interview of a residence: its opening to relocation plus 3 months.

    §4 step 3: « Suite à l'ouverture au relogement d'une résidence, les entretiens individuels de rencontre
    avec les locataires doivent tous être réalisés dans un délai de 3 mois maximum. » (Step 5 repeats it
    more softly: « dans un délai de 3 mois maximum à privilégier ».)
    """
    return add_months(opened_on, FIRST_INTERVIEWS_MONTHS)


def documents_refresh_due(updated_on: date) -> date:
    """Day the household's file documents are due for a refresh: their last update plus 6 months.

    §4 step 4: « La mise à jour des pièces doit se faire tous les 6 mois au minimum, et à chaque changement
    de situation. » A change of situation is not a date, so only the 6-month rule is computed here.
    """
    return add_months(updated_on, DOCUMENTS_REFRESH_MONTHS)


def population_review_deadline(last_interview_on: date) -> date:
    """Last day for the partners' population review: the residence's last first interview plus 1 month.

    §4 step 5: « une réunion est organisée entre les partenaires au maximum 1 mois après la fin des
    enquêtes ».
    """
    return add_months(last_interview_on, POPULATION_REVIEW_MONTHS)


def orientation_meeting_deadline(review_on: date) -> date:
    """Last day for the meeting that orients each household: the population review plus 2 months.

    §4 step 6: « une réunion partenariale qui doit se tenir très rapidement après le bilan de peuplement
    (2 mois maximum) ».
    """
    return add_months(review_on, ORIENTATION_MEETING_MONTHS)


def partner_validation_deadline(submitted_on: date) -> date:
    """Last day for each partner to validate a proposal put to the online circuit: submission plus 5 days.

    §4 step 7: « Suite à la validation dans un délai de 5 jours maximum, par chaque partenaire, la proposition
    de relogement sera présentée en CALEOL. » The charter sends a proposal a partner does not validate to
    the GTR/GTRM; it says nothing of a partner who stays silent, so no consequence is computed here.
    """
    return submitted_on + timedelta(days=PARTNER_VALIDATION_DAYS)


def next_contact_due(last_contact_on: date) -> date:
    """Day a new contact with the household is due: the last contact plus 3 months (the alert limit).

    §3.6: the officer « Maintiendra le contact avec le ménage tout le long du processus (un contact tous
    les 2 à 3 mois minimum semble nécessaires [...]) ». Contact is good practice from 2 months; 3 months,
    the charter's upper bound, is the limit past which the officer is alerted.
    """
    return add_months(last_contact_on, CONTACT_MONTHS)


def courtesy_visit_dates(moved_on: date) -> tuple[date, date, date]:
    """The three courtesy visits after the move: 2, 4 and 6 months after it, each counted from the move.

    §4 step 13: « Trois visites de courtoisie auprès des ménages relogés seront systématiquement réalisées.
    La première aura lieu 2 mois après le relogement. La seconde après 4 mois et la dernière 6 mois après
    le relogement ».
    """
    first, second, third = (add_months(moved_on, months) for months in COURTESY_VISIT_MONTHS)
    return first, second, third


def satisfaction_survey_date(moved_on: date) -> date:
    """Day the satisfaction survey is due: the move plus 6 months (the MEL runs it, not the officer).

    §4 step 14: « Une enquête de satisfaction est réalisée auprès de l'ensemble des ménages six mois après
    le relogement. » and « La MEL aura à charge la réalisation et l'analyse des enquêtes ».
    """
    return add_months(moved_on, SATISFACTION_SURVEY_MONTHS)


def days_left(deadline: date, today: date) -> int:
    """Whole days from today to the deadline (negative once it has passed)."""
    return (deadline - today).days


def deadline_status(deadline: date, today: date) -> DeadlineStatus:
    remaining = days_left(deadline, today)
    if remaining > 0:
        return DeadlineStatus.OPEN
    if remaining == 0:
        return DeadlineStatus.TODAY
    return DeadlineStatus.PASSED


def is_due_soon(deadline: date, today: date) -> bool:
    """Whether the deadline falls within the next 3 days, its last day included (not the charter's rule).

    A product choice: the window warns before the last day; a deadline already passed is not "due soon".
    """
    return 0 <= days_left(deadline, today) <= DUE_SOON_DAYS
