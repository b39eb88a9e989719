"""Mail exactly once, as near as SMTP allows: a mail is marked as being sent before it goes, and keeps one
Message-ID over its attempts.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sending_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('message_id', sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('message_id')
        batch_op.drop_column('sending_at')
