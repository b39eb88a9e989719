"""Open callbacks by deadline across every team: the floor lead's count of overdue callbacks read the whole
tasks table (a seq scan that grows with every callback ever made); with (state, deadline) it reads only the
open ones past their deadline.

Revision ID: 0008
Revises: 0007
"""
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_state_deadline', ['state', 'deadline'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_state_deadline')
