"""Signing in: households by SMS code or personal link, staff by password; signing out."""

from flask import Blueprint

from guide.features.signin import household, staff

bp = Blueprint("signin", __name__)
bp.register_blueprint(household.bp)
bp.register_blueprint(staff.bp)
