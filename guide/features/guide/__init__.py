"""The public guide: the journey, pages, questions (flows), glossary, language choice, page feedback."""

from flask import Blueprint

from guide.features.guide import public

bp = Blueprint("guide", __name__)
bp.register_blueprint(public.bp)
