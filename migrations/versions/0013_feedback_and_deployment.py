"""Citizen feedback (KTO): the one question after a resolved contact, and the citizen's consent to it; which of an
employee's skilled domains they serve now (the floor lead's deployment).

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('skills', sa.Column('serving', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.add_column('contacts', sa.Column('feedback_ok', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_contacts_feedback', 'contacts', ['feedback_ok', 'closed_at'], unique=False)
    op.create_table(
        'feedback',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('citizen_id', sa.Integer(), nullable=True),
        sa.Column('domain_id', sa.Integer(), nullable=True),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('sent_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('answered_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('answer', sa.String(length=10), nullable=True),
        sa.Column('comment', sa.Text(), nullable=False),
        sa.Column('signal_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("answer IN ('yes', 'partly', 'no')", name=op.f('ck_feedback_answer')),
        sa.CheckConstraint("channel IN ('phone', 'counter', 'web', 'email')", name=op.f('ck_feedback_channel')),
        sa.ForeignKeyConstraint(['citizen_id'], ['citizens.id'], name=op.f('fk_feedback_citizen_id_citizens'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_feedback_contact_id_contacts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_feedback_domain_id_domains')),
        sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_feedback_signal_id_signals'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_feedback_token_hash')),
    )
    op.create_index('ix_feedback_answered', 'feedback', ['answered_at'], unique=False)
    op.create_index('ix_feedback_sent', 'feedback', ['sent_at'], unique=False)
    op.create_index('ix_feedback_citizen_sent', 'feedback', ['citizen_id', 'sent_at'], unique=False)
    op.create_index(op.f('ix_feedback_contact_id'), 'feedback', ['contact_id'], unique=False)


def downgrade() -> None:
    op.drop_table('feedback')
    op.drop_index('ix_contacts_feedback', table_name='contacts')
    with op.batch_alter_table('contacts') as batch:
        batch.drop_column('feedback_ok')
    with op.batch_alter_table('skills') as batch:
        batch.drop_column('serving')
