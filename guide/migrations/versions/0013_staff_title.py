"""Staff titles: the words each person uses beside their name

"Nadia Benali, chargée de relogement": the title agrees with the person, who chooses it. Empty for existing
accounts, which keep their role's label until a title is set (`flask --app guide staff title`).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 11:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('title', sa.String(length=80), nullable=True))


def downgrade():
    with op.batch_alter_table('staff_user', schema=None) as batch_op:
        batch_op.drop_column('title')
