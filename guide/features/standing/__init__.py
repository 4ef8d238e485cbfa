"""Where the household stands: its home page, its proposals, whether an offer is affordable."""

from flask import Blueprint

from guide.features.standing import household

bp = Blueprint("standing", __name__)
bp.register_blueprint(household.bp)
