"""The lobby: help a visitor asked for travels with their contact to the desk (contacts.needs); visitors advised
instead of given a ticket are counted per domain (lobby_turnaways) for the seniors; a desk calls, recalls and
starts (contacts.called_at, calls, started_at), and the display shows the latest call, a recall on top again.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('domains', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lobby_attention_min', sa.Integer(), server_default='15', nullable=False))
        batch_op.add_column(sa.Column('lobby_notify_ahead', sa.Integer(), server_default='3', nullable=False))
        batch_op.add_column(sa.Column('counter_mix', sa.String(length=20), server_default='together', nullable=False))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('called_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('calls', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('started_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.drop_index('ix_contacts_called')
    # a visitor called before this version was called when they were answered
    op.execute("UPDATE contacts SET called_at = answered_at, calls = 1, started_at = answered_at "
               "WHERE channel = 'counter' AND answered_at IS NOT NULL")
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_called', ['channel', 'called_at'], unique=False)
    op.create_table(
        'lobby_turnaways',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('topic_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.CheckConstraint("reason IN ('missing', 'not_at_counter', 'closed')", name=op.f('ck_lobby_turnaways_reason')),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_lobby_turnaways_domain_id_domains')),
        sa.ForeignKeyConstraint(['topic_id'], ['topics.id'], name=op.f('fk_lobby_turnaways_topic_id_topics')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_lobby_turnaways')),
    )
    op.create_index('ix_lobby_turnaways_at', 'lobby_turnaways', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_lobby_turnaways_at', table_name='lobby_turnaways')
    op.drop_table('lobby_turnaways')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_called')
        batch_op.create_index('ix_contacts_called', ['channel', 'answered_at'], unique=False)
        batch_op.drop_column('started_at')
        batch_op.drop_column('calls')
        batch_op.drop_column('called_at')
        batch_op.drop_column('needs')
    with op.batch_alter_table('domains', schema=None) as batch_op:
        batch_op.drop_column('counter_mix')
        batch_op.drop_column('lobby_notify_ahead')
        batch_op.drop_column('lobby_attention_min')
