"""The Citéo plan pages, the same views on two blueprints: the household's (/my/plan) and the mediator's
(/staff/households/<id>/plan). Both sides edit the same items; a stale save shows a conflict screen."""

from guide.plan.views import household_bp, staff_bp

__all__ = ["household_bp", "staff_bp"]
