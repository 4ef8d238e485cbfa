"""What the housing benefit estimate needs (guide/core/housing_benefit.py)

- operation.depcom, proposal.depcom: the commune's INSEE code of the current building and of an offered flat
  (the APL zone); proposal.social_housing: an HLM flat (APL and the RLS rent reduction) or a private one.
- proposal.housing_benefit becomes optional: empty means "not known, use the estimate"; a figure typed by staff
  (from a CAF notice or simulation) overrides the estimate. Existing zeros were the form's default: they become
  empty.
- budget_facts.adults, budget_facts.children_ages, budget_facts.resources_by_kind: the people in the home and the
  monthly resources by kind (salary, unemployment, pension, RSA), which the APL reads differently.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 12:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('operation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depcom', sa.String(length=5), nullable=True))
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('depcom', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('social_housing', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.alter_column('housing_benefit', existing_type=sa.Numeric(10, 2), nullable=True)
    op.execute("UPDATE proposal SET housing_benefit = NULL WHERE housing_benefit = 0")
    with op.batch_alter_table('budget_facts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adults', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('children_ages', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('resources_by_kind', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('budget_facts', schema=None) as batch_op:
        batch_op.drop_column('resources_by_kind')
        batch_op.drop_column('children_ages')
        batch_op.drop_column('adults')
    op.execute("UPDATE proposal SET housing_benefit = 0 WHERE housing_benefit IS NULL")
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.alter_column('housing_benefit', existing_type=sa.Numeric(10, 2), nullable=False)
        batch_op.drop_column('social_housing')
        batch_op.drop_column('depcom')
    with op.batch_alter_table('operation', schema=None) as batch_op:
        batch_op.drop_column('depcom')
