"""The floor and the wallboard drawn once for every screen of every server process, by `kcc worker`.

Revision ID: 0015
Revises: 0014
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'drawn_screens',
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=False),
        sa.Column('html', sa.Text(), nullable=False),
        sa.Column('drawn_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('by_worker', sa.Boolean(), nullable=False),
        sa.Column('asked_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_drawn_screens')),
    )


def downgrade() -> None:
    op.drop_table('drawn_screens')
