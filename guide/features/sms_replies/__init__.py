"""SMS replies: Twilio's webhooks, keywords and conversations, and the staff inbox and replies."""

from flask import Blueprint

from guide.features.sms_replies import staff, twilio

bp = Blueprint("sms_replies", __name__)
bp.register_blueprint(twilio.bp)
bp.register_blueprint(staff.bp)
