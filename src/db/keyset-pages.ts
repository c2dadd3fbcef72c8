import type { Knex } from 'knex'

/**
 * The rows of a query a page at a time, by keyset on (key, id) ascending: never OFFSET, never all
 * at once, so an export of a million rows holds one page in memory and each page is an index seek.
 * A row whose key is null ends the walk (nothing can follow it in the order).
 */
export async function* keysetPages<Row extends { id: string }, T>(input: {
  query: () => Knex.QueryBuilder
  keyColumn: string
  idColumn: string
  keyOf: (row: Row) => string | null
  map: (row: Row) => T
  batchSize: number
}): AsyncGenerator<T> {
  const { keyColumn, idColumn, batchSize } = input
  let after: { key: string; id: string } | undefined
  for (;;) {
    const page = input.query()
    if (after) {
      const { key, id } = after
      // The >= lets the index seek straight to the page; the OR then skips the rows already read.
      page
        .where(keyColumn, '>=', key)
        .where((q) => q.where(keyColumn, '>', key).orWhere((q2) => q2.where(idColumn, '>', id)))
    }
    const rows = (await page
      .orderBy([
        { column: keyColumn, order: 'asc' },
        { column: idColumn, order: 'asc' },
      ])
      .limit(batchSize)) as Row[]
    for (const row of rows) yield input.map(row)
    const last = rows.at(-1)
    const key = last ? input.keyOf(last) : null
    if (!last || key === null || rows.length < batchSize) return
    after = { key, id: last.id }
  }
}
