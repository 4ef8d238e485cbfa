"""The sms_replies feature's blueprint: one child blueprint per audience module. Only create_app imports this
module, so importing the feature's service never loads its routes (nor, through them, other features)."""

from flask import Blueprint

from guide.features.sms_replies import staff, twilio

bp = Blueprint("sms_replies", __name__)
bp.register_blueprint(twilio.bp)
bp.register_blueprint(staff.bp)
