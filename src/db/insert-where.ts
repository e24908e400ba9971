/**
 * Conditional inserts without a hand-ordered column list.
 *
 * `orm.insert(table).select(q)` names every insertable column of the table in the table's order
 * and takes `q` positionally. `insertWhere` lays the values out from the same table definition, so
 * adding, moving or renaming a column cannot shift a value into the wrong column: it is one
 * statement that inserts the row only while `condition` holds (SQLite has no INSERT … WHERE), the
 * way every all-or-nothing change here is guarded on D1, which has no interactive transactions.
 */
import { getTableColumns, is, Placeholder, SQL, sql } from 'drizzle-orm';
import type { SQLiteInsertValue, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Orm } from './db.js';

/**
 * `SELECT <a value for each column, in the table's order> WHERE <condition>`. A value may be a
 * `sql.placeholder` (a statement prepared once, db/prepared.ts): it is mapped by the column like a
 * plain value when the statement runs, and NULL stays NULL.
 */
export function valuesWhere<T extends SQLiteTable>(table: T, values: SQLiteInsertValue<T>, condition: SQL): SQL {
  const given = values as Record<string, unknown>;
  const parts = Object.entries(getTableColumns(table))
    // Generated columns take no value: drizzle leaves them out of the column list too.
    .filter(([, column]) => column.generated === undefined || column.generated.type === 'byDefault')
    .map(([key, column]) => {
      let value = given[key];
      if (value === undefined && column.defaultFn) value = column.defaultFn();
      if (value === undefined && column.default !== undefined) value = column.default;
      // A missing value is NULL, as in a plain INSERT of these columns (an INTEGER PRIMARY KEY numbers itself).
      if (value === undefined || value === null) return sql`NULL`;
      if (is(value, SQL)) return value;
      // A placeholder's value arrives at run time: a null there must not go through the column's
      // mapping (a boolean column would turn it into 0).
      if (is(value, Placeholder))
        return sql.param(value, { mapToDriverValue: (v: unknown) => (v === null ? null : column.mapToDriverValue(v)) });
      return sql.param(value, column);
    });
  return sql`SELECT ${sql.join(parts, sql`, `)} WHERE ${condition}`;
}

/** The insert of `values` into `table`, done only while `condition` holds (in the same statement). */
export function insertWhere<T extends SQLiteTable>(orm: Orm, table: T, values: SQLiteInsertValue<T>, condition: SQL) {
  return orm.insert(table).select(valuesWhere(table, values, condition));
}
