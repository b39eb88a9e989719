"""handovers, callback tasks, attempts, outgoing mail

Revision ID: 0004
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa
import kcc.core.db


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handovers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('from_staff_id', sa.Integer(), nullable=False),
    sa.Column('to_staff_id', sa.Integer(), nullable=True),
    sa.Column('to_team_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('promised', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('answered_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('decline_reason', sa.Text(), nullable=True),
    sa.CheckConstraint("status IN ('offered', 'accepted', 'declined', 'expired')", name=op.f('ck_handovers_status')),
    sa.CheckConstraint('(to_staff_id IS NULL) <> (to_team_id IS NULL)', name=op.f('ck_handovers_one_target')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['staff.id'], name=op.f('fk_handovers_answered_by_id_staff')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_handovers_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_staff_id'], ['staff.id'], name=op.f('fk_handovers_from_staff_id_staff')),
    sa.ForeignKeyConstraint(['to_staff_id'], ['staff.id'], name=op.f('fk_handovers_to_staff_id_staff')),
    sa.ForeignKeyConstraint(['to_team_id'], ['teams.id'], name=op.f('fk_handovers_to_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_handovers'))
    )
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handovers_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_handovers_open', ['status', 'expires_at'], unique=False)

    op.create_table('tasks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('handover_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('done', sa.Text(), nullable=False),
    sa.Column('promised', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('deadline', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('completed_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=True),
    sa.Column('reminded_on', sa.Date(), nullable=True),
    sa.CheckConstraint("state IN ('open', 'done')", name=op.f('ck_tasks_state')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_tasks_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['staff.id'], name=op.f('fk_tasks_created_by_id_staff')),
    sa.ForeignKeyConstraint(['handover_id'], ['handovers.id'], name=op.f('fk_tasks_handover_id_handovers')),
    sa.ForeignKeyConstraint(['owner_id'], ['staff.id'], name=op.f('fk_tasks_owner_id_staff')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_tasks_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tasks'))
    )
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_tasks_contact_id'), ['contact_id'], unique=False)
        batch_op.create_index('ix_tasks_team_state', ['team_id', 'state', 'deadline'], unique=False)

    op.create_table('outgoing_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=True),
    sa.Column('created_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('sent_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_outgoing_mail_task_id_tasks'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_mail'))
    )
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.create_index('ix_outgoing_mail_due', ['sent_at', 'next_attempt_at'], unique=False)

    op.create_table('task_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reached', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_task_attempts_actor_id_staff')),
    sa.ForeignKeyConstraint(['task_id'], ['tasks.id'], name=op.f('fk_task_attempts_task_id_tasks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_task_attempts'))
    )
    with op.batch_alter_table('task_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_attempts_task_id'), ['task_id'], unique=False)

    # a contact closed by completing its callback task has its own outcome
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contacts_outcome'), type_='check')
        batch_op.create_check_constraint(
            batch_op.f('ck_contacts_outcome'),
            "outcome IS NULL OR outcome IN ('answered', 'referred_external', 'callback_done')")


def downgrade() -> None:
    op.execute("UPDATE contacts SET outcome = 'answered' WHERE outcome = 'callback_done'")
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_contacts_outcome'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_contacts_outcome'),
                                         "outcome IS NULL OR outcome IN ('answered', 'referred_external')")
    with op.batch_alter_table('task_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_attempts_task_id'))

    op.drop_table('task_attempts')
    with op.batch_alter_table('outgoing_mail', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_mail_due')

    op.drop_table('outgoing_mail')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_team_state')
        batch_op.drop_index(batch_op.f('ix_tasks_contact_id'))

    op.drop_table('tasks')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index('ix_handovers_open')
        batch_op.drop_index(batch_op.f('ix_handovers_contact_id'))

    op.drop_table('handovers')
