import { Router } from 'express'
import type { Knex } from 'knex'
import { paths } from '../paths.js'

/** Answers before anything else is set up, so load balancers see a live database, not a page. */
export function healthRoutes(db: Knex): Router {
  const router = Router()
  router.get(paths.healthz.pattern, async (_req, res) => {
    try {
      await db.raw('select 1')
      res.setHeader('Cache-Control', 'no-store')
      res.json({ status: 'ok' })
    } catch {
      res.status(503).json({ status: 'unavailable' })
    }
  })
  return router
}
