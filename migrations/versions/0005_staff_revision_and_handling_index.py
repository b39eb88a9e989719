"""staff.revision: bumped whenever roles, skills, languages, teams, name or active change, so an API call
can trust a cached profile of the employee after reading a single row; an index for the recent handling
times behind the expected wait (it sorted every resolved contact of the domain on each intake)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.create_index('ix_contacts_closed', ['domain_id', 'closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_closed')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_column('revision')
