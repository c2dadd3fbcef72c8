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

/** A fresh, migrated database: in-memory SQLite, or a new schema on the test PostgreSQL server. */
export async function freshDb(options: { migrate?: boolean } = {}): Promise<TestDb> {
  if (!usingPostgres) {
    const db = createDb({ client: 'sqlite', filename: ':memory:' })
    if (options.migrate !== false) await migrateLatest(db)
    return { db, destroy: () => db.destroy() }
  }
  const schema = `t_${randomBytes(6).toString('hex')}`
  const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
  await admin.raw('create schema ??', [schema])
  const db = createDb({ client: 'postgres', connectionString: postgresUrl }, { searchPath: schema })
  if (options.migrate !== false) await migrateLatest(db)
  return {
    db,
    async destroy() {
      await db.destroy()
      await admin.raw('drop schema ?? cascade', [schema])
      await admin.destroy()
    },
  }
}
