"""Sessions kept on the server, so logout, a new password, deactivation, a change of roles or an administrator
end a login at once; API tokens with an optional expiry.

Revision ID: 0017
Revises: 0016
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'web_sessions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('staff_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('origin', sa.String(length=64), nullable=False),
        sa.Column('browser', sa.String(length=200), nullable=False),
        sa.Column('ended_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_why', sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_web_sessions_staff_id_staff'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_sessions')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_web_sessions_token_hash')),
    )
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_sessions_staff_id'), ['staff_id'], unique=False)
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
    with op.batch_alter_table('web_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_sessions_staff_id'))
    op.drop_table('web_sessions')
