"""Staff accounts and their sessions (administrators end another person's sessions)."""

from flask import Blueprint

from guide.features.accounts import staff

bp = Blueprint("accounts", __name__)
bp.register_blueprint(staff.bp)
