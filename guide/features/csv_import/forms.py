"""The staff's CSV import form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired


class ImportForm(FlaskForm):
    file = FileField(_l("Fichier CSV des ménages"),
                     validators=[FileRequired(_l("Choisissez un fichier.")),
                                 FileAllowed(["csv", "txt"], _l("Un fichier .csv, s'il vous plaît."))])
