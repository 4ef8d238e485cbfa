"""Views never write: services do, and the request's unit of work (guide/core/transaction.py) commits once.

1. A walk of every route module under guide/features (household.py, staff.py, public.py, twilio.py, views.py, and
   any other module a view of the app lives in):
   no `db.session.add/delete/commit/rollback/flush/...`, no `insert/update/delete` statement, no construction of a
   guide.models class, and no assignment to a model's column (`x.status = ...`, `x.data[...] = ...`, `+=`, setattr)
   in any of their functions. Each finding names the file and line.
2. A write in a view whose database is busy once (SQLite's write lock held by another connection past the busy
   timeout) is run again and saved exactly once; a unit busy every time gives up and leaves nothing.
"""

from __future__ import annotations

import ast
import sqlite3
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import OperationalError

import guide.models as models
from guide.core import transaction
from guide.core.extensions import db
from guide.models import PageFeedback

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "guide" / "features"
ROUTE_FILES = ("household.py", "staff.py", "public.py", "twilio.py", "views.py")
SESSION_WRITES = {"add", "add_all", "delete", "commit", "rollback", "flush", "merge", "begin", "begin_nested"}
STATEMENTS = {"insert", "update", "delete"}  # sqlalchemy's, when imported into a route module
# not a model, even when an attribute shares a column's name (form fields, Flask's objects, the response)
NOT_MODELS = {"g", "session", "request", "current_app", "response", "self", "field", "form", "cls"}


def _models() -> tuple[set[str], set[str]]:
    """Names of the mapped classes of guide.models, and every column or relationship name they have."""
    classes, attributes = set(), set()
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(models, cls.__name__, None) is cls or cls.__module__.startswith("guide.models"):
            classes.add(cls.__name__)
            attributes.update(key for key in mapper.attrs.keys() if key != "id")
    return classes, attributes


def _route_modules(app) -> list[Path]:  # type: ignore[no-untyped-def]
    """The audience files of every feature, and every other module of guide/features a view of the app lives in
    (the plan's pages.py and items.py...)."""
    served = {Path(sys.modules[view.__module__].__file__ or "").resolve() for view in app.view_functions.values()}
    return sorted({p for p in FEATURES.glob("*/*.py") if p.name in ROUTE_FILES}
                  | {p for p in served if p.is_relative_to(FEATURES)})


def _base_name(node: ast.expr) -> str | None:
    """`x` for `x.attr` (one level): the object whose attribute is set."""
    return node.value.id if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) else None


def _is_model_attribute(target: ast.expr, attributes: set[str]) -> bool:
    if isinstance(target, ast.Subscript):  # item.data["key"] = ...
        target = target.value
    if not isinstance(target, ast.Attribute) or target.attr not in attributes:
        return False
    base = _base_name(target)
    return base is not None and base not in NOT_MODELS and not base.endswith("form")


def _imported(tree: ast.Module, classes: set[str]) -> tuple[set[str], set[str]]:
    """The names this module binds to guide.models classes, and to sqlalchemy's insert/update/delete."""
    model_names, statements = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("guide.models"):
            model_names.update(alias.asname or alias.name for alias in node.names if alias.name in classes)
        if isinstance(node, ast.ImportFrom) and node.module in ("sqlalchemy", "sqlalchemy.sql"):
            statements.update(alias.asname or alias.name for alias in node.names if alias.name in STATEMENTS)
    return model_names, statements


def _call(node: ast.Call, model_names: set[str], statements: set[str]) -> str | None:
    """What a call writes, if it does: a session write, a model built, a DML statement, setattr/delattr."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in SESSION_WRITES and \
            isinstance(func.value, ast.Attribute) and func.value.attr == "session":
        return f"db.session.{func.attr}()"
    name = func.id if isinstance(func, ast.Name) else None
    if name in model_names:
        return f"builds a {name}"
    if name in statements:
        return f"an {name}() statement"
    if name in ("setattr", "delattr"):
        return f"{name}()"
    return None


def _targets(node: ast.AST) -> list[ast.expr]:
    """What an assignment, augmented assignment or del statement writes to."""
    if isinstance(node, ast.Assign):
        return [t for target in node.targets for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return list(node.targets)
    return []


def findings(path: Path, classes: set[str], attributes: set[str]) -> list[str]:
    """Every write in a function of this module, as "file:line in function(): what"."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    model_names, statements = _imported(tree, classes)
    rel = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name
    found = []
    for function in (n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))):
        for node in ast.walk(function):
            where = f"{rel}:{getattr(node, 'lineno', function.lineno)} in {function.name}()"
            write = _call(node, model_names, statements) if isinstance(node, ast.Call) else None
            if write is not None:
                found.append(f"{where}: {write}")
            found.extend(f"{where}: sets {ast.unparse(target)}" for target in _targets(node)
                         if _is_model_attribute(target, attributes))
    return found


