"""SMS exactly once: one Twilio message settles at most one outbox row; a lease per send; giving up counts time

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 07:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def _unsettle_shared_message_ids() -> None:
    """Before this revision two identical texts to one number could both be marked sent with one Twilio message (the
    look-up matched the other row's): only the first row keeps it; the others did not arrive as far as we know, so
    they go to staff review (shown on the household file as not arrived, with the advice to call)."""
    op.execute(sa.text(
        "UPDATE sms_message SET status = 'review', provider_id = NULL, error_code = 'shared_sid' "
        "WHERE provider_id IS NOT NULL AND EXISTS (SELECT 1 FROM sms_message AS earlier "
        "WHERE earlier.provider_id = sms_message.provider_id AND earlier.id < sms_message.id)"))


def upgrade():
    _unsettle_shared_message_ids()
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_sms_message_provider_id')
    op.create_index('ux_sms_message_provider_id', 'sms_message', ['provider_id'], unique=True,
                    sqlite_where=sa.text("provider_id IS NOT NULL"),
                    postgresql_where=sa.text("provider_id IS NOT NULL"))


def downgrade():
    op.drop_index('ux_sms_message_provider_id', table_name='sms_message')
    with op.batch_alter_table('sms_message', schema=None) as batch_op:
        batch_op.create_index('ix_sms_message_provider_id', ['provider_id'], unique=False)
        batch_op.drop_column('first_attempt_at')
        batch_op.drop_column('lease')
