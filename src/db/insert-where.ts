/**
 * Conditional inserts without a hand-ordered column list.
 *
 * `orm.insert(table).select(q)` names every insertable column of the table in the table's order
 * and takes `q` positionally. `insertWhere` lays the values out from the same table definition, so
 * adding, moving or renaming a column cannot shift a value into the wrong column: it is one
 * statement that inserts the row only while `condition` holds (SQLite has no INSERT … WHERE), the
 * way every all-or-nothing change here is guarded on D1, which has no interactive transactions.
 */
import { getTableColumns, is, SQL, sql, type InferInsertModel } from 'drizzle-orm';
import type { SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Orm } from './db.js';

/** `SELECT <a value for each column, in the table's order> WHERE <condition>`. */
export function valuesWhere<T extends SQLiteTable>(table: T, values: InferInsertModel<T>, condition: SQL): SQL {
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
      return is(value, SQL) ? value : sql.param(value, column);
    });
  return sql`SELECT ${sql.join(parts, sql`, `)} WHERE ${condition}`;
}

/** The insert of `values` into `table`, done only while `condition` holds (in the same statement). */
export function insertWhere<T extends SQLiteTable>(orm: Orm, table: T, values: InferInsertModel<T>, condition: SQL) {
  return orm.insert(table).select(valuesWhere(table, values, condition));
}
