import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Logger } from 'pino'
import { createApp } from './app.js'
import type { Config } from './config.js'
import { createDb } from './db/knex.js'
import { migrateLatest } from './db/migrate.js'
import { scheduledJobs } from './jobs/schedule.js'
import { startScheduler } from './jobs/scheduler.js'
import { mailSender } from './mail/sender.js'
import { createMailTransport } from './mail/transport.js'
import { createServices, type Services } from './services.js'
import { connectionDrain } from './web/connection-drain.js'

export interface RunningPortal {
  services: Services
  /** The port the server listens on (the configured one, or the one the system chose). */
  port: number
  /**
   * Stops taking connections, answers what is in flight (closing each keep-alive connection after
   * its current response), lets running jobs finish, then closes the database.
   */
  close(): Promise<void>
}

/**
 * The whole portal in one process: migrate, build the services, case-fold old address keys
 * (docs/decisions/0008-case-insensitive-address-keys.md), listen, and schedule the jobs
 * (mail delivery, maintenance and the retention sweep) when `JOBS` is on.
 */
export async function startPortal(
  config: Config,
  log: Logger,
  options: { port?: number } = {},
): Promise<RunningPortal> {
  const db = createDb(config.database)
  const applied = await migrateLatest(db)
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')

  const services = createServices({ db, config, log })
  await services.rekeyAddresses()
  const transport = createMailTransport(config)
  const mail = mailSender(db, transport, config.mailFrom, log)
  let stopping = false
  const app = createApp(services, { stopping: () => stopping })

  const server = createServer(app)
  const connections = connectionDrain(server)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? config.port, config.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const port = (server.address() as AddressInfo).port
  log.info(
    { url: config.publicUrl, database: config.database.client, mail: transport.description },
    `portal listening on ${config.host} port ${port}`,
  )

  const setupLink = await services.accounts.issueSetupLink()
  if (setupLink) {
    // Printed on its own line so an operator can copy it; it works once, for one hour.
    log.warn('No staff account exists yet. Create the first administrator within one hour at:')
    console.log(`\n  ${setupLink}\n`)
  }

  const scheduler = config.jobs.enabled
    ? startScheduler(scheduledJobs(services, mail, config.jobs), log)
    : undefined

  return {
    services,
    port,
    async close() {
      stopping = true
      // No job starts once stopping begins; the runs under way finish alongside the responses.
      await Promise.all([connections.drain(), scheduler?.stop()])
      transport.close()
      await db.destroy()
    },
  }
}
