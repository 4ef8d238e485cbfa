"""The staff caseload: the households a person follows, with what needs doing first."""

from flask import Blueprint

from guide.features.caseload import staff

bp = Blueprint("caseload", __name__)
bp.register_blueprint(staff.bp)
