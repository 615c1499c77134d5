"""keep disputes and history across rescoring; sessions; rubric definitions; team history

Revision ID: 0003
Revises: 0002

- flags.item: the rubric item id as a column (was parsed out of ``rule``)
- disputes: flag_id nullable with ON DELETE SET NULL (was CASCADE: a rescore deleted them),
  plus a copy of the disputed flag (item, rule, category, time, evidence, points)
- rubrics: rubric definitions by digest; calls.rubric_digest
- agents.team_since + agent_teams (team history); errors.call_id
- sessions: server-side web sessions (logout and password changes revoke them)
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

# SQLite batch mode recreates the table; the FK from 0002 has no name there, so name it by convention
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('flags') as b:
        b.add_column(sa.Column('item', sa.String(length=100), nullable=True))
    conn = op.get_bind()
    if sqlite:  # item = rule up to the first "."
        op.execute(sa.text("UPDATE flags SET item = CASE WHEN instr(rule, '.') > 0 THEN substr(rule, 1, instr(rule, '.') - 1) ELSE rule END"))
    else:
        op.execute(sa.text("UPDATE flags SET item = split_part(rule, '.', 1)"))
    with op.batch_alter_table('flags') as b:
        b.alter_column('item', existing_type=sa.String(length=100), nullable=False)

    if sqlite:
        with op.batch_alter_table('disputes', naming_convention=SQLITE_NAMES) as b:
            b.drop_constraint('fk_disputes_flag_id_flags', type_='foreignkey')
    else:
        op.drop_constraint('disputes_flag_id_fkey', 'disputes', type_='foreignkey')
    with op.batch_alter_table('disputes', naming_convention=SQLITE_NAMES if sqlite else None) as b:
        b.alter_column('flag_id', existing_type=sa.Integer(), nullable=True)
        b.add_column(sa.Column('item', sa.String(length=100), nullable=False, server_default=''))
        b.add_column(sa.Column('rule', sa.String(length=200), nullable=False, server_default=''))
        b.add_column(sa.Column('category', sa.String(length=50), nullable=False, server_default=''))
        b.add_column(sa.Column('flag_start', sa.Float(), nullable=False, server_default='0'))
        b.add_column(sa.Column('flag_end', sa.Float(), nullable=False, server_default='0'))
        b.add_column(sa.Column('evidence', sa.Text(), nullable=False, server_default=''))
        b.add_column(sa.Column('points', sa.Float(), nullable=False, server_default='0'))
        b.create_foreign_key('fk_disputes_flag_id_flags', 'flags', ['flag_id'], ['id'], ondelete='SET NULL')
    # copy each disputed flag into its disputes
    disputes = sa.table('disputes', sa.column('id', sa.Integer), sa.column('flag_id', sa.Integer),
                        *(sa.column(c) for c in ('item', 'rule', 'category', 'flag_start', 'flag_end', 'evidence', 'points')))
    full_flags = sa.table('flags', *(sa.column(c) for c in ('id', 'item', 'rule', 'category', 'start', 'end', 'evidence', 'points')))
    rows = conn.execute(sa.select(disputes.c.id, full_flags.c.item, full_flags.c.rule, full_flags.c.category, full_flags.c.start,
                                  full_flags.c.end, full_flags.c.evidence, full_flags.c.points)
                        .join(full_flags, full_flags.c.id == disputes.c.flag_id)).all()
    for did, item, rule, category, start, end, evidence, points in rows:
        conn.execute(disputes.update().where(disputes.c.id == did).values(
            item=item, rule=rule, category=category, flag_start=start, flag_end=end, evidence=evidence, points=points))

    op.create_table('rubrics',
                    sa.Column('digest', sa.String(length=64), nullable=False),
                    sa.Column('label', sa.String(length=200), nullable=False),
                    sa.Column('definition', sa.JSON(), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('digest'))
    with op.batch_alter_table('calls') as b:
        b.add_column(sa.Column('rubric_digest', sa.String(length=64), nullable=True))
    with op.batch_alter_table('agents') as b:
        b.add_column(sa.Column('team_since', sa.DateTime(), nullable=True))
    with op.batch_alter_table('errors') as b:
        b.add_column(sa.Column('call_id', sa.String(length=300), nullable=True))
    op.create_table('agent_teams',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('agent_id', sa.String(length=100), nullable=False),
                    sa.Column('team', sa.String(length=200), nullable=False),
                    sa.Column('since', sa.DateTime(), nullable=True),
                    sa.Column('call_id', sa.String(length=300), nullable=False),
                    sa.Column('recorded_at', sa.DateTime(), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_agent_teams_agent_id', 'agent_teams', ['agent_id'])
    op.execute(sa.text("INSERT INTO agent_teams (agent_id, team, call_id, recorded_at) "
                       "SELECT agent_id, team, '', CURRENT_TIMESTAMP FROM agents WHERE team IS NOT NULL"))
    op.create_table('sessions',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('username', sa.String(length=100), nullable=False),
                    sa.Column('created_at', sa.DateTime(), nullable=False),
                    sa.Column('expires_at', sa.DateTime(), nullable=False),
                    sa.Column('revoked_at', sa.DateTime(), nullable=True),
                    sa.Column('client', sa.String(length=100), nullable=False),
                    sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_sessions_username', 'sessions', ['username'])


def downgrade() -> None:
    op.drop_index('ix_sessions_username', 'sessions')
    op.drop_table('sessions')
    op.drop_index('ix_agent_teams_agent_id', 'agent_teams')
    op.drop_table('agent_teams')
    with op.batch_alter_table('errors') as b:
        b.drop_column('call_id')
    with op.batch_alter_table('agents') as b:
        b.drop_column('team_since')
    with op.batch_alter_table('calls') as b:
        b.drop_column('rubric_digest')
    op.drop_table('rubrics')
    op.execute(sa.text("DELETE FROM disputes WHERE flag_id IS NULL"))
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table('disputes', naming_convention=SQLITE_NAMES if sqlite else None) as b:
        b.drop_constraint('fk_disputes_flag_id_flags', type_='foreignkey')
        for col in ('points', 'evidence', 'flag_end', 'flag_start', 'category', 'rule', 'item'):
            b.drop_column(col)
        b.alter_column('flag_id', existing_type=sa.Integer(), nullable=False)
        b.create_foreign_key('disputes_flag_id_fkey', 'flags', ['flag_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('flags') as b:
        b.drop_column('item')
