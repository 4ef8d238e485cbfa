"""Sign-in forms: a household's phone number and the code it receives, a staff member's e-mail and password."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

REQUIRED = _l("Ce champ est obligatoire.")


class PhoneForm(FlaskForm):
    phone = StringField(_l("Votre numéro de téléphone portable"),
                        validators=[DataRequired(message=_l("Écrivez votre numéro de téléphone.")),
                                    Length(max=30, message=_l("Ce numéro est trop long."))])


class CodeForm(FlaskForm):
    code = StringField(_l("Le code reçu par SMS"),
                       validators=[DataRequired(message=_l("Écrivez le code à 6 chiffres.")),
                                   Regexp(r"^\s*\d(\s*\d){5}\s*$", message=_l("Le code a 6 chiffres."))])


class LoginForm(FlaskForm):
    email = EmailField(_l("Adresse e-mail"), validators=[DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(REQUIRED), Length(max=200)])
