"""The household's forms for written requests: an answer to a proposal, a mediation request, an addition."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    MultipleFileField,
    RadioField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, Regexp

from guide.core.forms import IDEMPOTENCY, MultiCheckboxField, options
from guide.core.labels import MOTIVE_LABELS


class AnswerForm(FlaskForm):
    decision = RadioField(_l("Votre réponse"), choices=options([("accept", _l("J'accepte ce logement")),
                                                                ("refuse", _l("Je refuse ce logement"))]),
                          validators=[DataRequired(message=_l("Choisissez : j'accepte ou je refuse."))])
    motives = MultiCheckboxField(_l("Pourquoi refusez-vous ?"), choices=options(list(MOTIVE_LABELS.items())),
                                 validate_choice=True)
    text = TextAreaField(_l("Expliquez avec vos mots"),
                         validators=[Length(max=5000, message=_l("5000 signes au plus."))])
    key = HiddenField(validators=[DataRequired(), Regexp(IDEMPOTENCY)])

    def validate_motives(self, field: Field) -> None:
        if self.decision.data == "refuse" and not field.data and not (self.text.data or "").strip():
            raise ValidationError(_l("Un refus doit donner une raison. Cochez une raison ou écrivez-la."))


class MediationForm(FlaskForm):
    what_happened = TextAreaField(_l("Que s'est-il passé ?"),
                                  validators=[Length(max=5000, message=_l("5000 signes au plus."))])
    disagreement = TextAreaField(_l("Avec quoi n'êtes-vous pas d'accord ?"),
                                 validators=[Length(max=5000, message=_l("5000 signes au plus."))])
    wish = TextAreaField(_l("Que souhaitez-vous ?"),
                         validators=[Length(max=5000, message=_l("5000 signes au plus."))])
    photos = MultipleFileField(_l("Photos (3 au plus, JPEG ou PNG)"))
    key = HiddenField(validators=[DataRequired(), Regexp(IDEMPOTENCY)])

    def validate_what_happened(self, field: Field) -> None:
        if not any((f.data or "").strip() for f in (self.what_happened, self.disagreement, self.wish)):
            raise ValidationError(_l("Écrivez au moins quelques mots."))


class AdditionForm(FlaskForm):
    text = TextAreaField(_l("Ajouter quelque chose"),
                         validators=[DataRequired(message=_l("Écrivez quelques mots.")),
                                     Length(max=5000, message=_l("5000 signes au plus."))])
