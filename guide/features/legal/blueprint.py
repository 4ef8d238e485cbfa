"""The legal feature's blueprint: one child blueprint per audience module (public pages only)."""

from flask import Blueprint

from guide.features.legal import public

bp = Blueprint("legal", __name__)
bp.register_blueprint(public.bp)
