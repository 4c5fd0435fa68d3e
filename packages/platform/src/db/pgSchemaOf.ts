import { is, type SQL } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  foreignKey,
  index,
  type PgColumnBuilderBase,
  type PgTableWithColumns,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';

/**
 * The PostgreSQL twin of a SQLite schema module: for every `sqliteTable` in `schema`, a `pgTable`
 * with the same name, columns, keys and indexes. A subgraph's `src/db/schema.pg.ts` exports these
 * for drizzle-kit (the `drizzle-pg/` migrations); at run time the SQLite table objects build the
 * queries on both engines, so the schema is written once.
 *
 * Types: INTEGER → BIGINT (an autoincrement key → BIGSERIAL), INTEGER boolean → BOOLEAN,
 * TEXT → TEXT, REAL → DOUBLE PRECISION. Other column kinds are refused (add a mapping here).
 */
export function pgSchemaOf<S extends Record<string, unknown>>(
  schema: S,
): { [K in keyof S as S[K] extends SQLiteTable ? K : never]: PgTableWithColumns<never> } {
  const sqliteTables = Object.entries(schema).filter(([, v]) => is(v, SQLiteTable)) as [
    string,
    SQLiteTable,
  ][];
  const byName = new Map<string, PgTableWithColumns<never>>();
  const result: Record<string, unknown> = {};
  for (const [exportName, table] of sqliteTables) {
    const config = getTableConfig(table);
    const columns: Record<string, PgColumnBuilderBase> = {};
    const keyOf = new Map<SQLiteColumn, string>();
    for (const column of config.columns) {
      keyOf.set(column, column.name);
      columns[column.name] = pgColumn(config.name, column);
    }
    const pgT = pgTable(config.name, columns, (t) => {
      const cols = t as unknown as Record<string, never>;
      const pick = (cs: SQLiteColumn[]) => cs.map((c) => cols[keyOf.get(c) ?? c.name]) as [never, ...never[]];
      const extras: unknown[] = [];
      for (const pk of config.primaryKeys)
        extras.push(primaryKey({ name: pk.getName(), columns: pick(pk.columns) }));
      for (const u of config.uniqueConstraints) extras.push(unique(u.getName()).on(...pick(u.columns)));
      for (const ix of config.indexes) {
        const { name, columns: ixColumns, unique: isUnique, where } = ix.config;
        if (where) throw new Error(`pgSchemaOf: partial index ${name} is not mapped`);
        const builder = isUnique ? uniqueIndex(name) : index(name);
        extras.push(builder.on(...pick(ixColumns.filter((c): c is SQLiteColumn => !isSql(c)))));
      }
      for (const fk of config.foreignKeys) {
        const ref = fk.reference();
        const foreignName = getTableConfig(ref.foreignTable).name;
        const foreign = foreignName === config.name ? t : byName.get(foreignName);
        if (!foreign)
          throw new Error(`pgSchemaOf: ${config.name} references ${foreignName}, not in the schema`);
        const fcols = foreign as unknown as Record<string, never>;
        extras.push(
          foreignKey({
            name: fk.getName(),
            columns: pick(ref.columns),
            foreignColumns: ref.foreignColumns.map((c) => fcols[c.name]) as [never, ...never[]],
          }),
        );
      }
      return extras as never;
    }) as unknown as PgTableWithColumns<never>;
    byName.set(config.name, pgT);
    result[exportName] = pgT;
  }
  return result as never;
}

function isSql(value: unknown): value is SQL {
  return typeof value === 'object' && value !== null && 'queryChunks' in value;
}

function pgColumn(table: string, column: SQLiteColumn): PgColumnBuilderBase {
  const c = column as SQLiteColumn & { autoIncrement?: boolean };
  let builder: PgColumnBuilderBase & {
    notNull(): unknown;
    primaryKey(): unknown;
    default(v: unknown): unknown;
    unique(name?: string): unknown;
  };
  switch (column.columnType) {
    case 'SQLiteInteger':
      builder = (
        c.autoIncrement ? bigserial(column.name, { mode: 'number' }) : bigint(column.name, { mode: 'number' })
      ) as typeof builder;
      break;
    case 'SQLiteBoolean':
      builder = boolean(column.name) as unknown as typeof builder;
      break;
    case 'SQLiteText':
      builder = text(column.name) as unknown as typeof builder;
      break;
    case 'SQLiteReal':
      builder = doublePrecision(column.name) as unknown as typeof builder;
      break;
    default:
      throw new Error(`pgSchemaOf: ${table}.${column.name} is a ${column.columnType}, which has no mapping`);
  }
  if (column.notNull && !column.primary) builder.notNull();
  if (column.primary) builder.primaryKey();
  if (column.hasDefault && column.default !== undefined && !isSql(column.default))
    builder.default(column.default);
  if (column.isUnique) builder.unique(column.uniqueName);
  return builder;
}
