"""Forms of the public guide (CSRF-protected through Flask-WTF)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Regexp


class FeedbackForm(FlaskForm):
    """"Was this page useful?": a yes or a no, nothing about the person."""

    page = HiddenField(validators=[DataRequired(), Length(max=80), Regexp(r"^(stages|pages|flows)/[a-z0-9-]+$")])
    useful = StringField(validators=[DataRequired(message=_l("Choisissez oui ou non.")),
                                     AnyOf(["yes", "no"], message=_l("Choisissez oui ou non."))])
