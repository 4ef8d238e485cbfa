"""Forms of the household space."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp


class PhoneForm(FlaskForm):
    phone = StringField(_l("Votre numéro de téléphone portable"),
                        validators=[DataRequired(message=_l("Écrivez votre numéro de téléphone.")),
                                    Length(max=30, message=_l("Ce numéro est trop long."))])


class CodeForm(FlaskForm):
    code = StringField(_l("Le code reçu par SMS"),
                       validators=[DataRequired(message=_l("Écrivez le code à 6 chiffres.")),
                                   Regexp(r"^\s*\d(\s*\d){5}\s*$", message=_l("Le code a 6 chiffres."))])


class ConfirmForm(FlaskForm):
    """A button only: CSRF-protected confirmation."""


class ChangeRequestForm(FlaskForm):
    note = TextAreaField(_l("Pourquoi voulez-vous changer ? Quels jours vous vont ?"),
                         validators=[Length(max=1000, message=_l("1000 signes au plus."))])
