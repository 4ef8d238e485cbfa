"""How staff read the SMS channel's messages: each state and kind in words, kinds grouped in families (for the
usage page), and a message's text as staff may see it (sign-in codes hidden, personal links cut)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from guide.core.security import mask_personal_links
from guide.messaging.outbox import LINK
from guide.models import SmsMessage
from guide.models.sms import SmsStatus

REPLY_KIND = "staff_reply"
FAILED_STATES = (SmsStatus.FAILED, SmsStatus.UNDELIVERED, SmsStatus.REVIEW)
HIDDEN_KINDS = frozenset({"sign_in_code"})  # the code itself signs in: staff see that one was sent, not what

STATES = {
    SmsStatus.QUEUED: _l("En attente d'envoi"),
    SmsStatus.SENDING: _l("En cours d'envoi"),
    SmsStatus.UNKNOWN: _l("Envoi en cours de vérification"),
    SmsStatus.SENT: _l("Envoyé, arrivée pas encore confirmée"),
    SmsStatus.DELIVERED: _l("Arrivé sur le téléphone"),
    SmsStatus.UNDELIVERED: _l("Pas arrivé sur le téléphone"),
    SmsStatus.FAILED: _l("Échec de l'envoi"),
    SmsStatus.REVIEW: _l("Envoi incertain, à vérifier"),
    SmsStatus.CANCELLED: _l("Annulé, pas envoyé"),
    SmsStatus.LOGGED: _l("Écrit dans le journal, pas envoyé (mode test)"),
}
KIND_FAMILIES = {  # message kinds grouped as staff think of them
    "sign_in": _l("Connexion"), "reminder": _l("Rappels"), "receipt": _l("Accusés de réception"),
    "automatic": _l("Réponses automatiques"), "staff": _l("Réponses des agents"), "other": _l("Autres"),
}
OUTCOMES = {  # outcome → the states it gathers, for the usage page
    "delivered": ((SmsStatus.DELIVERED,), _l("Arrivés")),
    "sent": ((SmsStatus.SENT,), _l("Envoyés, sans confirmation")),
    "waiting": ((SmsStatus.QUEUED, SmsStatus.SENDING, SmsStatus.UNKNOWN), _l("En attente")),
    "failed": (FAILED_STATES, _l("Échecs ou à vérifier")),
    "cancelled": ((SmsStatus.CANCELLED,), _l("Annulés")),
    "logged": ((SmsStatus.LOGGED,), _l("Journal (mode test)")),
}


def kind_family(kind: str) -> str:
    if kind.startswith("sign_in"):
        return "sign_in"
    if kind == REPLY_KIND:
        return "staff"
    if kind in ("request_receipt", "mediation_receipt"):
        return "receipt"
    if kind.startswith(("appointment_", "answer_", "reminder")) or kind in ("documents_due", "courtesy_visit",
                                                                             "survey", "plan_action"):
        return "reminder"
    if kind.startswith("reply_") or kind in ("help", "help_one_way", "stopped"):
        return "automatic"
    return "other"


KIND_LABELS = {
    "sign_in_code": _l("Code de connexion"), "sign_in_link": _l("Lien de connexion"),
    "request_receipt": _l("Accusé de réception d'une demande écrite"),
    "appointment_day_before": _l("Rappel de rendez-vous (la veille)"),
    "appointment_soon": _l("Rappel de rendez-vous"), "answer_3_days": _l("Rappel : répondre à une proposition"),
    "answer_1_day": _l("Rappel : répondre à une proposition"),
    "answer_office_closed": _l("Rappel : répondre à une proposition"),
    "documents_due": _l("Rappel : papiers à mettre à jour"),
    "courtesy_visit": _l("Visite après le déménagement"), "survey": _l("Enquête de satisfaction"),
    REPLY_KIND: _l("Réponse d'un agent"),
}


def kind_label(kind: str) -> str:
    """A message kind in words: its own label, else its family's ("Réponses automatiques"...)."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    if kind_family(kind) == "automatic":
        return _("Réponse automatique")
    return _("SMS")


def shown_body(message: SmsMessage) -> str:
    """The text as staff may read it: sign-in codes hidden, personal links cut (both would let a reader in)."""
    if message.kind in HIDDEN_KINDS:
        return _("(code de connexion, caché)")
    # a personal link lets its holder in: never shown to staff; one not minted yet (a queued text) is named
    return mask_personal_links(message.body).replace(LINK, _("[lien personnel]"))
