/**
 * 1.1.0 — price alerts, trade fees and base currency. Exercises every kind of change the engine
 * makes: a new table, added columns, new indexes (one partial, one descending), a view, and a
 * rebuild (positions' foreign key gains ON DELETE CASCADE, which ALTER TABLE cannot add).
 */
import type { TableDefinition } from '../definition.js';
import type { SchemaVersionSource } from '../version.js';
import { baseTables, id, NOW_SQL, positionsV1, reference, tradesV1 } from './v1_0_0.js';

const accounts: TableDefinition = {
  ...baseTables.accounts,
  columns: [
    ...baseTables.accounts.columns,
    { name: 'base_currency', data_type: 'TEXT', is_nullable: false, default_value: "'USD'", is_primary_key: false },
  ],
};

const positions: TableDefinition = {
  ...positionsV1,
  columns: positionsV1.columns.map((column) =>
    column.name === 'portfolio_id' ? { ...column, references: reference('portfolios', 'CASCADE') } : column,
  ),
};

const trades: TableDefinition = {
  ...tradesV1,
  columns: [
    ...tradesV1.columns,
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
    ...tradesV1.indexes,
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

export const version_1_1_0: SchemaVersionSource = {
  version: '1.1.0',
  description: 'Price alerts, trade fees and notes, account base currency, cascading positions',
  createdAt: '2024-03-01T09:00:00.000Z',
  schema: {
    definition: {
      tables: [accounts, baseTables.portfolios, positions, trades, baseTables.watchlists, priceAlerts],
      views: [
        {
          name: 'portfolio_values',
          sql: `CREATE VIEW portfolio_values AS
SELECT p.id AS portfolio_id, p.account_id, p.currency,
       count(pos.id) AS positions, coalesce(sum(pos.quantity * pos.average_cost), 0) AS cost_basis
FROM portfolios AS p LEFT JOIN positions AS pos ON pos.portfolio_id = p.id
GROUP BY p.id`,
        },
      ],
    },
  },
  file: 'schema/versions/v1_1_0.ts',
};
