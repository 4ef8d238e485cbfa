"""Written requests: a refusal with reasons, a mediation request, their receipts, letters and photos."""

from flask import Blueprint

from guide.features.requests import household

bp = Blueprint("requests", __name__)
bp.register_blueprint(household.bp)
