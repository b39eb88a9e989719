"""Signals (knelpunten) from the front line, the domains they touch and the contacts that raised them.

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'signals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('suggestion', sa.Text(), nullable=False),
        sa.Column('from_citizen', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('tags', sa.JSON(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.Text(), nullable=False),
        sa.Column('action_date', sa.Date(), nullable=True),
        sa.Column('merged_into_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('updated_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('closed_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('new', 'analysing', 'action_agreed', 'done', 'not_doing')",
                           name=op.f('ck_signals_status')),
        sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_signals_created_by_id_staff'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['merged_into_id'], ['signals.id'], name=op.f('fk_signals_merged_into_id_signals')),
        sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_signals_owner_id_staff'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signals')),
    )
    op.create_index('ix_signals_status', 'signals', ['status', 'merged_into_id'], unique=False)
    op.create_table(
        'signal_domains',
        sa.Column('signal_id', sa.Integer(), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_signal_domains_domain_id_domains')),
        sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_domains_signal_id_signals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('signal_id', 'domain_id', name=op.f('pk_signal_domains')),
    )
    op.create_table(
        'signal_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('signal_id', sa.Integer(), nullable=False),
        sa.Column('contact_id', sa.Integer(), nullable=True),
        sa.Column('raised_by_id', sa.Integer(), nullable=True),
        sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('thank_citizen', sa.Boolean(), nullable=False),
        sa.Column('thanked_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('seen_outcome_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_signal_contacts_contact_id_contacts'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['raised_by_id'], ['staff.id'], name=op.f('fk_signal_contacts_raised_by_id_staff'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['signal_id'], ['signals.id'], name=op.f('fk_signal_contacts_signal_id_signals'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_signal_contacts')),
    )
    op.create_index('ix_signal_contacts_contact', 'signal_contacts', ['contact_id'], unique=False)
    op.create_index(op.f('ix_signal_contacts_signal_id'), 'signal_contacts', ['signal_id'], unique=False)


def downgrade() -> None:
    op.drop_table('signal_contacts')
    op.drop_table('signal_domains')
    op.drop_index('ix_signals_status', table_name='signals')
    op.drop_table('signals')
