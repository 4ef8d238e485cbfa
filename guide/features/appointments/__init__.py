"""Appointments: the household confirms or asks to change one, and takes it into a calendar."""

from flask import Blueprint

from guide.features.appointments import household

bp = Blueprint("appointments", __name__)
bp.register_blueprint(household.bp)
