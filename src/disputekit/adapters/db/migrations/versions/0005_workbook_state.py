"""What an operator was doing in the workbook: the view and unsent drafts (issue 18).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workbook_views',
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('filters_json', sa.JSON(), nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=True),
        sa.Column('issue_id', sa.BigInteger(), nullable=True),
        sa.Column('sort_by', sa.String(length=40), nullable=True),
        sa.Column('ascending', sa.Boolean(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('operator')
    )
    op.create_table('workbook_drafts',
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('template', sa.String(length=60), nullable=False),
        sa.Column('step', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=10), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('offer', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('operator', 'store_id', 'issue_id')
    )


def downgrade() -> None:
    op.drop_table('workbook_drafts')
    op.drop_table('workbook_views')