def test_the_walk_finds_what_it_looks_for(tmp_path) -> None:
    """The guard itself: a view that writes in each forbidden way is caught, line by line."""
    classes, attributes = _models()
    route = tmp_path / "staff.py"
    route.write_text(
        "from sqlalchemy import update\n"
        "from guide.models import PageFeedback\n"
        "def view(message, form):\n"
        "    db.session.add(PageFeedback(page='x', lang='fr', useful=True))\n"
        "    message.status = 'sent'\n"
        "    message.data['k'] = 1\n"
        "    message.version += 1\n"
        "    db.session.execute(update(PageFeedback))\n"
        "    db.session.commit()\n"
        "    form.status.data = 'fine'\n"  # a form field: not a model
        "    g.household = None\n",  # Flask's g: not a model
        encoding="utf-8")
    got = findings(route.resolve(), classes, attributes)
    lines = sorted(int(f.split(":")[1].split(" ")[0]) for f in got)
    assert lines == [4, 4, 5, 6, 7, 8, 9], got


def test_no_view_writes_models_or_commits(app) -> None:  # type: ignore[no-untyped-def]
    classes, attributes = _models()
    assert {"PageFeedback", "SmsMessage", "StaffUser"} <= classes and {"status", "failed_logins"} <= attributes
    modules = _route_modules(app)
    assert len(modules) >= 15, "the route modules were not found"
    problems = [finding for path in modules for finding in findings(path, classes, attributes)]
    assert not problems, "views that write themselves (move it into the feature's service.py):\n" + "\n".join(problems)


# --- a busy database: the request is run again, and saved once ----------------------------------------------------

@pytest.fixture()
def sqlite_file(app):  # type: ignore[no-untyped-def]
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
        pytest.skip("holds SQLite's write lock from another connection")
    return url[len("sqlite:///"):]


def _count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_write_whose_database_is_busy_once_is_retried_and_saved_once(app, client, sqlite_file,
                                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Another connection holds SQLite's write lock past the busy timeout: the feedback view's first run fails
    ("database is locked"), the request's unit rolls back, pauses, and runs the whole view again once the lock is
    gone. One row, one 200; the error was met (not waited out by the driver)."""
    before = _count(app, PageFeedback)
    monkeypatch.setattr(transaction, "PAUSE_SECONDS", 0.4)  # the other writer lets go during the first pause
    locked: list[str] = []
    with app.app_context():
        engine = db.engine

    def short_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    def met(context) -> None:  # type: ignore[no-untyped-def]
        locked.append(str(context.original_exception))

    event.listen(engine, "connect", short_timeout)
    event.listen(engine, "handle_error", met)
    engine.dispose()  # new connections take the short timeout
    holder = sqlite3.connect(sqlite_file, timeout=5, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, as a long write of another process would hold it
    release = threading.Timer(0.2, lambda: holder.execute("ROLLBACK"))
    release.start()
    try:
        response = client.post("/feedback", data={"page": "pages/costs", "useful": "yes"},
                               headers={"Sec-Fetch-Site": "same-origin"})
    finally:
        release.join()
        holder.close()
        event.remove(engine, "connect", short_timeout)
        event.remove(engine, "handle_error", met)
        engine.dispose()
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert any("database is locked" in text for text in locked), f"the lock was never met: {locked}"
    assert _count(app, PageFeedback) == before + 1, "saved exactly once"


def test_a_unit_busy_every_time_gives_up_and_saves_nothing(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """After ATTEMPTS runs the error goes up (a 500 page), and nothing of any run is left."""
    monkeypatch.setattr(transaction, "PAUSE_SECONDS", 0)
    runs = []

    @transaction.atomic
    def always_busy() -> None:
        runs.append(1)
        db.session.add(PageFeedback(page="pages/costs", lang="fr", useful=True))
        db.session.flush()
        raise OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    before = _count(app, PageFeedback)
    with app.app_context(), pytest.raises(OperationalError):
        always_busy()
    assert len(runs) == transaction.ATTEMPTS
    assert _count(app, PageFeedback) == before
