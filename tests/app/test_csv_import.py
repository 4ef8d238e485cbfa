"""CSV import of households: every row checked, a per-row error report, nothing half-imported."""

from __future__ import annotations

import io

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from guide.core.extensions import db
from guide.features.phones import service as household_phones
from guide.models import AuditEntry, Household, HouseholdPhone, Operation, Role
from tests.app.test_staff import log_in
from tests.conftest import csrf_token, get_page
from tests.factories import make_household, make_staff

HEADER = "reference;nom;langue;personnes;telephone;accord_sms;operation;commune;charge_email;etape;papiers_le\n"


def _upload(client, content: bytes, name: str = "menages.csv"):
    page = get_page(client, "/staff/import")
    return client.post("/staff/import", data={"csrf_token": csrf_token(page.soup),
                                              "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _count(app, model=Household) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_clean_file_imports_every_row(client, app, ctx) -> None:
    officer = make_staff()
    rows = (HEADER + f"R-1;Famille Ünal;tr;4;06 12 34 56 78|0698765432;oui;Les Tilleuls;Lille;{officer.email};"
            "visit;15/10/2026\nR-2;عائلة سعيد;ar;2;+33 6 11 22 33 44;non;Les Tilleuls;Lille;;informed;\n")
    log_in(client, officer)
    response = _upload(client, rows.encode("utf-8-sig"))
    assert response.status_code == 200
    assert get_page(client, "/staff/").soup  # still fine afterwards
    with app.app_context():
        first = db.session.scalars(select(Household).where(Household.reference == "R-1")).one()
        assert (first.display_name, first.language, first.occupants, first.officer_id) == (
            "Famille Ünal", "tr", 4, officer.id)
        assert sorted(p.number for p in first.phones) == ["+33612345678", "+33698765432"]
        assert all(p.sms_consent for p in first.phones)
        second = db.session.scalars(select(Household).where(Household.reference == "R-2")).one()
        assert second.display_name == "عائلة سعيد" and second.officer_id == officer.id
        assert not second.phones[0].sms_consent
        assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "import")) == 2


def test_one_bad_row_imports_nothing_and_names_each_problem(client, app, ctx) -> None:
    officer = make_staff()
    make_household(reference="EXISTS")
    rows = (HEADER + "R-1;Famille A;fr;3;0612345678;oui;;;;;\n"
            "EXISTS;Famille B;fr;3;0612345679;oui;;;;;\n"
            "R-3;Famille C;de;0;12;peut-être;;;;nowhere;31/02/2026\n")
    log_in(client, officer)
    response = _upload(client, rows.encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)

    soup = BeautifulSoup(page, "html.parser")
    lines = [(tr["data-line"], tr.select("td")[1].get_text()) for tr in soup.select("tr[data-line]")]
    assert ("3", "reference") in lines
    assert {("4", c) for c in ("langue", "personnes", "telephone", "accord_sms", "etape", "papiers_le")} <= set(lines)
    assert _count(app) == 1  # only the household that existed before
    assert _count(app, HouseholdPhone) == 1


def test_missing_columns_and_unreadable_files_are_explained(client, app, ctx) -> None:
    officer = make_staff()
    log_in(client, officer)
    response = _upload(client, b"nom;telephone\nA;0612345678\n")
    assert response.status_code == 422 and "reference" in response.get_data(as_text=True)
    assert _upload(client, b"\xff\xfe\x00garbage", "x.csv").status_code == 422
    assert _upload(client, b"reference,nom", "menages.pdf").status_code == 422
    assert _count(app) == 0


def test_windows_1252_comma_separated_file(client, app, ctx) -> None:
    officer = make_staff()
    log_in(client, officer)
    content = "reference,nom,telephone,accord_sms\nR-9,Famille Hélène,0612345670,oui\n".encode("cp1252")
    assert _upload(client, content).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(Household)).one().display_name == "Famille Hélène"


def test_an_officer_cannot_import_for_a_colleague_and_mediators_cannot_import(client, app, ctx) -> None:
    officer, colleague = make_staff(), make_staff()
    log_in(client, officer)
    rows = HEADER + f"R-1;Famille A;fr;3;0612345678;oui;;;{colleague.email};;\n"
    assert _upload(client, rows.encode()).status_code == 422
    assert _count(app) == 0
    mediator = make_staff(role=Role.MEDIATOR)
    other = app.test_client()
    log_in(other, mediator)
    assert other.get("/staff/import").status_code == 403


