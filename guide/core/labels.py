"""Plain-words labels for stored codes (appointment kinds, statuses), in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app
from flask_babel import format_timedelta, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from guide.core.i18n import SOURCE_LANGUAGE
from guide.models import StaffUser


def _label(table: Mapping[str, Any], code: str) -> str:
    """The words for a stored code, in the reader's language; an unknown code is shown as it is."""
    return str(table.get(code, code))


APPOINTMENT_KINDS = {
    "information_meeting": _l("Réunion d'information"),
    "home_interview": _l("Entretien chez vous"),
    "mediator_meeting": _l("Rendez-vous avec le médiateur"),
    "neighbourhood_visit": _l("Visite d'un quartier"),
    "tenant_meeting": _l("Rencontre avec des locataires déjà relogés"),
    "flat_visit": _l("Visite d'un logement"),
    "lease_signing": _l("Signature du bail"),
    "move": _l("Déménagement"),
    "courtesy_visit": _l("Visite après le déménagement"),
    "mediation_meeting": _l("Réunion de médiation"),
}

APPOINTMENT_STATUSES = {
    "planned": _l("Prévu"),
    "confirmed": _l("Vous avez confirmé"),
    "change_asked": _l("Vous avez demandé un changement"),
    "done": _l("Fait"),
    "cancelled": _l("Annulé"),
}

PROPOSAL_STATUSES = {
    "received": _l("Reçue"),
    "visit_planned": _l("Visite prévue"),
    "visited": _l("Visitée : à vous de répondre"),
    "accepted": _l("Acceptée"),
    "refused": _l("Refusée"),
    "withdrawn": _l("Retirée par le bailleur"),
}


def appointment_kind(code: str) -> str:
    return _label(APPOINTMENT_KINDS, code)


def appointment_status(code: str) -> str:
    return _label(APPOINTMENT_STATUSES, code)


def proposal_status(code: str) -> str:
    return _label(PROPOSAL_STATUSES, code)


MEDIATION_STATUSES = {
    "received": _l("Reçue"),
    "acknowledged": _l("Accusé de réception envoyé"),
    "meeting_planned": _l("Réunion prévue"),
    "concluded": _l("Conclue"),
    "closed": _l("Close"),
}


def mediation_status(code: str) -> str:
    return _label(MEDIATION_STATUSES, code)


ROLES = {
    "officer": _l("chargé de relogement"),
    "mediator": _l("médiateur"),
    "mediation_group": _l("groupe de médiation"),
    "admin": _l("administrateur"),
}


def role_label(code: str) -> str:
    return _label(ROLES, code)


def staff_title(member: StaffUser) -> str:
    """What a staff member is beside their name: in French, the title they chose ("chargée de relogement",
    "médiateur"), their own words; in another language, or without a title, their role's translated label
    (no one has written a translation of a person's own title)."""
    locale = get_locale()
    if member.title and (locale is None or locale.language == SOURCE_LANGUAGE):
        return member.title
    return role_label(member.role)


CONSENT_KINDS = {
    "sms": _l("accepte les SMS"),
    "sharing": _l("accepte le partage avec les partenaires"),
    "sharing_refused": _l("refus signé du partage"),
    "plan_sharing": _l("montre son projet de relogement au chargé de relogement"),
}


def consent_kind(code: str) -> str:
    return _label(CONSENT_KINDS, code)


def stage_label(slug: str | None) -> str:
    """A stage's title in the reader's language ("Le premier rendez-vous"), not its code ("first-meeting")."""
    if not slug:
        return "–"
    locale = get_locale()
    page = current_app.extensions["content"].stage(locale.language if locale else SOURCE_LANGUAGE, slug)
    return page.title if page is not None else slug


def language_label(code: str | None) -> str:
    """A language's name in the reader's language ("Arabe" on a French page), not its code ("ar")."""
    if not code:
        return "–"
    try:
        name = Locale.parse(code).get_display_name(get_locale() or SOURCE_LANGUAGE) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def days_ago(days: int | None) -> str:
    """How long ago, in words: "aujourd'hui", "hier", "il y a 3 jours", "il y a 2 mois"."""
    if days is None:
        return "–"
    if days <= 0:
        return str(_("aujourd'hui"))
    if days == 1:
        return str(_("hier"))
    return str(format_timedelta(timedelta(days=-days), granularity="day", add_direction=True))


def since(day: date | None, today: date) -> str:
    return days_ago(None if day is None else (today - day).days)


def register(app: Flask) -> None:
    """Make the labels available in every template."""
    app.jinja_env.globals.update(appointment_kind=appointment_kind, appointment_status=appointment_status,
                                 proposal_status=proposal_status, role_label=role_label,
                                 staff_title=staff_title, mediation_status=mediation_status,
                                 consent_kind=consent_kind, stage_label=stage_label, language_label=language_label,
                                 days_ago=days_ago)

# why a household refuses a proposal (written requests, the mediation letter)
MOTIVE_LABELS = {
    "flat_state": _l("L'état du logement"),
    "rent_charges": _l("Le loyer et les charges sont trop chers"),
    "distance_work": _l("Trop loin de mon travail"),
    "distance_school": _l("Trop loin de l'école des enfants"),
    "distance_care": _l("Trop loin de mes soins"),
    "accessibility": _l("Pas accessible (escaliers, handicap, santé)"),
    "size": _l("Pas la bonne taille"),
    "other": _l("Autre raison"),
}
