"""The schema as disputekit 0.1 created it from its models, spelled out.

Revision ID: 0001
Revises:
Create Date: 2026-11-28

Every instant is a naive ``DateTime`` holding UTC (``storage.UTCDateTime`` adds and removes
the zone); JSON columns are plain ``JSON`` on both backends. Spelled out rather than built
from the models, so that this revision stays what it is when the models move on.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('buyer_blocklist',
        sa.Column('buyer_login_id', sa.String(length=120), nullable=False),
        sa.Column('added_by', sa.String(length=120), nullable=False),
        sa.Column('why', sa.Text(), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('buyer_login_id')
    )
    op.create_table('stores',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('last_synced_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('store_id')
    )
    op.create_table('actions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('request_json', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('response_json', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=False),
        sa.Column('completed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_actions_issue', 'actions', ['store_id', 'issue_id'], unique=False)
    op.create_index('ix_actions_status', 'actions', ['status'], unique=False)
    op.create_table('claims',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('logistics_no', sa.String(length=80), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('carrier', sa.String(length=120), nullable=False),
        sa.Column('service_kind', sa.String(length=20), nullable=False),
        sa.Column('goods_amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('freight_amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('currency', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('logistics_created_at', sa.DateTime(), nullable=True),
        sa.Column('filed_at', sa.DateTime(), nullable=True),
        sa.Column('carrier_answer_due', sa.DateTime(), nullable=True),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('offered_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('appeal_until', sa.DateTime(), nullable=True),
        sa.Column('recovered_amount', sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column('closed_at', sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'logistics_no')
    )
    op.create_table('class_overrides',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('rule_code', sa.String(length=40), nullable=False),
        sa.Column('by', sa.String(length=120), nullable=False),
        sa.Column('why', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_overrides_issue', 'class_overrides', ['store_id', 'issue_id'], unique=False)
    op.create_table('disputes',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('order_id', sa.BigInteger(), nullable=False),
        sa.Column('parent_order_id', sa.BigInteger(), nullable=False),
        sa.Column('buyer_login_id', sa.String(length=120), nullable=False),
        sa.Column('issue_status', sa.String(length=40), nullable=False),
        sa.Column('reverse_detail_status', sa.String(length=60), nullable=False),
        sa.Column('reason_english', sa.String(length=300), nullable=False),
        sa.Column('reason_chinese', sa.String(length=300), nullable=False),
        sa.Column('issue_reason_id', sa.Integer(), nullable=True),
        sa.Column('product_id', sa.BigInteger(), nullable=True),
        sa.Column('product_name', sa.String(length=500), nullable=False),
        sa.Column('product_price', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('refund_max_usd', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('refund_max_local', sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column('local_currency', sa.String(length=8), nullable=False),
        sa.Column('after_sale_warranty', sa.Boolean(), nullable=False),
        sa.Column('timeout_type', sa.String(length=60), nullable=False),
        sa.Column('timeout_trigger_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('modified_at', sa.DateTime(), nullable=False),
        sa.Column('last_buyer_change_at', sa.DateTime(), nullable=True),
        sa.Column('buyer_opening_text', sa.Text(), nullable=False),
        sa.Column('detail_json', sa.JSON(), nullable=False),
        sa.Column('synced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'issue_id')
    )
    op.create_index('ix_disputes_buyer', 'disputes', ['buyer_login_id'], unique=False)
    op.create_index('ix_disputes_order', 'disputes', ['store_id', 'parent_order_id'], unique=False)
    op.create_index('ix_disputes_status', 'disputes', ['issue_status'], unique=False)
    op.create_table('evidence',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('file_path', sa.String(length=500), nullable=False),
        sa.Column('original_name', sa.String(length=300), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('added_by', sa.String(length=120), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(), nullable=True),
        sa.Column('upload_result', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('store_id', 'issue_id', 'sha256')
    )
    op.create_index('ix_evidence_issue', 'evidence', ['store_id', 'issue_id'], unique=False)
    op.create_table('order_lines',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('order_id', sa.BigInteger(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(length=40), nullable=False),
        sa.Column('issue_status', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=8), nullable=False),
        sa.Column('carrier', sa.String(length=120), nullable=False),
        sa.Column('service_kind', sa.String(length=20), nullable=False),
        sa.Column('product_id', sa.BigInteger(), nullable=True),
        sa.Column('product_name', sa.String(length=500), nullable=False),
        sa.Column('amount_usd', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('shipped_at', sa.DateTime(), nullable=True),
        sa.Column('synced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'order_id')
    )
    op.create_index('ix_order_lines_created', 'order_lines', ['store_id', 'created_at'],
                    unique=False)
    op.create_table('orders',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('order_id', sa.BigInteger(), nullable=False),
        sa.Column('order_status', sa.String(length=40), nullable=False),
        sa.Column('buyer_country', sa.String(length=8), nullable=False),
        sa.Column('buyer_first_name', sa.String(length=120), nullable=False),
        sa.Column('order_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('order_currency', sa.String(length=8), nullable=False),
        sa.Column('freight_amount', sa.Numeric(precision=14, scale=2), nullable=True),
        sa.Column('logistics_no', sa.String(length=80), nullable=False),
        sa.Column('service_code', sa.String(length=80), nullable=False),
        sa.Column('service_name', sa.String(length=200), nullable=False),
        sa.Column('carrier', sa.String(length=120), nullable=False),
        sa.Column('service_kind', sa.String(length=20), nullable=False),
        sa.Column('shipped_at', sa.DateTime(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
        sa.Column('raw_json', sa.JSON(), nullable=False),
        sa.Column('synced_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'order_id')
    )
    op.create_table('replies_sent',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('issue_id', sa.BigInteger(), nullable=False),
        sa.Column('template', sa.String(length=60), nullable=False),
        sa.Column('lang', sa.String(length=10), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('operator', sa.String(length=120), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_replies_issue', 'replies_sent', ['store_id', 'issue_id'], unique=False)
    op.create_table('shipments',
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('logistics_no', sa.String(length=80), nullable=False),
        sa.Column('parent_order_id', sa.BigInteger(), nullable=False),
        sa.Column('carrier', sa.String(length=120), nullable=False),
        sa.Column('service_kind', sa.String(length=20), nullable=False),
        sa.Column('country', sa.String(length=8), nullable=False),
        sa.Column('shipped_at', sa.DateTime(), nullable=True),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.Column('main_status', sa.String(length=40), nullable=False),
        sa.Column('sub_status', sa.String(length=60), nullable=False),
        sa.Column('delivered', sa.Boolean(), nullable=False),
        sa.Column('signed_by', sa.String(length=200), nullable=False),
        sa.Column('customs_hold', sa.Boolean(), nullable=False),
        sa.Column('buyer_must_act', sa.Boolean(), nullable=False),
        sa.Column('returned', sa.String(length=40), nullable=False),
        sa.Column('lost', sa.Boolean(), nullable=False),
        sa.Column('last_event_at', sa.DateTime(), nullable=True),
        sa.Column('last_location', sa.String(length=300), nullable=False),
        sa.Column('stall_state', sa.String(length=20), nullable=False),
        sa.Column('events_json', sa.JSON(), nullable=False),
        sa.Column('assessed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('store_id', 'logistics_no')
    )
    op.create_table('sync_runs',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('started_at', sa.DateTime(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('listed', sa.Integer(), nullable=False),
        sa.Column('fetched', sa.Integer(), nullable=False),
        sa.Column('unchanged', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id')
    )
    op.create_table('tracking_events',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('store_id', sa.String(length=40), nullable=False),
        sa.Column('logistics_no', sa.String(length=80), nullable=False),
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(), nullable=True),
        sa.Column('action_code', sa.String(length=60), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('location', sa.String(length=300), nullable=False),
        sa.Column('signed_name', sa.String(length=200), nullable=False),
        sa.Column('source', sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(['store_id'], ['stores.store_id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('store_id', 'logistics_no', 'seq')
    )


def downgrade() -> None:
    op.drop_table('tracking_events')
    op.drop_table('sync_runs')
    op.drop_table('shipments')
    op.drop_index('ix_replies_issue', table_name='replies_sent')
    op.drop_table('replies_sent')
    op.drop_table('orders')
    op.drop_index('ix_order_lines_created', table_name='order_lines')
    op.drop_table('order_lines')
    op.drop_index('ix_evidence_issue', table_name='evidence')
    op.drop_table('evidence')
    op.drop_index('ix_disputes_status', table_name='disputes')
    op.drop_index('ix_disputes_order', table_name='disputes')
    op.drop_index('ix_disputes_buyer', table_name='disputes')
    op.drop_table('disputes')
    op.drop_index('ix_overrides_issue', table_name='class_overrides')
    op.drop_table('class_overrides')
    op.drop_table('claims')
    op.drop_index('ix_actions_status', table_name='actions')
    op.drop_index('ix_actions_issue', table_name='actions')
    op.drop_table('actions')
    op.drop_table('stores')
    op.drop_table('buyer_blocklist')
