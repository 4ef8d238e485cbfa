"""data protection: the access log keeps pseudonyms instead of plain ids; anonymous statistics of erased households

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 08:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def _pseudonymise_existing_entries() -> None:
    """Entries written before this revision get the same pseudonyms the app now writes (key from the app)."""
    from guide.core.audit import entity_pseudonym, household_pseudonym, pseudonym

    bind = op.get_bind()
    references = dict(bind.execute(sa.text("SELECT id, reference FROM household")).all())
    rows = bind.execute(sa.text("SELECT id, actor_kind, actor_id, household_id, entity, entity_id "
                                "FROM audit_entry")).all()
    for row_id, actor_kind, actor_id, household_id, entity, entity_id in rows:
        if household_id is None and actor_kind == "household":
            household_id = actor_id
        if household_id is None:
            household_key = None
        elif household_id in references:
            household_key = household_pseudonym(references[household_id])
        else:
            household_key = pseudonym("household-id", household_id)
        bind.execute(sa.text("UPDATE audit_entry SET household_key = :h, entity_key = :e, actor_id = :a "
                             "WHERE id = :id"),
                     {"h": household_key, "e": entity_pseudonym(entity, entity_id) if entity_id is not None else None,
                      "a": None if actor_kind == "household" else actor_id, "id": row_id})


def upgrade():
    op.create_table(
        'household_statistic',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('operation_id', sa.Integer(), nullable=True),
        sa.Column('stage', sa.String(length=30), nullable=False),
        sa.Column('proposals', sa.Integer(), nullable=False),
        sa.Column('refusals', sa.Integer(), nullable=False),
        sa.Column('mediations', sa.Integer(), nullable=False),
        sa.Column('opened_month', sa.String(length=7), nullable=False),
        sa.Column('moved_month', sa.String(length=7), nullable=True),
        sa.Column('erased_month', sa.String(length=7), nullable=False),
        sa.Column('reason', sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(['operation_id'], ['operation.id'], name='fk_household_statistic_operation',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_household_statistic'),
    )
    op.create_index('ix_household_statistic_operation_id', 'household_statistic', ['operation_id'])

    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('household_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entity_key', sa.String(length=64), nullable=True))
    _pseudonymise_existing_entries()
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_household_id')
        batch_op.drop_column('household_id')
        batch_op.drop_column('entity_id')
        batch_op.create_index('ix_audit_entry_household_key', ['household_key'], unique=False)


def downgrade():
    # the plain ids cannot be recovered from their pseudonyms: entries keep their pseudonyms only
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_household_key')
        batch_op.add_column(sa.Column('entity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('household_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_audit_entry_household_id', ['household_id'], unique=False)
        batch_op.drop_column('entity_key')
        batch_op.drop_column('household_key')
    op.drop_index('ix_household_statistic_operation_id', table_name='household_statistic')
    op.drop_table('household_statistic')
