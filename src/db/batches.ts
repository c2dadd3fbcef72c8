import { setTimeout as sleep } from 'node:timers/promises'
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

/**
 * How a background job shares the database with pages: it works for at most `share` of the time,
 * resting after each batch, and stops between batches once `signal` is aborted (the server
 * stopping). A batch is one transaction, so stopping leaves nothing half-done.
 */
export interface Pacing {
  /** Between 0 and 1: after a batch that took t, the job rests t × (1 − share) / share. */
  share: number
  signal?: AbortSignal
  /** For tests: the clock batches are timed by, and how the job rests. */
  clock?: () => number
  rest?: (ms: number, signal?: AbortSignal) => Promise<void>
}

/**
 * The share of the time maintenance works on a large backlog (a first run purging years of
 * closed requests): pages answered meanwhile stay within a fifth of their usual time.
 */
export const backgroundShare = 0.25

const restFor = (ms: number, signal?: AbortSignal) =>
  sleep(ms, undefined, signal ? { signal } : {}).catch(() => undefined)

/** Runs `batch` until it says there is no more to do, paced as `pacing` says. */
export async function pacedBatches(batch: () => Promise<boolean>, pacing: Pacing): Promise<void> {
  const clock = pacing.clock ?? (() => performance.now())
  const rest = pacing.rest ?? restFor
  const share = Math.min(1, Math.max(0.01, pacing.share))
  while (!pacing.signal?.aborted) {
    const started = clock()
    if (!(await batch())) return
    if (pacing.signal?.aborted) return
    if (share < 1) await rest(((clock() - started) * (1 - share)) / share, pacing.signal)
  }
}
