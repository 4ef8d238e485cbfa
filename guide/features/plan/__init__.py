"""The Citéo mobility plan (Quoi ? Qui ? Quand ?): the same views on two blueprints, the household's (/my/plan)
and the mediator's (/staff/households/<id>/plan). A stale save shows a conflict screen."""

from flask import Blueprint

from guide.features.plan.views import household_bp, staff_bp

bp = Blueprint("plan", __name__)
bp.register_blueprint(household_bp)
bp.register_blueprint(staff_bp)
