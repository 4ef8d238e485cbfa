"""The public cost simulator: what a move would cost under the charter's money rules."""

from flask import Blueprint

from guide.features.simulator import public

bp = Blueprint("simulator", __name__)
bp.register_blueprint(public.bp)
