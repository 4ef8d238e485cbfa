"""The household's own data (right of access): a readable page and the same data as a JSON file."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, g, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from guide.core import audit, labels
from guide.core.auth import household_required
from guide.core.i18n import language, negotiate_language
from guide.features.privacy.service import collect_household, export_household

bp = Blueprint("household", __name__)

# section titles and field names of the export, in plain words (the JSON keeps the field names)
SECTIONS = {
    "household": _l("Votre ménage"), "phones": _l("Vos téléphones"), "consents": _l("Vos accords"),
    "contact_notes": _l("Les notes de vos rendez-vous et appels"), "budget": _l("Votre budget"),
    "proposals": _l("Les propositions de logement"), "appointments": _l("Vos rendez-vous"),
    "written_requests": _l("Vos demandes écrites"), "mediation_cases": _l("La médiation"),
    "plan_items": _l("Votre plan d'actions"), "plan_history": _l("L'historique de votre plan"),
    "move_expenses": _l("Vos frais de déménagement"), "courtesy_visits": _l("Les visites après le déménagement"),
    "survey": _l("Le questionnaire"), "sms_sent": _l("Les SMS envoyés"), "sms_received": _l("Les SMS reçus"),
    "sms_conversations": _l("Les conversations par SMS en cours"), "sign_ins": _l("Vos connexions"),
    "sessions": _l("Vos sessions dans votre espace"), "access_log": _l("Qui a ouvert votre dossier"),
}
FIELDS = {
    "reference": _l("Référence"), "display_name": _l("Nom"), "language": _l("Langue"),
    "occupants": _l("Personnes"), "stage": _l("Étape"), "documents_updated_on": _l("Papiers à jour le"),
    "last_contact_on": _l("Dernier contact"), "moved_on": _l("Déménagé le"), "created_at": _l("Créé le"),
    "updated_at": _l("Changé le"), "operation": _l("Résidence"), "commune": _l("Commune"),
    "officer": _l("Chargé de relogement"), "mediator": _l("Médiateur"), "number": _l("Numéro"),
    "label": _l("À qui"), "sms_consent": _l("Accord pour les SMS"), "consent_at": _l("Accord donné le"),
    "kind": _l("Type"), "given_on": _l("Donné le"), "withdrawn_on": _l("Retiré le"), "on": _l("Date"),
    "channel": _l("Moyen"), "text": _l("Texte"), "monthly_resources": _l("Ressources par mois"),
    "rent": _l("Loyer"), "charges": _l("Charges"), "housing_benefit": _l("Aide au logement"),
    "expenses": _l("Dépenses"), "adults": _l("Adultes qui demandent l'aide"),
    "children_ages": _l("Âges des enfants"), "resources_by_kind": _l("Ressources par type"),
    "depcom": _l("Code de la commune"), "social_housing": _l("Logement social"),
    "rank": _l("Numéro"), "address": _l("Adresse"), "flat_type": _l("Type de logement"),
    "surface": _l("Surface"), "floor": _l("Étage"), "lift": _l("Ascenseur"), "landlord": _l("Bailleur"),
    "received_on": _l("Reçue le"), "visit_on": _l("Visite le"), "answer_on": _l("Réponse au plus tard le"),
    "status": _l("État"), "starts_at": _l("Date et heure"), "duration_minutes": _l("Durée (minutes)"),
    "place": _l("Lieu"), "with_whom": _l("Avec qui"), "change_note": _l("Votre demande de changement"),
    "motives": _l("Motifs"), "what_happened": _l("Ce qui s'est passé"), "disagreement": _l("Votre désaccord"),
    "wish": _l("Votre souhait"), "late": _l("Envoyée en retard"), "additions": _l("Ajouts"),
    "photos": _l("Photos"), "source": _l("Origine"), "opened_at": _l("Ouverte le"),
    "acknowledged_at": _l("Reçue le"), "outcome": _l("Résultat"), "letter_text": _l("Lettre"),
    "closed_at": _l("Fermée le"), "data": _l("Contenu"), "removed": _l("Retiré"), "version": _l("Version"),
    "action": _l("Action"), "actor_kind": _l("Par"), "at": _l("Quand"), "before": _l("Avant"),
    "after": _l("Après"), "amount": _l("Montant"), "invoice_on": _l("Facture du"),
    "due_on": _l("À payer au plus tard le"),
    "refunded_on": _l("Remboursé le"), "cheque_number": _l("Numéro du chèque"), "photo": _l("Photo"),
    "months": _l("Mois après le déménagement"), "visited_on": _l("Visite le"), "flat_ok": _l("Logement bien"),
    "neighbourhood_ok": _l("Quartier bien"), "support_needed": _l("Besoin d'aide"),
    "reste_a_vivre_now": _l("Reste à vivre maintenant"), "reste_a_vivre_before": _l("Reste à vivre avant"),
    "flags": _l("Alertes"), "note": _l("Note"), "invited": _l("Invité"), "answered": _l("A répondu"),
    "to_number": _l("Envoyé au"), "from_number": _l("Envoyé par"), "sent_at": _l("Envoyé le"),
    "body": _l("Texte"), "state": _l("Où en est la conversation"), "expires_at": _l("Valable jusqu'au"),
    "used_at": _l("Utilisé le"), "who": _l("Qui"), "entity": _l("Quoi"), "content_type": _l("Format"),
    "width": _l("Largeur"), "height": _l("Hauteur"), "url": _l("Adresse"),
    "last_seen_at": _l("Dernière activité"), "ended_at": _l("Fermée le"),
}


def value_label(section: str, name: str, value: object) -> object:
    """A stored code in plain words (the JSON file keeps the code); anything else as it is."""
    if not isinstance(value, str) or not value:
        return value
    if name == "language":
        return language(value).name if value in current_app.config["LANGUAGES"] else value
    if name == "stage" and section == "household":
        content = current_app.extensions["content"]
        page = content.stage(negotiate_language(), value) if value in content.stage_slugs() else None
        return page.title if page else value
    tables = {("appointments", "kind"): labels.APPOINTMENT_KINDS,
              ("appointments", "status"): labels.APPOINTMENT_STATUSES,
              ("proposals", "status"): labels.PROPOSAL_STATUSES,
              ("mediation_cases", "status"): labels.MEDIATION_STATUSES,
              ("access_log", "who"): labels.ROLES}
    table = tables.get((section, name))
    return labels._label(table, value) if table else value


def data_labels() -> dict[str, object]:
    return {"sections": SECTIONS, "fields": FIELDS, "value_label": value_label}


@bp.get("/my/data")
@household_required
def my_data() -> ResponseReturnValue:
    household = g.household
    data = collect_household(household)
    audit.record("household", household.id, "read_own_data", household_id=household.id)
    response = Response(render_template("household/data.html", data=data, **data_labels()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/my/data.json")
@household_required
def my_data_json() -> ResponseReturnValue:
    household = g.household
    body = json.dumps(export_household(household), ensure_ascii=False, indent=2)
    audit.record("household", household.id, "export_own_data", household_id=household.id)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="mes-donnees-{household.id}.json"',
        "Cache-Control": "no-store"})
