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
 * read forwards from the row after a cursor or backwards from the row before it. The rows with a
 * key and those without are read by separate queries, each ordered on plain columns, so an index
 * on (key, id) serves the page as a seek however large the list; the second runs only when the
 * first ends before the page is full. `query` makes a fresh query of the list, unordered. The
 * columns are the caller's own names, never anything typed.
 */
export async function keysetPage<Row>(
  query: () => Knex.QueryBuilder,
  input: {
    keyColumn: string
    idColumn: string
    direction: 'asc' | 'desc'
    from?: { key: string | null; id: string; towards: 'after' | 'before' }
    limit: number
  },
): Promise<Row[]> {
  const { keyColumn, idColumn, from, limit } = input
  const backwards = from?.towards === 'before'
  // Reading backwards walks the same order reversed; the caller turns the rows round.
  const direction = backwards ? (input.direction === 'asc' ? 'desc' : 'asc') : input.direction
  const op = direction === 'asc' ? '>' : '<'
  const withKey = (take: number, after?: { key: string; id: string }) => {
    const q = query().whereNotNull(keyColumn)
    if (after) {
      // The >= (or <=) lets the index seek straight to the page; the OR skips the cursor's own key.
      q.where(keyColumn, `${op}=`, after.key).where((w) =>
        w.where(keyColumn, op, after.key).orWhere(idColumn, op, after.id),
      )
    }
    return q
      .orderBy([
        { column: keyColumn, order: direction },
        { column: idColumn, order: direction },
      ])
      .limit(take) as Promise<Row[]>
  }
  const withoutKey = (take: number, afterId?: string) => {
    const q = query().whereNull(keyColumn)
    if (afterId !== undefined) q.where(idColumn, op, afterId)
    return q.orderBy(idColumn, direction).limit(take) as Promise<Row[]>
  }
  // Forwards the keyed rows come first, then those without a key; backwards the other way round.
  const parts: ((take: number) => Promise<Row[]>)[] = []
  const key = from?.key ?? null
  if (!from)
    parts.push(
      (take) => withKey(take),
      (take) => withoutKey(take),
    )
  else if (key === null && !backwards) parts.push((take) => withoutKey(take, from.id))
  else if (key === null)
    parts.push(
      (take) => withoutKey(take, from.id),
      (take) => withKey(take),
    )
  else if (!backwards)
    parts.push(
      (take) => withKey(take, { key, id: from.id }),
      (take) => withoutKey(take),
    )
  else parts.push((take) => withKey(take, { key, id: from.id }))
  const rows: Row[] = []
  for (const part of parts) {
    if (rows.length >= limit) break
    rows.push(...(await part(limit - rows.length)))
  }
  return rows
}
