/**
 * 1.0.0 — the initial trading schema, as the original system shipped it. Its tables and helpers
 * are exported so that later versions build on them (docs/schema-versions.md).
 */
import type { ColumnDefinition, TableDefinition } from '../definition.js';
import type { SchemaVersionSource } from '../version.js';

export const NOW_SQL = "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))";

export const id: ColumnDefinition = { name: 'id', data_type: 'INTEGER', is_nullable: false, is_primary_key: true };

export function timestamps(): ColumnDefinition[] {
  return [
    { name: 'created_at', data_type: 'TEXT', is_nullable: false, default_value: NOW_SQL, is_primary_key: false },
    { name: 'updated_at', data_type: 'TEXT', is_nullable: false, default_value: NOW_SQL, is_primary_key: false },
  ];
}

/** Keeps updated_at current on every update that does not set it itself. */
export function updatedAtTrigger(table: string) {
  return {
    name: `trg_${table}_updated_at`,
    sql: `CREATE TRIGGER "trg_${table}_updated_at" AFTER UPDATE ON "${table}" FOR EACH ROW
WHEN NEW.updated_at = OLD.updated_at
BEGIN
  UPDATE "${table}" SET updated_at = ${NOW_SQL} WHERE id = NEW.id;
END`,
  };
}

export function reference(table: string, onDelete?: 'CASCADE'): ColumnDefinition['references'] {
  return onDelete === undefined ? { table, column: 'id' } : { table, column: 'id', on_delete: onDelete };
}

const accounts: TableDefinition = {
  name: 'accounts',
  columns: [
    id,
    { name: 'email', data_type: 'TEXT', is_nullable: false, is_primary_key: false, is_unique: true, collate: 'NOCASE' },
    { name: 'display_name', data_type: 'TEXT', is_nullable: true, is_primary_key: false },
    ...timestamps(),
  ],
  indexes: [],
  triggers: [updatedAtTrigger('accounts')],
};

const portfolios: TableDefinition = {
  name: 'portfolios',
  columns: [
    id,
    {
      name: 'account_id',
      data_type: 'INTEGER',
      is_nullable: false,
      is_primary_key: false,
      references: reference('accounts', 'CASCADE'),
    },
    { name: 'name', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    { name: 'currency', data_type: 'TEXT', is_nullable: false, default_value: "'USD'", is_primary_key: false },
    ...timestamps(),
  ],
  indexes: [{ name: 'idx_portfolios_account_id', table_name: 'portfolios', columns: ['account_id'], is_unique: false }],
  triggers: [updatedAtTrigger('portfolios')],
};

const positions: TableDefinition = {
  name: 'positions',
  columns: [
    id,
    {
      name: 'portfolio_id',
      data_type: 'INTEGER',
      is_nullable: false,
      is_primary_key: false,
      references: reference('portfolios'),
    },
    { name: 'symbol', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    { name: 'quantity', data_type: 'REAL', is_nullable: false, default_value: '0', is_primary_key: false },
    { name: 'average_cost', data_type: 'REAL', is_nullable: false, default_value: '0', is_primary_key: false },
    ...timestamps(),
  ],
  indexes: [
    {
      name: 'idx_positions_portfolio_symbol',
      table_name: 'positions',
      columns: ['portfolio_id', 'symbol'],
      is_unique: true,
    },
  ],
  triggers: [updatedAtTrigger('positions')],
};

const trades: TableDefinition = {
  name: 'trades',
  columns: [
    id,
    {
      name: 'portfolio_id',
      data_type: 'INTEGER',
      is_nullable: false,
      is_primary_key: false,
      references: reference('portfolios', 'CASCADE'),
    },
    { name: 'symbol', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    { name: 'side', data_type: 'TEXT', is_nullable: false, is_primary_key: false, check: "side IN ('buy', 'sell')" },
    { name: 'quantity', data_type: 'REAL', is_nullable: false, is_primary_key: false, check: 'quantity > 0' },
    { name: 'price', data_type: 'REAL', is_nullable: false, is_primary_key: false, check: 'price >= 0' },
    { name: 'executed_at', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    { name: 'created_at', data_type: 'TEXT', is_nullable: false, default_value: NOW_SQL, is_primary_key: false },
  ],
  indexes: [
    { name: 'idx_trades_portfolio_id', table_name: 'trades', columns: ['portfolio_id'], is_unique: false },
    { name: 'idx_trades_symbol', table_name: 'trades', columns: ['symbol'], is_unique: false },
  ],
  triggers: [],
};

const watchlists: TableDefinition = {
  name: 'watchlists',
  columns: [
    id,
    {
      name: 'account_id',
      data_type: 'INTEGER',
      is_nullable: false,
      is_primary_key: false,
      references: reference('accounts', 'CASCADE'),
    },
    { name: 'name', data_type: 'TEXT', is_nullable: false, is_primary_key: false },
    {
      name: 'symbols',
      data_type: 'TEXT',
      is_nullable: false,
      default_value: "'[]'",
      is_primary_key: false,
      check: 'json_valid(symbols)',
    },
    ...timestamps(),
  ],
  indexes: [{ name: 'idx_watchlists_account_id', table_name: 'watchlists', columns: ['account_id'], is_unique: false }],
  triggers: [updatedAtTrigger('watchlists')],
};

/** 1.0.0's tables by name: a later version spreads one and changes what it changes. */
export const tables_1_0_0 = { accounts, portfolios, positions, trades, watchlists } as const;

export const version_1_0_0: SchemaVersionSource = {
  version: '1.0.0',
  description: 'Initial trading schema: accounts, portfolios, positions, trades and watchlists',
  createdAt: '2024-01-15T10:30:00.000Z',
  schema: { definition: { tables: Object.values(tables_1_0_0) } },
  file: 'schema/versions/v1_0_0.ts',
};
