"""after the move: costs to refund, courtesy visits, the anonymous satisfaction survey

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 06:25:37.944596

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'move_expense',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('idempotency_key', sa.String(length=32), nullable=False),
        sa.Column('amount', sa.Numeric(precision=10, scale=2), nullable=False),
        sa.Column('invoice_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('photo', sa.LargeBinary(), nullable=False),
        sa.Column('photo_type', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('refunded_on', sa.Date(), nullable=True),
        sa.Column('cheque_number', sa.String(length=40), nullable=False),
        sa.Column('refunded_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name='ck_move_expense_amount_positive'),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_move_expense_household',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['refunded_by_id'], ['staff_user.id'], name='fk_move_expense_refunded_by',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_move_expense'),
        sa.UniqueConstraint('household_id', 'idempotency_key', name='uq_move_expense_household_key'),
    )
    op.create_index('ix_move_expense_household_id', 'move_expense', ['household_id'])

    op.create_table(
        'courtesy_visit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('months', sa.Integer(), nullable=False),
        sa.Column('appointment_id', sa.Integer(), nullable=True),
        sa.Column('visited_on', sa.Date(), nullable=True),
        sa.Column('flat_ok', sa.Boolean(), nullable=True),
        sa.Column('neighbourhood_ok', sa.Boolean(), nullable=True),
        sa.Column('support_needed', sa.Boolean(), nullable=True),
        sa.Column('reste_a_vivre_now', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column('reste_a_vivre_before', sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column('flags', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.CheckConstraint('months IN (2, 4, 6)', name='ck_courtesy_visit_months'),
        sa.ForeignKeyConstraint(['appointment_id'], ['appointment.id'], name='fk_courtesy_visit_appointment',
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_courtesy_visit_household',
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name='fk_courtesy_visit_recorded_by',
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name='pk_courtesy_visit'),
        sa.UniqueConstraint('household_id', 'months', name='uq_courtesy_visit_household_months'),
    )
    op.create_index('ix_courtesy_visit_household_id', 'courtesy_visit', ['household_id'])

    # the survey: who was invited (and answered, never when) apart from the answers (no household, month only)
    op.create_table(
        'survey_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('answered', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], name='fk_survey_invitation_household',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_survey_invitation'),
        sa.UniqueConstraint('household_id', name='uq_survey_invitation_household'),
    )
    op.create_table(
        'survey_answer',
        sa.Column('id', sa.String(length=32), nullable=False),
        sa.Column('month', sa.String(length=7), nullable=False),
        sa.Column('group_name', sa.String(length=120), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_survey_answer'),
    )
    op.create_index('ix_survey_answer_month', 'survey_answer', ['month'])


def downgrade():
    op.drop_index('ix_survey_answer_month', table_name='survey_answer')
    op.drop_table('survey_answer')
    op.drop_table('survey_invitation')
    op.drop_index('ix_courtesy_visit_household_id', table_name='courtesy_visit')
    op.drop_table('courtesy_visit')
    op.drop_index('ix_move_expense_household_id', table_name='move_expense')
    op.drop_table('move_expense')
