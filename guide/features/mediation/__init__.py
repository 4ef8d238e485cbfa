"""Mediation: the staff inbox of mediation requests and each case's follow-up."""

from flask import Blueprint

from guide.features.mediation import staff

bp = Blueprint("mediation", __name__)
bp.register_blueprint(staff.bp)
