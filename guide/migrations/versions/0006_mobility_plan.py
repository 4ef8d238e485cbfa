"""mobility plan: co-edited plan items (Citéo method) and their history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 05:41:21.548984

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

KINDS = "'phases', 'wishes', 'trip', 'attachment', 'brake', 'action', 'visit'"
SINGLE = sa.text("kind IN ('phases', 'wishes')")


def upgrade():
    op.create_table(
        'plan_item',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('rank', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('removed', sa.Boolean(), nullable=False),
        sa.Column('updated_by_kind', sa.String(length=10), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN ({KINDS})", name='ck_plan_item_kind'),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_plan_item_household_id_household',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_plan_item'),
    )
    op.create_index('ix_plan_item_household_kind', 'plan_item', ['household_id', 'kind'], unique=False)
    # phases and wishes exist once per household
    op.create_index('ux_plan_item_single', 'plan_item', ['household_id', 'kind'], unique=True,
                    sqlite_where=SINGLE, postgresql_where=SINGLE)

    op.create_table(
        'plan_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('item_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('action', sa.String(length=10), nullable=False),
        sa.Column('actor_kind', sa.String(length=10), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_plan_change_household_id_household',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['item_id'], ['plan_item.id'], name='fk_plan_change_item_id_plan_item',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_plan_change'),
        # one change per version: two saves can never both claim the same version of an item
        sa.UniqueConstraint('item_id', 'version', name='uq_plan_change_item_version'),
    )
    op.create_index('ix_plan_change_household_id_id', 'plan_change', ['household_id', 'id'], unique=False)


def downgrade():
    op.drop_index('ix_plan_change_household_id_id', table_name='plan_change')
    op.drop_table('plan_change')
    op.drop_index('ux_plan_item_single', table_name='plan_item', sqlite_where=SINGLE, postgresql_where=SINGLE)
    op.drop_index('ix_plan_item_household_kind', table_name='plan_item')
    op.drop_table('plan_item')
