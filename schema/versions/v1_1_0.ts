/**
 * 1.1.0 — price alerts, trade fees and base currency. Exercises every kind of change the engine
 * makes: a new table, added columns, new indexes (one partial, one descending), a view, and a
 * rebuild (positions' foreign key gains ON DELETE CASCADE, which ALTER TABLE cannot add).
 * Its tables and views are exported so that the next version builds on them (docs/schema-versions.md).
 */
import type { TableDefinition, ViewDefinition } from '../definition.js';
import type { SchemaVersionSource } from '../version.js';
import { id, NOW_SQL, reference, tables_1_0_0 } from './v1_0_0.js';

const accounts: TableDefinition = {
  ...tables_1_0_0.accounts,
  columns: [
    ...tables_1_0_0.accounts.columns,
    { name: 'base_currency', data_type: 'TEXT', is_nullable: false, default_value: "'USD'", is_primary_key: false },
  ],
};

const positions: TableDefinition = {
  ...tables_1_0_0.positions,
  columns: tables_1_0_0.positions.columns.map((column) =>
    column.name === 'portfolio_id' ? { ...column, references: reference('portfolios', 'CASCADE') } : column,
  ),
};

const trades: TableDefinition = {
  ...tables_1_0_0.trades,
  columns: [
    ...tables_1_0_0.trades.columns,
    {
      name: 'fees',
      data_type: 'REAL',
      is_nullable: false,
      default_value: '0',
      is_primary_key: false,
      check: 'fees >= 0',
    },
    { name: 'notes', data_type: 'TEXT', is_nullable: true, is_primary_key: false },
  ],
  indexes: [
    ...tables_1_0_0.trades.indexes,
    {
      name: 'idx_trades_portfolio_executed_at',
      table_name: 'trades',
      columns: ['portfolio_id', 'executed_at DESC'],
      is_unique: false,
    },
  ],
};

const priceAlerts: TableDefinition = {
  name: 'price_alerts',
  columns: [
    id,
    {
      name: 'account_id',
      data_type: 'INTEGER',
      is_nullable: false,
      is_primary_key: false,
      references: reference('accounts', 'CASCADE'),
    },
    { name: 'symbol', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    {
      name: 'direction',
      data_type: 'TEXT',
      is_nullable: false,
      is_primary_key: false,
      check: "direction IN ('above', 'below')",
    },
    { name: 'target_price', data_type: 'REAL', is_nullable: false, is_primary_key: false, check: 'target_price > 0' },
    { name: 'triggered_at', data_type: 'TEXT', is_nullable: true, is_primary_key: false },
    { name: 'created_at', data_type: 'TEXT', is_nullable: false, default_value: NOW_SQL, is_primary_key: false },
  ],
  indexes: [
    {
      name: 'idx_price_alerts_account_symbol',
      table_name: 'price_alerts',
      columns: ['account_id', 'symbol'],
      is_unique: false,
    },
    {
      name: 'idx_price_alerts_pending',
      table_name: 'price_alerts',
      columns: ['symbol'],
      is_unique: false,
      where: 'triggered_at IS NULL',
    },
  ],
  triggers: [],
};

/** 1.1.0's tables by name: the next version spreads one and changes what it changes. */
export const tables_1_1_0 = {
  accounts,
  portfolios: tables_1_0_0.portfolios,
  positions,
  trades,
  watchlists: tables_1_0_0.watchlists,
  price_alerts: priceAlerts,
} as const;

const portfolioValues: ViewDefinition = {
  name: 'portfolio_values',
  sql: `CREATE VIEW portfolio_values AS
SELECT p.id AS portfolio_id, p.account_id, p.currency,
       count(pos.id) AS positions, coalesce(sum(pos.quantity * pos.average_cost), 0) AS cost_basis
FROM portfolios AS p LEFT JOIN positions AS pos ON pos.portfolio_id = p.id
GROUP BY p.id`,
};

/** 1.1.0's views by name. */
export const views_1_1_0 = { portfolio_values: portfolioValues } as const;

export const version_1_1_0: SchemaVersionSource = {
  version: '1.1.0',
  description: 'Price alerts, trade fees and notes, account base currency, cascading positions',
  createdAt: '2024-03-01T09:00:00.000Z',
  schema: { definition: { tables: Object.values(tables_1_1_0), views: Object.values(views_1_1_0) } },
  file: 'schema/versions/v1_1_0.ts',
};
