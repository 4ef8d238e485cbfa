"""The staff's form for a mediation case (the staff interface is in French; labels still go through gettext)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from guide.core.forms import YEAR, DateTimeInputField, VersionedForm, options
from guide.core.labels import MEDIATION_STATUSES


class MediationUpdateForm(VersionedForm):
    # every status, the case's own included: the list opens on where the case stands (obj=case), so saving a
    # date or a text alone never moves the case to the next status
    status = SelectField(_l("Statut"), choices=options(MEDIATION_STATUSES.items()))
    meeting_at = DateTimeInputField(_l("Date et heure de la réunion"), validators=[Optional()], past=YEAR,
                                    future=2 * YEAR)
    meeting_place = StringField(_l("Lieu neutre de la réunion"), validators=[Length(max=200)])
    outcome = TextAreaField(_l("Résultat de la médiation"), validators=[Length(max=5000)])
    letter_text = TextAreaField(_l("Courrier après médiation (points essentiels)"), validators=[Length(max=10000)])
