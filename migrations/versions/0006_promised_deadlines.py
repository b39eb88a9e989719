"""A callback deadline the employee promises: handovers.deadline (the sender's, carried into the task if the
offer becomes one) and a reason when it lies later than the norm (handovers/tasks.deadline_reason)

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('deadline_reason', sa.Text(), nullable=True))
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deadline_reason', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_column('deadline_reason')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_column('deadline_reason')
        batch_op.drop_column('deadline')