def test_import_needs_csrf(client, ctx) -> None:
    officer = make_staff()
    log_in(client, officer)
    response = client.post("/staff/import", data={"file": (io.BytesIO(b"x"), "a.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400


def test_a_number_already_on_a_file_or_twice_in_the_file_imports_nothing(client, app, ctx) -> None:
    """One number, one household: each row with a number taken is named, and no row is imported."""
    officer = make_staff()
    make_household(phone="+33612340077", reference="EXISTING-1", display_name="Famille Ailleurs")
    rows = (HEADER + f"R-1;Famille Un;fr;2;06 12 34 00 77;oui;;;{officer.email};informed;\n"
            f"R-2;Famille Deux;fr;2;06 12 34 00 88;oui;;;{officer.email};informed;\n"
            f"R-3;Famille Trois;fr;2;0612340099|06 12 34 00 88;oui;;;{officer.email};informed;\n"
            f"R-4;Famille Quatre;fr;2;06 12 34 00 55|0612340055;oui;;;{officer.email};informed;\n")
    log_in(client, officer)
    before = _count(app)
    response = _upload(client, rows.encode())
    assert response.status_code == 422

    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    errors: dict[str, str] = {}
    for row in soup.select("tr[data-line]"):
        errors[row["data-line"]] = errors.get(row["data-line"], "") + row.get_text(" ", strip=True)
    assert set(errors) == {"2", "4"}, errors
    assert "06 12 34 00 77 est déjà dans le dossier d'un autre ménage. Demandez à un administrateur." in errors["2"]
    assert "EXISTING-1" not in errors["2"] and "Ailleurs" not in errors["2"], "the other file is not named"
    assert "06 12 34 00 88 est aussi à la ligne 3. Un numéro va dans un seul dossier." in errors["4"]
    assert _count(app) == before, "nothing imported"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HouseholdPhone)) == 1


def test_a_number_put_on_a_file_while_the_import_is_checked_imports_nothing(client, app, ctx, monkeypatch) -> None:
    """The rows were checked against the files before another officer's save landed: the database refuses, and
    the import says so and saves nothing (no error page)."""

    officer = make_staff()
    make_household(phone="+33612340066")
    monkeypatch.setattr(household_phones, "numbers_on_files", lambda: set())  # the other save not yet visible
    rows = (HEADER + f"R-1;Famille Un;fr;2;06 12 34 00 11;oui;;;{officer.email};informed;\n"
            f"R-2;Famille Deux;fr;2;06 12 34 00 66;oui;;;{officer.email};informed;\n")
    log_in(client, officer)
    before = _count(app)
    response = _upload(client, rows.encode())
    assert response.status_code == 422, response.status_code
    assert "Un numéro vient d'être ajouté à un autre dossier. Rien n'est importé." in response.get_data(as_text=True) \
        .replace("&#39;", "'")
    assert _count(app) == before and _count(app, HouseholdPhone) == 1, "nothing imported"


def test_the_commune_code_is_imported_checked_or_found_from_the_name(client, app, ctx) -> None:
    """The housing benefit estimate needs the commune's INSEE code (guide/core/housing_benefit.py)."""
    officer = make_staff()
    header = "reference;nom;telephone;operation;commune;code_commune\n"
    log_in(client, officer)
    bad = _upload(client, (header + "R-9;Famille C;0612345670;Le Parc;Roubaix;99999\n").encode())
    assert "Code de commune inconnu" in bad.get_data(as_text=True) and _count(app) == 0
    rows = (header + "R-1;Famille A;0612345671;Les Tilleuls;Lille;59350\n"
            "R-2;Famille B;0612345672;Le Parc;Roubaix;\n")
    assert _upload(client, rows.encode()).status_code == 200
    with app.app_context():
        codes = {o.name: o.depcom for o in db.session.scalars(select(Operation))}
    assert codes == {"Les Tilleuls": "59350", "Le Parc": "59512"}, "given, or found from the commune's name"
