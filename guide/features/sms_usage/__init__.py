"""SMS usage: segments and cost, for staff."""

from flask import Blueprint

from guide.features.sms_usage import staff

bp = Blueprint("sms_usage", __name__)
bp.register_blueprint(staff.bp)
