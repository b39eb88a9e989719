"""History at scale: indexes that keep the hot paths off the years of history (a day's contacts, the tickets
called just now, a day's handovers and callbacks, what became of one's own offers), contacts.repeated (the
repeat-contact flag taken at arrival, so indicators count it without a query per contact) and
indicator_days and indicator_settled_days (the indicators of days that can no longer change)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

import kcc.core.db

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Contacts that had an earlier contact of the same phone number or e-mail address in the 7 days before.
_REPEATED = """
UPDATE contacts SET repeated = {true} WHERE citizen_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM citizens AS mine, citizens AS theirs, contacts AS earlier
    WHERE mine.id = contacts.citizen_id AND earlier.citizen_id = theirs.id AND earlier.id <> contacts.id
      AND ((mine.phone IS NOT NULL AND theirs.phone = mine.phone) OR (mine.email IS NOT NULL AND theirs.email = mine.email))
      AND earlier.created_at <= contacts.created_at AND {within})
"""


def upgrade() -> None:
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeated', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_index('ix_contacts_created', ['created_at'], unique=False)
        batch_op.create_index('ix_contacts_called', ['channel', 'answered_at'], unique=False)
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.create_index('ix_handovers_created', ['created_at'], unique=False)
        batch_op.create_index('ix_handovers_sender', ['from_staff_id', 'created_at'], unique=False)
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.create_index('ix_tasks_created', ['created_at'], unique=False)
    op.create_table(
        'indicator_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('domain_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in (
            'contacts', 'answered_in_one_go', 'abandoned', 'phone_answered', 'phone_in_time', 'handovers_offered',
            'handovers_accepted', 'handovers_expired', 'handovers_declined', 'callbacks_created',
            'callbacks_on_time', 'callbacks_overdue', 'repeat_contacts')),
        sa.Column('stored_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("channel IN ('phone', 'counter', 'web', 'email')", name=op.f('ck_indicator_days_channel')),
        sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_indicator_days_domain_id_domains')),
        sa.PrimaryKeyConstraint('day', 'domain_id', 'channel', name=op.f('pk_indicator_days')),
    )
    op.create_table(
        'indicator_settled_days',
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('stored_at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('day', name=op.f('pk_indicator_settled_days')),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_REPEATED.format(true="true", within="earlier.created_at >= contacts.created_at - interval '7 days'"))
    else:
        op.execute(_REPEATED.format(true="1", within="julianday(earlier.created_at) >= julianday(contacts.created_at) - 7"))


def downgrade() -> None:
    op.drop_table('indicator_settled_days')
    op.drop_table('indicator_days')
    with op.batch_alter_table('tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_tasks_created')
    with op.batch_alter_table('handovers', schema=None) as batch_op:
        batch_op.drop_index('ix_handovers_sender')
        batch_op.drop_index('ix_handovers_created')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_called')
        batch_op.drop_index('ix_contacts_created')
        batch_op.drop_column('repeated')
