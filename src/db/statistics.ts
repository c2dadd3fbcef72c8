import { isPostgres, type Db } from './knex.js'

/** The tables whose plans depend most on how many rows they hold and how their values spread. */
const plannedTables = [
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
  // 0x10000 looks at every table, not only those this connection has used; SQLite then analyses
  // just the ones never analysed or whose size has changed enough to matter, so a quiet database
  // costs almost nothing.
  await db.raw(`pragma analysis_limit = ${sqliteAnalysisLimit}`)
  await db.raw('pragma optimize = 0x10002')
}
