"""one phone number, one household (unique number); sign-in limits per number and address (codes, wrong tries)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 07:00:00

A database where a number is already on several household files cannot take the unique number: the upgrade stops
before changing anything and lists those numbers (masked) with the files' references, for an administrator to take
the number off the file(s) where it does not belong (staff back office, the file's phones), then upgrade again.
Which file is right cannot be decided by a rule: the older row may be the mistake as well as the newer one.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


class SharedNumbers(RuntimeError):
    """Some numbers are on several household files: nothing was changed."""


def shared_numbers(bind) -> list[tuple[str, list[str]]]:  # type: ignore[no-untyped-def]
    """(masked number, references of the files holding it) for every number on more than one file."""
    from guide.core.logs import mask_number

    rows = bind.execute(sa.text(
        "SELECT p.number, h.reference FROM household_phone p JOIN household h ON h.id = p.household_id "
        "WHERE p.number IN (SELECT number FROM household_phone GROUP BY number HAVING COUNT(*) > 1) "
        "ORDER BY p.number, h.reference")).all()
    found: dict[str, list[str]] = {}
    for number, reference in rows:
        found.setdefault(number, []).append(reference)
    return [(mask_number(number), references) for number, references in found.items()]


def _stop_on_shared_numbers() -> None:
    shared = shared_numbers(op.get_bind())
    if not shared:
        return
    lines = "\n".join(f"  {number}: {', '.join(references)}" for number, references in shared)
    raise SharedNumbers(
        f"Upgrade stopped, nothing changed: {len(shared)} phone number(s) on several household files.\n"
        "A number may belong to one household only (sign-in and SMS replies would pick one of the files).\n"
        f"{lines}\n"
        "An administrator opens these files (staff back office), takes the number off the file(s) where it does not "
        "belong, then runs `flask --app guide db upgrade` again.")


def upgrade():
    _stop_on_shared_numbers()
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('household_phone_household_id_number_key', 'household_phone', type_='unique')
    with op.batch_alter_table('household_phone', schema=None,
                              naming_convention={"uq": "uq_%(table_name)s_%(column_0_name)s"}) as batch_op:
        if op.get_bind().dialect.name != "postgresql":
            batch_op.drop_constraint('uq_household_phone_household_id', type_='unique')
        batch_op.drop_index('ix_household_phone_number')
        batch_op.create_index('ix_household_phone_number', ['number'], unique=True)

    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address_hash', sa.String(length=64), nullable=False, server_default=''))
        batch_op.drop_column('attempts')
    op.create_table('sign_in_try',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('address_hash', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('sign_in_try', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_in_try_phone_hash'), ['phone_hash'], unique=False)
    op.create_table('sign_in_guard',
    sa.Column('phone_hash', sa.String(length=64), nullable=False),
    sa.Column('touched_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('phone_hash')
    )


def downgrade():
    op.drop_table('sign_in_guard')
    with op.batch_alter_table('sign_in_try', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_in_try_phone_hash'))
    op.drop_table('sign_in_try')
    with op.batch_alter_table('sign_in_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attempts', sa.Integer(), nullable=False, server_default='0'))
        batch_op.drop_column('address_hash')
    with op.batch_alter_table('household_phone', schema=None) as batch_op:
        batch_op.drop_index('ix_household_phone_number')
        batch_op.create_index('ix_household_phone_number', ['number'], unique=False)
        batch_op.create_unique_constraint(
            'household_phone_household_id_number_key' if op.get_bind().dialect.name == "postgresql"
            else 'uq_household_phone_household_id', ['household_id', 'number'])
