"""SMS linked to the written requests they caused

An incoming MEDIATION message points to the request it created, a receipt to the request it acknowledges: both set
when they are written, instead of being guessed later.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 06:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_sms_message_request_id_written_request', 'written_request', ['request_id'],
                                    ['id'], ondelete='SET NULL')
    # receipts only: the other SMS (reminders, codes) add nothing to write to it
    op.create_index('ix_sms_message_request_id', 'sms_message', ['request_id'],
                    sqlite_where=sa.text("request_id IS NOT NULL"), postgresql_where=sa.text("request_id IS NOT NULL"))
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sms_inbound_request_id'), ['request_id'], unique=False)
        batch_op.create_foreign_key('fk_sms_inbound_request_id_written_request', 'written_request', ['request_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('sms_inbound', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sms_inbound_request_id_written_request', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_sms_inbound_request_id'))
        batch_op.drop_column('request_id')
    op.drop_index('ix_sms_message_request_id', table_name='sms_message')
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.drop_constraint('fk_sms_message_request_id_written_request', type_='foreignkey')
        batch_op.drop_column('request_id')
