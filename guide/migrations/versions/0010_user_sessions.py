"""signed-in sessions kept on the server: signing out (here, everywhere, or by an admin) ends them

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 06:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    # sessions signed in before this revision carry no token: they end at the first request after it
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=True),
        sa.Column('staff_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint('(household_id IS NULL) <> (staff_id IS NULL)', name='ck_user_session_one_account'),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_user_session_household',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff_user.id'], name='fk_user_session_staff', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_user_session'),
        sa.UniqueConstraint('token_hash', name='uq_user_session_token_hash'),
    )
    op.create_index('ix_user_session_household_id', 'user_session', ['household_id'])
    op.create_index('ix_user_session_staff_id', 'user_session', ['staff_id'])


def downgrade():
    op.drop_index('ix_user_session_staff_id', table_name='user_session')
    op.drop_index('ix_user_session_household_id', table_name='user_session')
    op.drop_table('user_session')
