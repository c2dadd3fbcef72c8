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

/**
 * One page of a list sorted on (key, id) in either direction, with rows whose key is null last,
 * read forwards from the row after a cursor or backwards from the row before it. The columns are
 * the caller's own names, never anything typed.
 */
export function keysetPage(
  query: Knex.QueryBuilder,
  input: {
    keyColumn: string
    idColumn: string
    direction: 'asc' | 'desc'
    from?: { key: string | null; id: string; towards: 'after' | 'before' }
    limit: number
  },
): Knex.QueryBuilder {
  const { keyColumn, idColumn, from } = input
  const backwards = from?.towards === 'before'
  // Reading backwards walks the same order reversed; the caller turns the rows round.
  const direction = backwards ? (input.direction === 'asc' ? 'desc' : 'asc') : input.direction
  const op = direction === 'asc' ? '>' : '<'
  if (from) {
    const { key, id } = from
    if (key === null) {
      query.where((q) => {
        q.where((q2) => q2.whereNull(keyColumn).where(idColumn, op, id))
        // Before the first null key come all the rows that have one.
        if (backwards) q.orWhereNotNull(keyColumn)
      })
    } else {
      query.where((q) => {
        q.where(keyColumn, op, key).orWhere((q2) => q2.where(keyColumn, key).where(idColumn, op, id))
        // After the last key come the rows without one.
        if (!backwards) q.orWhereNull(keyColumn)
      })
    }
  }
  return query
    .orderByRaw(`(?? is null) ${backwards ? 'desc' : 'asc'}`, [keyColumn])
    .orderBy([
      { column: keyColumn, order: direction },
      { column: idColumn, order: direction },
    ])
    .limit(input.limit)
}
