import { randomUUID } from 'node:crypto'
import { statSync } from 'node:fs'
import { Router, type Response } from 'express'
import type { Knex } from 'knex'
import type { Logger } from 'pino'
import { isPostgres, type Db } from '../db/knex.js'
import { pendingMigrations } from '../db/migrate.js'
import { paths } from '../paths.js'

export interface HealthOptions {
  log: Logger
  /** True once the process has begun to stop, so load balancers send it nothing new. */
  stopping: () => boolean
  /** How long the readiness check may take before it counts as a failure. */
  readinessTimeoutMs?: number
}

/**
 * Mounted before anything else is set up, and never logged per request.
 *
 * `/healthz` is liveness: the process answers; it never touches the database, so a database
 * problem does not get a healthy process restarted. `/readyz` is readiness: the database takes
 * writes and its schema is the one this code expects. A failure is a 503 with nothing of the
 * error in it; the reason is logged once, when readiness is lost.
 */
export function healthRoutes(db: Db, options: HealthOptions): Router {
  const router = Router()
  const timeoutMs = options.readinessTimeoutMs ?? 2000
  const fileUnchanged = sqliteFileCheck(db)
  let inFlight: Promise<string | undefined> | undefined
  let wasReady = true

  /** Why the portal cannot serve now, or undefined when it can. Never rejects. */
  async function readinessProblem(): Promise<string | undefined> {
    if (options.stopping()) return 'stopping'
    // One check at a time: probes arriving while the database hangs wait for the same answer.
    inFlight ??= checkDatabase(db, fileUnchanged).finally(() => {
      inFlight = undefined
    })
    let timer: NodeJS.Timeout | undefined
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${timeoutMs} ms`), timeoutMs)
    })
    try {
      return await Promise.race([inFlight, timedOut])
    } finally {
      clearTimeout(timer)
    }
  }

  router.get(paths.healthz.pattern, (_req, res) => {
    noStore(res).json({ status: 'ok' })
  })

  router.get(paths.readyz.pattern, async (_req, res) => {
    const problem = await readinessProblem()
    if ((problem === undefined) !== wasReady) {
      if (problem) options.log.warn({ reason: problem }, 'not ready')
      else options.log.info('ready again')
      wasReady = problem === undefined
    }
    if (problem) noStore(res).status(503).json({ status: 'unavailable' })
    else noStore(res).json({ status: 'ok' })
  })
  return router
}

function noStore(res: Response): Response {
  return res.setHeader('Cache-Control', 'no-store')
}

async function checkDatabase(db: Db, fileUnchanged: () => boolean): Promise<string | undefined> {
  try {
    // SQLite goes on writing to a deleted or replaced file, and loses it all at the next start.
    if (!fileUnchanged()) return 'the database file is missing or was replaced'
    // A write nobody sees: refused by a read-only database, waits (up to the timeout) on a locked one.
    const trx = await db.transaction()
    try {
      await trx('rate_limit_counters').insert({
        key: `readiness:${randomUUID()}`,
        hits: 0,
        resets_at: new Date(0).toISOString(),
      })
    } finally {
      await trx.rollback()
    }
    const pending = await pendingMigrations(db)
    if (pending.length > 0) return `${pending.length} migrations not run`
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/** For a SQLite file: whether its path still holds the file the portal opened. */
function sqliteFileCheck(db: Db): () => boolean {
  const connection = (db.client as { config: Knex.Config }).config.connection as { filename?: unknown }
  const filename = isPostgres(db) ? undefined : connection.filename
  // In memory, or a `file:` URI that is not a plain path: nothing on disk to look at.
  if (typeof filename !== 'string' || filename === ':memory:' || filename.startsWith('file:')) {
    return () => true
  }
  const identity = () => {
    try {
      const { dev, ino } = statSync(filename)
      return `${dev}:${ino}`
    } catch {
      return undefined
    }
  }
  let opened = identity()
  return () => {
    const current = identity()
    opened ??= current
    return current !== undefined && current === opened
  }
}
