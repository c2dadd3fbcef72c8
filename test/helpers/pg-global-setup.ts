import knexFactory from 'knex'
import { postgresUrl, usingPostgres } from './db.js'

/**
 * After a PostgreSQL run, drops the migrated template databases the workers made (and any test
 * database a crashed test left behind), so the server does not fill up run after run.
 */
export default function setup(): () => Promise<void> {
  return async () => {
    if (!usingPostgres) return
    const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
    try {
      const { rows } = await admin.raw<{ rows: { datname: string }[] }>(
        "select datname from pg_database where datname like 'tmpl\\_%' or datname like 't\\_%'",
      )
      for (const { datname } of rows) await admin.raw('drop database if exists ?? with (force)', [datname])
    } finally {
      await admin.destroy()
    }
  }
}
