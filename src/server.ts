import { ConfigError, loadConfig, type Config } from './config.js'
import { createLogger } from './logger.js'
import { startPortal } from './portal.js'

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
    void portal.close().then(() => {
      log.info('stopped')
      process.exit(0)
    })
    setTimeout(() => process.exit(1), 10_000).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}

main().catch((error: unknown) => {
  console.error('The portal could not start:', error instanceof Error ? error.message : error)
  process.exit(1)
})
