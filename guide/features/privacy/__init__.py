"""Privacy: a household's data (see, download), erasure, consents and the staff access log."""

from flask import Blueprint

from guide.features.privacy import household, staff

bp = Blueprint("privacy", __name__)
bp.register_blueprint(household.bp)
bp.register_blueprint(staff.bp)
