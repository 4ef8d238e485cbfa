"""Letter PDFs stored once rendered

A written request's letter is turned into a PDF by WeasyPrint (most of a second); the PDF is kept with the
fingerprint of the HTML it was made from and served again while the letter is the same
(guide/features/requests/pdf_store.py). Deleted with the request.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'letter_pdf',
        sa.Column('request_id', sa.Integer(), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('pdf', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['written_request.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('request_id'),
    )


def downgrade():
    op.drop_table('letter_pdf')
