"""queue index in the exact queue order (rank_at, then id), so taking the head never sorts the queue

Revision ID: 0003
Revises: 0002
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_queue')
        batch_op.create_index('ix_contacts_queue', ['status', 'domain_id', 'rank_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_queue')
        batch_op.create_index('ix_contacts_queue', ['status', 'domain_id', 'rank_at'], unique=False)
