"""The satisfaction survey (§4 step 14): the household's questionnaire and the staff's anonymous results."""

from flask import Blueprint

from guide.features.survey import household, staff

bp = Blueprint("survey", __name__)
bp.register_blueprint(household.bp)
bp.register_blueprint(staff.bp)
