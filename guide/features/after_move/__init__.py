"""After the move: expenses refunded, the courtesy visit, and the satisfaction survey."""

from flask import Blueprint

from guide.features.after_move import household, staff

bp = Blueprint("after_move", __name__)
bp.register_blueprint(household.bp)
bp.register_blueprint(staff.bp)
