"""Households imported from the landlord's CSV file."""

from flask import Blueprint

from guide.features.csv_import import staff

bp = Blueprint("csv_import", __name__)
bp.register_blueprint(staff.bp)
