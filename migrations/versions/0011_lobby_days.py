"""The lobby's figures of settled days (lobby_days), kept beside indicator_days so a year of them reads a few
thousand rows. Days settled before this revision are counted again (their kept indicators are dropped, and the
worker and the readers keep them anew), so no settled day lacks its lobby figures.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'lobby_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('hours', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_lobby_days_domain_id_domains')),
        sa.PrimaryKeyConstraint('day', 'domain_id', name=op.f('pk_lobby_days')),
    )
    op.execute("DELETE FROM indicator_days")
    op.execute("DELETE FROM indicator_settled_days")


def downgrade() -> None:
    op.drop_table('lobby_days')
