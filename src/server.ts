import type { Server } from 'node:http'
import { createApp } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { createDb } from './db/knex.js'
import { migrateLatest } from './db/migrate.js'
import { runMaintenance } from './jobs/maintenance.js'
import { startScheduler } from './jobs/scheduler.js'
import { createLogger } from './logger.js'
import { mailSender } from './mail/sender.js'
import { createMailTransport } from './mail/transport.js'
import { createServices } from './services.js'

function readConfig(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message)
      process.exit(1)
    }
    throw error
  }
}

async function main(): Promise<void> {
  const config = readConfig()
  const log = createLogger(config.logLevel)
  if (config.secretGenerated) {
    log.warn(
      { dataDir: config.dataDir },
      'SECRET is not set: using a generated secret stored in the data folder',
    )
  }
  const db = createDb(config.database)
  const applied = await migrateLatest(db)
  if (applied.length > 0) log.info({ migrations: applied }, 'database migrated')

  const services = createServices({ db, config, log })
  const transport = createMailTransport(config)
  const mail = mailSender(db, transport, config.mailFrom, log)
  const app = createApp(services)

  const server: Server = app.listen(config.port, () => {
    log.info(
      { url: config.publicUrl, database: config.database.client, mail: transport.description },
      `portal listening on port ${config.port}`,
    )
  })

  const setupLink = await services.accounts.issueSetupLink()
  if (setupLink) {
    // Printed on its own line so an operator can copy it; it works once, for one hour.
    log.warn('No staff account exists yet. Create the first administrator within one hour at:')
    console.log(`\n  ${setupLink}\n`)
  }

  const scheduler = config.jobs.enabled
    ? startScheduler(
        [
          { name: 'deliver-mail', everySeconds: 5, run: () => mail.deliverDue(new Date()) },
          {
            name: 'maintenance',
            everySeconds: config.jobs.intervalSeconds,
            run: () => runMaintenance(services),
          },
        ],
        log,
      )
    : undefined

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    server.close(() => {
      void (async () => {
        await scheduler?.stop()
        transport.close()
        await db.destroy()
        log.info('stopped')
        process.exit(0)
      })()
    })
    server.closeIdleConnections()
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  console.error('The portal could not start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
