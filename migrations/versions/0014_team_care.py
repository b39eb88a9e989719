"""Care for the team: the weekly mood check, coaching notes, and the seniors' conversation guide per domain; the
indexes the indicators use to count signals in a range.

Revision ID: 0014
Revises: 0013
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # the indicators count signals raised and done in a range (the wallboard asks every half minute)
    op.create_index('ix_signals_created', 'signals', ['created_at'], unique=False)
    op.create_index('ix_signals_closed', 'signals', ['closed_at'], unique=False)
    op.create_table(
        'mood_checks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('mood', sa.String(length=10), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("mood IN ('green', 'yellow', 'red')", name=op.f('ck_mood_checks_mood')),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_mood_checks_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mood_checks')),
        sa.UniqueConstraint('staff_id', 'week', name='uq_mood_checks_staff_week'),
    )
    op.create_index('ix_mood_checks_week', 'mood_checks', ['week'], unique=False)
    op.create_table(
        'coaching_notes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('coach_id', sa.Integer(), nullable=False),
        sa.Column('author_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('top', 'goal')", name=op.f('ck_coaching_notes_kind')),
        sa.ForeignKeyConstraint(['author_id'], ['staff.id'], name=op.f('fk_coaching_notes_author_id_staff'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['coach_id'], ['staff.id'], name=op.f('fk_coaching_notes_coach_id_staff'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_coaching_notes_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_notes')),
    )
    op.create_index('ix_coaching_notes_pair', 'coaching_notes', ['staff_id', 'coach_id', 'at'], unique=False)
    op.create_table(
        'conversation_guides',
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_conversation_guides_domain_id_domains'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by_id'], ['staff.id'],
                                name=op.f('fk_conversation_guides_updated_by_id_staff'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('domain_id', name=op.f('pk_conversation_guides')),
    )


def downgrade() -> None:
    op.drop_table('conversation_guides')
    op.drop_index('ix_coaching_notes_pair', table_name='coaching_notes')
    op.drop_table('coaching_notes')
    op.drop_index('ix_mood_checks_week', table_name='mood_checks')
    op.drop_table('mood_checks')
    op.drop_index('ix_signals_closed', table_name='signals')
    op.drop_index('ix_signals_created', table_name='signals')
