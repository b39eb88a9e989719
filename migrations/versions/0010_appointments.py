"""Appointments at the counter: a time, a topic, a name and a check-in code; checked in, one becomes a ticket.
The confirmation mail carries the code as a QR image too (outgoing_mail.qr).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'appointments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=8), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=False),
        sa.Column('starts_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('name', sa.String(length=150), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('checked_in_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('cancelled_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('booked', 'checked_in', 'cancelled')", name=op.f('ck_appointments_status')),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_appointments_contact_id_contacts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_appointments_created_by_id_staff'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_appointments_domain_id_domains')),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_appointments_topic_id_topics')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
        sa.UniqueConstraint('code', name=op.f('uq_appointments_code')),
        sa.UniqueConstraint('contact_id', name=op.f('uq_appointments_contact_id')),
    )
    op.create_index('ix_appointments_day', 'appointments', ['starts_at', 'domain_id'], unique=False)
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.add_column(sa.Column('qr', sa.String(length=50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_column('qr')
    op.drop_index('ix_appointments_day', table_name='appointments')
    op.drop_table('appointments')
