"""The accessibility statement, the legal notice and the contact page: public, in every language, nothing personal.
Who publishes and hosts the site, and how to reach them, are settings (core/config.py, LEGAL_*)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l

from guide.core.phones import display

bp = Blueprint("public", __name__)

# Links of the Défenseur des droits, as the RGAA model statement gives them.
DEFENSEUR_FORM = "https://formulaire.defenseurdesdroits.fr/"
DEFENSEUR_DELEGATES = "https://www.defenseurdesdroits.fr/carte-des-delegues"
DEFENSEUR_POST = "Défenseur des droits, Libre réponse 71120, 75342 Paris CEDEX 07"


STATUSES = {"none": _l("non conforme"), "partial": _l("partiellement conforme"), "full": _l("totalement conforme")}


def compliance() -> str:
    """The RGAA compliance status: "non conforme" until an audit gives a rate (RGAA: 50 % or more is partial)."""
    rate = current_app.config["ACCESSIBILITY_AUDIT_RATE"]
    if rate is None or float(rate) < 50:
        return "none"
    return "full" if float(rate) >= 100 else "partial"


@bp.app_context_processor
def footer_status() -> dict[str, object]:
    """Every footer says the compliance status and links to the statement (base.html)."""
    return {"accessibility_status": STATUSES[compliance()]}


def _who() -> dict[str, object]:
    config = current_app.config
    phone = config["LEGAL_PHONE"]
    return {"publisher": config["LEGAL_PUBLISHER"], "address": config["LEGAL_ADDRESS"],
            "phone": phone, "phone_shown": display(phone) if phone else "", "email": config["LEGAL_EMAIL"],
            "director": config["LEGAL_DIRECTOR"], "host": config["LEGAL_HOST"]}


@bp.get("/accessibility")
def accessibility() -> ResponseReturnValue:
    return render_template("public/accessibility.html", who=_who(), status=compliance(),
                           rate=current_app.config["ACCESSIBILITY_AUDIT_RATE"],
                           written_on=date.fromisoformat(current_app.config["ACCESSIBILITY_STATEMENT_DATE"]),
                           defenseur_form=DEFENSEUR_FORM, defenseur_delegates=DEFENSEUR_DELEGATES,
                           defenseur_post=DEFENSEUR_POST)


@bp.get("/legal")
def legal_notice() -> ResponseReturnValue:
    return render_template("public/legal_notice.html", who=_who())


@bp.get("/contact")
def contact() -> ResponseReturnValue:
    return render_template("public/contact.html", who=_who())
