"""Plain-words labels for stored codes (appointment kinds, statuses), in the reader's language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

APPOINTMENT_KINDS = {
    "information_meeting": _l("Réunion d'information"),
    "home_interview": _l("Entretien chez vous"),
    "mediator_meeting": _l("Rendez-vous avec le médiateur"),
    "neighbourhood_visit": _l("Visite d'un quartier"),
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


def appointment_kind(kind: str) -> str:
    return str(APPOINTMENT_KINDS.get(kind, kind))


def appointment_status(status: str) -> str:
    return str(APPOINTMENT_STATUSES.get(status, status))


def proposal_status(status: str) -> str:
    return str(PROPOSAL_STATUSES.get(status, status))


MEDIATION_STATUSES = {
    "received": _l("Reçue"),
    "acknowledged": _l("Accusé de réception envoyé"),
    "meeting_planned": _l("Réunion prévue"),
    "concluded": _l("Conclue"),
    "closed": _l("Close"),
}


def mediation_status(status: str) -> str:
    return str(MEDIATION_STATUSES.get(status, status))


ROLES = {
    "officer": _l("chargé de relogement"),
    "mediator": _l("médiateur"),
    "mediation_group": _l("groupe de médiation"),
    "admin": _l("administrateur"),
}


def role_label(role: str) -> str:
    return str(ROLES.get(role, role))


def register(app) -> None:  # type: ignore[no-untyped-def]
    """Make the labels available in every template."""
    app.jinja_env.globals.update(appointment_kind=appointment_kind, appointment_status=appointment_status,
                                 proposal_status=proposal_status, role_label=role_label,
                                 mediation_status=mediation_status)
