"""How each closed dispute ended: the seller's steps, the end, the money (issue 17).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('dispute_outcomes',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('rule_class', sa.String(length=40), nullable=False),
        sa.Column('steps', sa.Text(), nullable=False),
        sa.Column('ending', sa.String(length=30), nullable=False),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('agreed_plan', sa.String(length=40), nullable=False),
        sa.Column('refund_paid', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('goods_lost', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('freight_lost', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('counter_offer', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('refund_max', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('currency', sa.String(length=8), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=False),
        sa.Column('carrier', sa.String(length=120), nullable=False),
        sa.Column('country', sa.String(length=8), nullable=False),
        sa.Column('dispute_modified_at', sa.DateTime(), nullable=False),
        sa.Column('recorded_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'issue_id')
    )
    op.create_index('ix_outcomes_closed', 'dispute_outcomes', ['store_id', 'closed_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_outcomes_closed', table_name='dispute_outcomes')
    op.drop_table('dispute_outcomes')
