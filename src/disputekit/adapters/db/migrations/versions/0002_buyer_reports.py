"""Buyers reported to the platform: who filed the report in Seller Center, and when.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('buyer_reports',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('buyer_login_id', sa.String(length=120), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('filed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_buyer_reports_issue', 'buyer_reports', ['store_id', 'issue_id'],
                    unique=False)
    op.create_index('ix_buyer_reports_buyer', 'buyer_reports', ['buyer_login_id'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_buyer_reports_buyer', table_name='buyer_reports')
    op.drop_index('ix_buyer_reports_issue', table_name='buyer_reports')
    op.drop_table('buyer_reports')
