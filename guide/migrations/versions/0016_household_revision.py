"""A revision number per household, kept by the database: it changes with anything the household's pages show

household.revision goes up whenever the household's row changes, or a row of the household's file is added,
changed or removed (a table with a household_id column, or a written request's additions and photos), or the
name, phone or title of its officer or mediator, or its operation, changes. Triggers keep it, so no write is
missed, however it is made (the ORM, a bulk UPDATE, the CLI, SQL typed by hand). The household's pages kept in
memory (guide/core/personal_pages.py) are looked up by it.

Not counted (nothing of them is on the household's pages, or they change on every request): the signed-in
sessions, sign-in codes and links, the SMS outbox and inbox, and staff's own contact notes.

On SQLite, a later migration that rebuilds one of these tables (`batch_alter_table` copies it into a new table)
drops its triggers: it must create them again (tests/app/test_household_revision.py fails otherwise).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 19:20:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# Tables of the household's file, by the column naming the household (a snapshot: later tables need a migration).
DIRECT = ("appointment", "budget_facts", "consent", "courtesy_visit", "household_phone", "mediation_case",
          "move_expense", "plan_change", "plan_item", "proposal", "survey_invitation", "written_request")
THROUGH_REQUEST = ("request_addition", "request_photo")  # request_id -> written_request.household_id
STAFF_SHOWN = ("name", "phone", "title", "email", "active")  # what a household sees of its officer or mediator

BUMP = "UPDATE household SET revision = revision + 1 WHERE id = {}"
OF_REQUEST = "(SELECT household_id FROM written_request WHERE id = {}.request_id)"


def upgrade():
    # ALTER TABLE on both databases: on SQLite, a batch rebuild of household would empty every table whose rows
    # are deleted with it (ON DELETE CASCADE) when the old table is dropped
    op.add_column('household', sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _postgresql():
    for name, household in (("direct", "{}.household_id"), ("request", OF_REQUEST)):
        op.execute(f"""
CREATE FUNCTION household_revision_{name}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {BUMP.format(household.format('NEW'))};
  ELSIF TG_OP = 'DELETE' THEN
    {BUMP.format(household.format('OLD'))};
  ELSE
    {BUMP.format(household.format('OLD'))};
    IF {household.format('NEW')} IS DISTINCT FROM {household.format('OLD')} THEN
      {BUMP.format(household.format('NEW'))};
    END IF;
  END IF;
  RETURN NULL;
END $$""")
    for table in DIRECT + THROUGH_REQUEST:
        function = "household_revision_request" if table in THROUGH_REQUEST else "household_revision_direct"
        op.execute(f"CREATE TRIGGER {table}_household_revision AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {function}()")
    # the household's own row: any change not already counting (a bump from a table above sets it itself)
    op.execute("""
CREATE FUNCTION household_revision_own() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.revision = OLD.revision THEN
    NEW.revision := OLD.revision + 1;
  END IF;
  RETURN NEW;
END $$""")
    op.execute("CREATE TRIGGER household_revision_own BEFORE UPDATE ON household "
               "FOR EACH ROW EXECUTE FUNCTION household_revision_own()")
    changed = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in STAFF_SHOWN)
    op.execute("""
CREATE FUNCTION household_revision_staff() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE household SET revision = revision + 1 WHERE officer_id = NEW.id OR mediator_id = NEW.id;
  RETURN NULL;
END $$""")
    op.execute(f"CREATE TRIGGER staff_user_household_revision AFTER UPDATE ON staff_user FOR EACH ROW "
               f"WHEN ({changed}) EXECUTE FUNCTION household_revision_staff()")
    op.execute("""
CREATE FUNCTION household_revision_operation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE household SET revision = revision + 1 WHERE operation_id = NEW.id;
  RETURN NULL;
END $$""")
    op.execute("CREATE TRIGGER operation_household_revision AFTER UPDATE ON operation FOR EACH ROW "
               "EXECUTE FUNCTION household_revision_operation()")


def _sqlite():
    for table in DIRECT + THROUGH_REQUEST:
        household = OF_REQUEST if table in THROUGH_REQUEST else "{}.household_id"
        new, old = household.format("NEW"), household.format("OLD")
        op.execute(f"CREATE TRIGGER {table}_household_revision_insert AFTER INSERT ON {table} "
                   f"BEGIN {BUMP.format(new)}; END")
        op.execute(f"CREATE TRIGGER {table}_household_revision_update AFTER UPDATE ON {table} "
                   f"BEGIN UPDATE household SET revision = revision + 1 WHERE id IN ({old}, {new}); END")
        op.execute(f"CREATE TRIGGER {table}_household_revision_delete AFTER DELETE ON {table} "
                   f"BEGIN {BUMP.format(old)}; END")
    op.execute("CREATE TRIGGER household_revision_own AFTER UPDATE ON household WHEN NEW.revision = OLD.revision "
               "BEGIN UPDATE household SET revision = OLD.revision + 1 WHERE id = NEW.id; END")
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in STAFF_SHOWN)
    op.execute(f"CREATE TRIGGER staff_user_household_revision AFTER UPDATE ON staff_user WHEN {changed} "
               "BEGIN UPDATE household SET revision = revision + 1 WHERE officer_id = NEW.id OR mediator_id = NEW.id; "
               "END")
    op.execute("CREATE TRIGGER operation_household_revision AFTER UPDATE ON operation "
               "BEGIN UPDATE household SET revision = revision + 1 WHERE operation_id = NEW.id; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in DIRECT + THROUGH_REQUEST:
            op.execute(f"DROP TRIGGER {table}_household_revision ON {table}")
        op.execute("DROP TRIGGER household_revision_own ON household")
        op.execute("DROP TRIGGER staff_user_household_revision ON staff_user")
        op.execute("DROP TRIGGER operation_household_revision ON operation")
        for name in ("direct", "request", "own", "staff", "operation"):
            op.execute(f"DROP FUNCTION household_revision_{name}()")
    else:
        for table in DIRECT + THROUGH_REQUEST:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_household_revision_{event}")
        for trigger in ("household_revision_own", "staff_user_household_revision", "operation_household_revision"):
            op.execute(f"DROP TRIGGER {trigger}")
    op.execute("ALTER TABLE household DROP COLUMN revision")  # SQLite ≥ 3.35 too, without rebuilding the table
