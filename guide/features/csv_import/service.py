"""Import households from a spreadsheet export (CSV): every row checked first, then all saved or none.

Columns (header row, any order; French Excel's ";" or ","; UTF-8 with or without BOM, or Windows-1252):
reference, nom, langue, personnes, telephone, accord_sms, operation, commune, code_commune, charge_email,
mediateur_email, etape, papiers_le. `code_commune` is the commune's INSEE code (59350 for Lille), which the housing
benefit estimate needs; without it the code is looked up from the commune's name. Several phones go in one cell
separated by "|". A number already on a household file, or on two
rows of the file, is an error of its row (one number, one household: guide/features/phones/service.py).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from guide.core import audit, housing_benefit
from guide.core.content import load_journey
from guide.core.extensions import db
from guide.core.i18n import configured_languages
from guide.core.labels import role_label
from guide.core.permissions import IMPORT_HOUSEHOLDS, can
from guide.core.phones import normalize
from guide.core.transaction import atomic
from guide.features.phones import service as household_phones
from guide.models import Household, HouseholdPhone, Operation, Role, StaffUser

REQUIRED = ("reference", "nom", "telephone")
KNOWN = ("reference", "nom", "langue", "personnes", "telephone", "accord_sms", "operation", "commune",
         "code_commune", "charge_email", "mediateur_email", "etape", "papiers_le")
MAX_ROWS = 5000
YES = {"oui", "o", "yes", "y", "1", "vrai", "true", "x"}
NO = {"non", "n", "no", "0", "faux", "false", ""}
Report = Callable[[str, str], None]  # records an error of the row being checked: (column, message)


@dataclass
class RowError:
    line: int  # the line in the file (the header is line 1)
    column: str
    message: str


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("encoding")


def _parse_date(text: str) -> date | None:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


@atomic
def import_households(raw: bytes, staff: StaffUser, region: str = "FR") -> ImportResult:
    """Check every row; when all are right, add them to the session (the caller commits), else add nothing."""
    result = ImportResult()
    reader = _reader(raw, result.errors)
    if reader is None:
        return result
    check = _Check(staff=staff, region=region, stages={s["slug"] for s in load_journey()},
                   languages=configured_languages(),
                   staff_by_email={s.email.lower(): s for s in db.session.scalars(select(StaffUser))},
                   existing=set(db.session.scalars(select(Household.reference))),
                   numbers_on_files=household_phones.numbers_on_files())  # one number, one household
    pending: list[Household] = []
    for index, raw_row in enumerate(reader, start=2):
        if index - 1 > MAX_ROWS:
            result.errors.append(RowError(index, "", _("Trop de lignes : 5000 au plus par fichier.")))
            break
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw_row.items() if k}
        if not any(row.values()):
            continue
        household = _household(row, index, check, result.errors)
        if household is not None:
            pending.append(household)
    if result.errors:
        return result
    return _add(pending, staff, result)


def _reader(raw: bytes, errors: list[RowError]) -> csv.DictReader[str] | None:
    """The rows of a readable file with the required columns; else None, and the error of line 1."""
    try:
        text = _decode(raw)
    except ValueError:
        errors.append(RowError(1, "", _("Le fichier n'est pas lisible. Enregistrez-le en CSV UTF-8.")))
        return None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in headers]
    if missing:
        errors.append(RowError(1, ", ".join(missing), _("Colonnes obligatoires absentes.")))
        return None
    return reader


@dataclass
class _Check:
    """What checking the rows of one file shares: the accepted values, and what earlier rows already used."""
    staff: StaffUser
    region: str
    stages: set[str]
    languages: list[str]
    staff_by_email: dict[str, StaffUser]
    existing: set[str]  # references already in the database
    numbers_on_files: set[str]
    number_lines: dict[str, int] = field(default_factory=dict)  # a number of this file -> the first line that has it
    seen: set[str] = field(default_factory=set)  # references of this file
    operations: dict[tuple[str, str], Operation] = field(default_factory=dict)


def _household(row: dict[str, str], index: int, check: _Check, errors: list[RowError]) -> Household | None:
    """The household of one row, or None when the row has errors (each added to `errors`, in column order)."""
    errors_before = len(errors)

    def error(column: str, message: str, line: int = index) -> None:
        errors.append(RowError(line, column, message))

    reference = _reference(row, check, error)
    name = row.get("nom", "")
    if not name or len(name) > 120:
        error("nom", _("Le nom est obligatoire (120 signes au plus)."))
    language = (row.get("langue") or "fr").lower()
    if language not in check.languages:
        error("langue", _("Langue inconnue. Langues possibles : %(codes)s.", codes=", ".join(check.languages)))
    occupants = _occupants(row, error)
    phones = _phones(row, index, check, error)
    consent_text = row.get("accord_sms", "").lower()
    if consent_text not in YES | NO:
        error("accord_sms", _("Écrivez oui ou non."))
    stage = row.get("etape") or "informed"
    if stage not in check.stages:
        error("etape", _("Étape inconnue."))
    documents_on = _documents_on(row, error)
    depcom = _depcom(row, error)
    officer = _staff(row.get("charge_email", ""), Role.OFFICER, check.staff_by_email, check.staff, error,
                     "charge_email")
    mediator = _staff(row.get("mediateur_email", ""), Role.MEDIATOR, check.staff_by_email, None, error,
                      "mediateur_email")
    # officers import only their own households (guide/core/permissions.py, asked about the household to be)
    if officer is not None and not can(check.staff, IMPORT_HOUSEHOLDS, Household(officer_id=officer.id)):
        error("charge_email", _("Vous pouvez importer seulement vos propres ménages."))
    if len(errors) > errors_before:
        return None
    household = Household(reference=reference, display_name=name, language=language, occupants=occupants,
                          stage=stage, documents_updated_on=documents_on,
                          operation=_operation(row, check, depcom),
                          officer_id=officer.id if officer else None,
                          mediator_id=mediator.id if mediator else None)
    consent = consent_text in YES
    household.phones = [HouseholdPhone(number=n, sms_consent=consent,
                                       consent_at=datetime.now(UTC) if consent else None)
                        for n in dict.fromkeys(phones)]
    return household


def _reference(row: dict[str, str], check: _Check, error: Report) -> str:
    reference = row.get("reference", "")
    if not reference:
        error("reference", _("La référence est obligatoire."))
    elif len(reference) > 40:
        error("reference", _("40 signes au plus."))
    elif reference in check.existing:
        error("reference", _("Ce ménage existe déjà."))
    elif reference in check.seen:
        error("reference", _("Cette référence est en double dans le fichier."))
    check.seen.add(reference)
    return reference


def _occupants(row: dict[str, str], error: Report) -> int:
    try:
        occupants = int(row.get("personnes") or "1")
        if not 1 <= occupants <= 20:
            raise ValueError
    except ValueError:
        error("personnes", _("Un nombre de personnes entre 1 et 20."))
        occupants = 1
    return occupants


def _phones(row: dict[str, str], index: int, check: _Check, error: Report) -> list[str]:
    phones = []
    pieces = [p for p in row.get("telephone", "").split("|") if p.strip()]
    for piece in pieces:
        e164 = normalize(piece, check.region)
        if e164 is None:
            error("telephone", _("Numéro invalide : %(number)s", number=piece))
        elif e164 in check.numbers_on_files:
            error("telephone", _("%(number)s est déjà dans le dossier d'un autre ménage. "
                                 "Demandez à un administrateur.", number=piece.strip()))
        elif check.number_lines.setdefault(e164, index) != index:
            error("telephone", _("%(number)s est aussi à la ligne %(line)s. Un numéro va dans un seul dossier.",
                                 number=piece.strip(), line=check.number_lines[e164]))
        else:
            phones.append(e164)
    if not pieces:
        error("telephone", _("Au moins un numéro de téléphone."))
    return phones


def _documents_on(row: dict[str, str], error: Report) -> date | None:
    documents_on = None
    if row.get("papiers_le"):
        documents_on = _parse_date(row["papiers_le"])
        if documents_on is None:
            error("papiers_le", _("Date invalide : écrivez JJ/MM/AAAA."))
    return documents_on


def _depcom(row: dict[str, str], error: Report) -> str | None:
    """The commune's INSEE code: the column when given (checked), else found from the commune's name, if it can."""
    typed = row.get("code_commune", "").strip()
    if typed:
        if not housing_benefit.valid_depcom(typed) or housing_benefit.find_commune(typed) is None:
            error("code_commune", _("Code de commune inconnu : écrivez le code INSEE à 5 chiffres. "
                                    "Par exemple : 59350 pour Lille."))
            return None
        return typed.upper()
    return housing_benefit.find_commune(row["commune"]) if row.get("commune") else None


def _operation(row: dict[str, str], check: _Check, depcom: str | None = None) -> Operation | None:
    """The row's operation: one already named by an earlier row or in the database, else a new one.

    Its commune code is set when the file gives one and the operation has none yet.
    """
    if not row.get("operation"):
        return None
    key = (row["operation"], row.get("commune", ""))
    operation = check.operations.get(key) or db.session.scalars(select(Operation).where(
        Operation.name == key[0], Operation.commune == key[1])).first()
    if operation is None:
        operation = Operation(name=key[0][:120], commune=key[1][:80], landlord="")
    if depcom and not operation.depcom:
        operation.depcom = depcom
    check.operations[key] = operation
    return operation


def _add(pending: list[Household], staff: StaffUser, result: ImportResult) -> ImportResult:
    """Every checked household into the session, each import audited; none when a number was taken meanwhile."""
    db.session.add_all(pending)
    try:
        db.session.flush()
    except IntegrityError:  # a number put on a file by someone else while this import was checked
        db.session.rollback()
        result.errors.append(RowError(1, "telephone", _("Un numéro vient d'être ajouté à un autre dossier. "
                                                        "Rien n'est importé. Recommencez l'import.")))
        return result
    for household in pending:
        audit.record("staff", staff.id, "import", household_id=household.id, entity="household",
                     entity_id=household.id)
    result.created = len(pending)
    return result


def _staff(email: str, role: Role, by_email: dict[str, StaffUser], default: StaffUser | None, error: Report,
           column: str) -> StaffUser | None:
    if not email:
        return default if default is not None and default.role == role else None
    found = by_email.get(email.lower())
    if found is None or found.role != role:
        error(column, _("Aucun compte %(role)s avec cette adresse.", role=role_label(role.value)))
        return None
    return found
