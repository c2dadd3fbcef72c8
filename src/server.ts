import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger } from './logger.js'
import { startPortal } from './portal.js'

/** How long a stop may take before the process exits anyway, under a typical 30-second kill. */
const safetyTimeoutMs = 25_000

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
  const portal = await startPortal(config, log)

  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    log.info({ signal }, 'shutting down')
    portal.close().then(
      () => {
        log.info('stopped')
        process.exit(0)
      },
      (error: unknown) => {
        log.error({ err: error }, 'could not stop cleanly')
        process.exit(1)
      },
    )
    // A last resort: close() ends once responses and job runs finish, and they are not expected to hang.
    setTimeout(() => {
      log.error({ afterSeconds: safetyTimeoutMs / 1000 }, 'still stopping: exiting with work unfinished')
      process.exit(1)
    }, safetyTimeoutMs).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  console.error('The portal could not start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
