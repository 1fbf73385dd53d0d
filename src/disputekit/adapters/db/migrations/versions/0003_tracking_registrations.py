"""The 17TRACK registration ledger: which numbers were registered, under which carrier.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('tracking_registrations',
        sa.Column('logistics_no', sa.String(length=80), nullable=False),
        sa.Column('carrier', sa.Integer(), nullable=False),
        sa.Column('registered_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('logistics_no', 'carrier')
    )


def downgrade() -> None:
    op.drop_table('tracking_registrations')
