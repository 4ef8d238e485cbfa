"""The household's form about an appointment."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length


class ChangeRequestForm(FlaskForm):
    note = TextAreaField(_l("Pourquoi voulez-vous changer ? Quels jours vous vont ?"),
                         validators=[Length(max=1000, message=_l("1000 signes au plus."))])
