"""Retention: when a contact was anonymised (kcc.retention), with an index to find the closed ones not yet done,
and the audit log by time, so entries past their term are deleted without reading the whole log.

Revision ID: 0018
Revises: 0017
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_contacts_retention', 'contacts', ['anonymised_at', 'closed_at', 'id'], unique=False)
    op.create_index('ix_audit_at', 'audit_log', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_at', table_name='audit_log')
    op.drop_index('ix_contacts_retention', table_name='contacts')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
