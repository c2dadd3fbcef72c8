import type { Knex } from 'knex'

/** Values per statement: well under either database's limit on the values in one statement. */
const valuesPerStatement = 30_000

/**
 * Items cut into batches for statements naming them all (`where id in (…)`): a few hundred keeps
 * each statement well under either database's limit on bound values.
 */
export function inBatches<T>(items: readonly T[], size = 500): T[][] {
  const batches: T[][] = []
  for (let from = 0; from < items.length; from += size) batches.push(items.slice(from, from + size))
  return batches
}

/**
 * Inserts many rows of one shape with a few plain multi-row statements. The query builder's insert
 * quotes every column of every row again, which dominates a job writing thousands of rows; here the
 * statement is written once per chunk and only the values vary.
 */
export async function insertRows(trx: Knex, table: string, rows: readonly Record<string, unknown>[]) {
  const first = rows[0]
  if (!first) return
  const columns = Object.keys(first)
  const perStatement = Math.max(1, Math.floor(valuesPerStatement / columns.length))
  const head = `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values `
  const tuple = `(${columns.map(() => '?').join(', ')})`
  for (const part of inBatches(rows, perStatement)) {
    const values: Knex.Value[] = []
    for (const row of part) {
      for (const column of columns) values.push((row[column] ?? null) as Knex.Value)
    }
    await trx.raw(head + Array(part.length).fill(tuple).join(', '), values)
  }
}

/** Table and column names here are the code's own, never input: quoted only to be safe as names. */
function quote(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`Not a plain name: ${name}`)
  return `"${name}"`
}
