import { randomBytes } from 'node:crypto'
import knexFactory from 'knex'
import { createDb, type Db } from '../../src/db/knex.js'
import { migrateLatest } from '../../src/db/migrate.js'

export const usingPostgres = process.env.TEST_DATABASE === 'postgres'
export const postgresUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export interface TestDb {
  db: Db
  destroy(): Promise<void>
}

/** The same PostgreSQL server, another database on it. */
export function postgresUrlFor(database: string): string {
  const url = new URL(postgresUrl)
  url.pathname = `/${database}`
  return url.toString()
}

/**
 * A test database's connections do not wait for each commit to reach the disk: a test database
 * is thrown away, and waiting for the flush was most of the time the PostgreSQL suite took.
 */
function withoutFlushWaits(connectionString: string): string {
  const url = new URL(connectionString)
  url.searchParams.set('options', '-c synchronous_commit=off')
  return url.toString()
}

/**
 * One migrated database per test worker, made once, that each test's database is copied from
 * (`CREATE DATABASE … TEMPLATE`): running every migration for every test was most of the
 * PostgreSQL suite's time. Nothing ever connects to it after it is migrated, as copying requires.
 */
let template: Promise<string> | undefined
function migratedTemplate(): Promise<string> {
  template ??= (async () => {
    const name = `tmpl_${process.pid}_${randomBytes(4).toString('hex')}`
    const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
    try {
      await admin.raw('create database ??', [name])
    } finally {
      await admin.destroy()
    }
    const db = createDb({ client: 'postgres', connectionString: withoutFlushWaits(postgresUrlFor(name)) })
    try {
      await migrateLatest(db)
    } finally {
      await db.destroy()
    }
    return name
  })()
  return template
}

/**
 * A fresh, migrated database: in-memory SQLite, or on the test PostgreSQL server a new database
 * copied from the worker's migrated template (or, unmigrated, a new empty schema).
 */
export async function freshDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  if (!usingPostgres) {
    const db = createDb({ client: 'sqlite', filename: ':memory:' })
    if (options.migrate !== false) await migrateLatest(db)
    return { db, destroy: () => db.destroy() }
  }
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
  if (options.migrate === false) {
    const schema = `t_${randomBytes(6).toString('hex')}`
    await admin.raw('create schema ??', [schema])
    const db = createDb({ client: 'postgres', connectionString: postgresUrl }, { searchPath: schema })
    return {
      db,
      async destroy() {
        await db.destroy()
        await admin.raw('drop schema ?? cascade', [schema])
        await admin.destroy()
      },
    }
  }
  const name = `t_${randomBytes(6).toString('hex')}`
  await admin.raw('create database ?? template ??', [name, await migratedTemplate()])
  const db = createDb({ client: 'postgres', connectionString: withoutFlushWaits(postgresUrlFor(name)) })
  return {
    db,
    async destroy() {
      await db.destroy()
      await admin.raw('drop database if exists ?? with (force)', [name])
      await admin.destroy()
    },
  }
}
