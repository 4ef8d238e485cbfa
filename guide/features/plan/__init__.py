"""The Citéo mobility plan (Quoi ? Qui ? Quand ?): the same views on two blueprints, the household's (/my/plan)
and the mediator's (/staff/households/<id>/plan). A stale save shows a conflict screen."""

from flask import Blueprint

from guide.features.plan import household, staff

bp = Blueprint("plan", __name__)
bp.register_blueprint(household.bp)
bp.register_blueprint(staff.bp)
