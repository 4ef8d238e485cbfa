"""The staff household file: what staff record in it (proposals, appointments, notes, facts, budget,
consents, phones), each change saved over the version the person saw."""

from flask import Blueprint

from guide.features.household_file import staff

bp = Blueprint("household_file", __name__)
bp.register_blueprint(staff.bp)
