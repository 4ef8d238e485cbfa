"""The Citéo mobility plan (Quoi ? Qui ? Quand ?): the same views on two blueprints, the household's (/my/plan)
and the mediator's (/staff/households/<id>/plan). A stale save shows a conflict screen."""
