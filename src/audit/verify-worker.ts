/**
 * A thread that checks one stretch of the trail (src/audit/parallel-verify.ts): it opens its own
 * read-only connection, reads the events with `from < seq <= through` a page at a time, checks
 * each as the single walk does, and posts back only the stretch's summary.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Database } from 'sqlite3'
import { packedChainColumn, toChainEvent, unpackChainRow, type ChainSource } from './repo.js'
import { RangeCheck, type RangeSummary } from './verify.js'

export interface RangeTask {
  source: ChainSource
  /** The stretch: events after `from`, up to and including `through`. */
  from: number
  through: number
  marked: number[]
  pageSize: number
}

interface PackedRow {
  packed: string | null
}

/** Reads a page of the stretch: up to `limit` events after `after`, each as one text. */
type ReadPage = (after: number, limit: number) => Promise<PackedRow[]>

const pageSql = (param: (n: number) => string) =>
  `select ${packedChainColumn} as packed from events where seq > ${param(1)} and seq <= ${param(2)} order by seq limit ${param(3)}`

async function openSqlite(filename: string, through: number) {
  // Each thread loads only the driver it reads with.
  const { default: sqlite3 } = await import('sqlite3')
  const db = await new Promise<Database>((resolve, reject) => {
    const opened: Database = new sqlite3.Database(filename, sqlite3.OPEN_READONLY, (error) =>
      error ? reject(error) : resolve(opened),
    )
  })
  const statement = db.prepare(pageSql(() => '?'))
  const read: ReadPage = (after, limit) =>
    new Promise((resolve, reject) =>
      statement.all<PackedRow>([after, through, limit], (error, rows) =>
        error ? reject(error) : resolve(rows),
      ),
    )
  const close = () => new Promise<void>((resolve) => statement.finalize(() => db.close(() => resolve())))
  return { read, close }
}

async function openPostgres(source: Extract<ChainSource, { client: 'postgres' }>, through: number) {
  const { default: pg } = await import('pg')
  const client = new pg.Client(
    typeof source.connection === 'string' ? { connectionString: source.connection } : source.connection,
  )
  await client.connect()
  if (source.searchPath.length > 0) {
    await client.query(
      `set search_path to ${source.searchPath.map((s) => client.escapeIdentifier(s)).join(', ')}`,
    )
  }
  const sql = pageSql((n) => `$${n}`)
  const read: ReadPage = async (after, limit) =>
    (await client.query<PackedRow>(sql, [after, through, limit])).rows
  return { read, close: () => client.end() }
}

export async function checkRange(task: RangeTask): Promise<RangeSummary> {
  const { source, from, through, pageSize } = task
  const reader =
    source.client === 'sqlite'
      ? await openSqlite(source.filename, through)
      : await openPostgres(source, through)
  const check = new RangeCheck(new Set(task.marked))
  try {
    let after = from
    let pending: Promise<PackedRow[]> | null = reader.read(after, pageSize)
    while (pending) {
      const rows: PackedRow[] = await pending
      const rowsInOrder = rows.map((row) => unpackChainRow(row.packed))
      const last = rowsInOrder.at(-1)
      // A row that cannot be read back for certain ends the stretch here, as a break would.
      pending = last && rows.length === pageSize ? reader.read((after = Number(last.seq)), pageSize) : null
      // Settled here, so a stretch that stops early leaves no query unhandled.
      pending?.catch(() => undefined)
      for (const row of rowsInOrder) {
        if (!row) check.fail()
        if (!row || !check.add(toChainEvent(row))) {
          if (pending) await pending.catch(() => undefined)
          return check.result()
        }
      }
    }
    return check.result()
  } finally {
    await reader.close()
  }
}

if (parentPort) {
  const port = parentPort
  checkRange(workerData as RangeTask).then(
    (summary) => port.postMessage({ summary }),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error.message : String(error) }),
  )
}
