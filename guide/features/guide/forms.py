"""Forms of the public guide. The feedback form carries no CSRF token: it sits on pages cached for every reader
(core/page_cache.py); its view checks that the browser sent it from this site (core/security.same_origin_request)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp


class FeedbackForm(FlaskForm):
    """"Was this page useful?": a yes or a no, nothing about the person."""

    class Meta:
        csrf = False  # checked by origin in the view instead

    page = HiddenField(validators=[DataRequired(), Length(max=80), Regexp(r"^(stages|pages|flows)/[a-z0-9-]+$")])
    useful = StringField(validators=[DataRequired(message=_l("Choisissez oui ou non.")),
                                     AnyOf(["yes", "no"], message=_l("Choisissez oui ou non."))])
