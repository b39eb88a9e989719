"""queues and routing: presence and desk per employee; ranking, routing and outcome per contact;
routing corrections; ticket counters

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import kcc.core.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presence', sa.String(length=10), nullable=False, server_default='offline'))
        batch_op.add_column(sa.Column('presence_since', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('idle_since', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_seen_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('desk_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_staff_desk_id_desks'), 'desks', ['desk_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_staff_presence'),
                                         "presence IN ('available', 'paused', 'offline')")
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.alter_column('presence', server_default=None)

    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routing_method', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('routing_confidence', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('ticket', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('desk_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('outcome', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('referred_to', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('queued_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('rank_at', kcc.core.db.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE contacts SET queued_at = created_at, rank_at = created_at")
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.alter_column('queued_at', nullable=False)
        batch_op.alter_column('rank_at', nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_contacts_desk_id_desks'), 'desks', ['desk_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_contacts_outcome'),
                                         "outcome IS NULL OR outcome IN ('answered', 'referred_external')")
        batch_op.create_check_constraint(batch_op.f('ck_contacts_routing_method'),
                                         "routing_method IS NULL OR routing_method IN ('choice', 'router', 'fallback')")
        batch_op.drop_index('ix_contacts_queue')
        batch_op.create_index('ix_contacts_queue', ['status', 'domain_id', 'rank_at'], unique=False)
        batch_op.create_index('ix_contacts_owner', ['owner_id', 'status'], unique=False)
        batch_op.create_index('ix_contacts_citizen', ['citizen_id', 'created_at'], unique=False)

    op.create_table('routing_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('at', kcc.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=True),
    sa.Column('confidence', sa.Float(), nullable=True),
    sa.Column('from_domain_id', sa.Integer(), nullable=True),
    sa.Column('from_topic_id', sa.Integer(), nullable=True),
    sa.Column('to_domain_id', sa.Integer(), nullable=False),
    sa.Column('to_topic_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['staff.id'], name=op.f('fk_routing_corrections_actor_id_staff')),
    sa.ForeignKeyConstraint(['contact_id'], ['contacts.id'], name=op.f('fk_routing_corrections_contact_id_contacts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['from_domain_id'], ['domains.id'], name=op.f('fk_routing_corrections_from_domain_id_domains')),
    sa.ForeignKeyConstraint(['from_topic_id'], ['topics.id'], name=op.f('fk_routing_corrections_from_topic_id_topics')),
    sa.ForeignKeyConstraint(['to_domain_id'], ['domains.id'], name=op.f('fk_routing_corrections_to_domain_id_domains')),
    sa.ForeignKeyConstraint(['to_topic_id'], ['topics.id'], name=op.f('fk_routing_corrections_to_topic_id_topics')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_corrections'))
    )
    with op.batch_alter_table('routing_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_routing_corrections_contact_id'), ['contact_id'], unique=False)

    op.create_table('ticket_counters',
    sa.Column('domain_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['domain_id'], ['domains.id'], name=op.f('fk_ticket_counters_domain_id_domains')),
    sa.PrimaryKeyConstraint('domain_id', 'day', name=op.f('pk_ticket_counters'))
    )


def downgrade() -> None:
    op.drop_table('ticket_counters')
    with op.batch_alter_table('routing_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_routing_corrections_contact_id'))
    op.drop_table('routing_corrections')
    with op.batch_alter_table('contacts', schema=None) as batch_op:
        batch_op.drop_index('ix_contacts_citizen')
        batch_op.drop_index('ix_contacts_owner')
        batch_op.drop_index('ix_contacts_queue')
        batch_op.create_index('ix_contacts_queue', ['status', 'domain_id', 'created_at'], unique=False)
        batch_op.drop_constraint(batch_op.f('ck_contacts_routing_method'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_contacts_outcome'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_contacts_desk_id_desks'), type_='foreignkey')
        for column in ('rank_at', 'queued_at', 'referred_to', 'outcome', 'desk_id', 'ticket', 'routing_confidence',
                       'routing_method'):
            batch_op.drop_column(column)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_staff_presence'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_staff_desk_id_desks'), type_='foreignkey')
        for column in ('desk_id', 'last_seen_at', 'idle_since', 'presence_since', 'presence'):
            batch_op.drop_column(column)
