import { mkdirSync } from 'node:fs'
import path from 'node:path'
import knexFactory, { type Knex } from 'knex'
import type { Config } from '../config.js'

export type Db = Knex

/** SQLite gets foreign keys, WAL and a busy timeout on every connection; PostgreSQL a small pool. */
export function createDb(database: Config['database'], options: { searchPath?: string } = {}): Db {
  if (database.client === 'postgres') {
    return knexFactory({
      client: 'pg',
      connection: database.connectionString,
      pool: { min: 0, max: 10 },
      ...(options.searchPath ? { searchPath: [options.searchPath] } : {}),
    })
  }
  if (database.filename !== ':memory:') mkdirSync(path.dirname(database.filename), { recursive: true })
  return knexFactory({
    client: 'sqlite3',
    connection: { filename: database.filename },
    useNullAsDefault: true,
    acquireConnectionTimeout: 10_000,
    pool: {
      // One connection: SQLite serialises writers anyway, and a single connection keeps
      // transactions from tripping over each other with SQLITE_BUSY.
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: SqliteConnection) => void) {
        conn.exec('PRAGMA foreign_keys = ON; PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;', (err) =>
          done(err, conn),
        )
      },
    },
  })
}

interface SqliteConnection {
  exec(sql: string, callback: (err: Error | null) => void): void
}

export function isPostgres(db: Db): boolean {
  return (db.client as { config: Knex.Config }).config.client === 'pg'
}
