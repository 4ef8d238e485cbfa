"""The guide feature's blueprint: one child blueprint per audience module. Only create_app imports this
module, so importing the feature's service never loads its routes (nor, through them, other features)."""

from flask import Blueprint

from guide.features.guide import public

bp = Blueprint("guide", __name__)
bp.register_blueprint(public.bp)
