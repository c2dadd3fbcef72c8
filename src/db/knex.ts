import { mkdirSync } from 'node:fs'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import type { Config } from '../config.js'

export type Db = Knex

export interface DbOptions {
  searchPath?: string
  /**
   * How long a SQLite write waits for another connection's write to finish before failing with
   * SQLITE_BUSY. Web requests keep the default; an operator's command can afford to wait longer.
   */
  busyTimeoutMs?: number
}

export const defaultBusyTimeoutMs = 30_000

/**
 * Connections to a SQLite file. WAL lets readers carry on while one connection writes, so a web
 * request never waits behind an import or the sweep to read. No more than libuv's four worker
 * threads: a write waiting for the lock sleeps in one, and the connection holding the lock needs
 * one to commit.
 */
const sqliteFileConnections = 4

/** SQLite gets foreign keys, WAL, a busy timeout and a small pool; PostgreSQL a larger pool. */
export function createDb(database: Config['database'], options: DbOptions = {}): Db {
  if (database.client === 'postgres') {
    return knexFactory({
      client: 'pg',
      connection: database.connectionString,
      pool: { min: 0, max: 10 },
      ...(options.searchPath ? { searchPath: [options.searchPath] } : {}),
    })
  }
  const inMemory = database.filename === ':memory:'
  if (!inMemory) mkdirSync(path.dirname(database.filename), { recursive: true })
  const busyTimeoutMs = Math.round(options.busyTimeoutMs ?? defaultBusyTimeoutMs)
  // Long enough to outlast a writer ahead in the queue and one's own busy wait.
  const acquireConnectionTimeout = busyTimeoutMs + 15_000
  const db = knexFactory({
    client: 'sqlite3',
    connection: { filename: database.filename },
    useNullAsDefault: true,
    acquireConnectionTimeout,
    pool: {
      // Every connection to ':memory:' would open a database of its own.
      min: 1,
      max: inMemory ? 1 : sqliteFileConnections,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) {
        // A 16 MB page cache (the default is 2 MB): a job writing thousands of rows touches index
        // pages all over the file, and re-reading them from the operating system dominated.
        conn.exec(
          `PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = ${busyTimeoutMs}; PRAGMA cache_size = -16000;`,
          (err) => done(err, conn),
        )
      },
    },
  })
  takeWriteLockInTurn(db, acquireConnectionTimeout)
  return db
}

interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void
}

interface KnexTransaction {
  begin(conn: unknown): Promise<unknown>
  query(conn: unknown, sql: string): Promise<unknown>
  acquireConnection(config: unknown, use: (conn: unknown) => Promise<unknown>): Promise<unknown>
}

interface TransactionFactory {
  transaction: (this: unknown, container: unknown, config: unknown, outerTx?: unknown) => KnexTransaction
}

/**
 * Two changes to how knex runs a SQLite transaction.
 *
 * It takes the write lock at BEGIN. A plain (deferred) BEGIN starts as a reader, and a reader that
 * then writes after another connection's commit fails at once with SQLITE_BUSY, without waiting:
 * the busy timeout only helps a transaction that asks for the lock first.
 *
 * And the transactions of one pool take turns before they take a connection. Only one of them
 * could hold the lock anyway; the others would each hold a connection and a worker thread asleep
 * in SQLite's busy wait, and the one holding the lock needs a thread to commit. So the busy
 * timeout is spent only waiting for another process.
 */
function takeWriteLockInTurn(db: Db, waitLimitMs: number): void {
  const client = db.client as TransactionFactory
  const createTransaction = client.transaction
  const inTurn = takingTurns(waitLimitMs)
  // Not bound: a nested transaction is created by the transaction's own client, which must stay `this`.
  client.transaction = function (this: unknown, container, config, outerTx) {
    const transaction = createTransaction.call(this, container, config, outerTx)
    transaction.begin = (conn) => transaction.query(conn, 'BEGIN IMMEDIATE;')
    // A nested transaction is a savepoint on its parent's connection: it never waits.
    if (!outerTx) {
      const acquire = transaction.acquireConnection.bind(transaction)
      transaction.acquireConnection = (options, use) => inTurn(() => acquire(options, use))
    }
    return transaction
  }
}

/** Runs work one at a time, in the order asked; a turn not come within the limit is refused. */
function takingTurns(waitLimitMs: number) {
  let last: Promise<unknown> = Promise.resolve()
  return async <T>(work: () => Promise<T>): Promise<T> => {
    const previous = last
    let finish = () => {}
    const finished = new Promise<void>((resolve) => (finish = resolve))
    // The next in line waits for this turn, and for the one before it if this one gave up.
    last = Promise.all([previous, finished])
    try {
      await withinLimit(previous, waitLimitMs)
      return await work()
    } finally {
      finish()
    }
  }
}

async function withinLimit(turn: Promise<unknown>, limitMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const refused = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('Timed out waiting for another transaction to finish')),
      limitMs,
    )
  })
  try {
    await Promise.race([turn, refused])
  } finally {
    clearTimeout(timer)
  }
}

export function isPostgres(db: Db): boolean {
  return (db.client as { config: Knex.Config }).config.client === 'pg'
}
