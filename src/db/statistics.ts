import { isPostgres, type Db } from './knex.js'

/** The tables whose plans depend most on how many rows they hold and how their values spread. */
export const plannedTables = [
  'rights_requests',
  'email_records',
  'events',
  'outbox',
  'record_tasks',
  'request_tasks',
  'request_files',
  'complaints',
] as const

/** Rows SQLite samples per index when it refreshes its statistics: bounded, whatever the size. */
const sqliteAnalysisLimit = 1000

/**
 * Refreshes the statistics the query planner chooses indexes by. Without them a large database
 * can be planned as if it were empty (a full sort of every closed request for one page of the
 * queue). Bounded on SQLite by sampling; on PostgreSQL `ANALYZE` samples a fixed number of rows
 * per table, so the cost does not grow with the table.
 */
export async function refreshPlannerStatistics(db: Db): Promise<void> {
  if (isPostgres(db)) {
    await db.raw(`analyze ${plannedTables.join(', ')}`)
    return
  }
  await db.raw(`pragma analysis_limit = ${sqliteAnalysisLimit}`)
  for (const table of plannedTables) await db.raw(`analyze ${table}`)
  await db.raw('pragma optimize')
}
