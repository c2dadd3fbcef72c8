/** The portal's services on a benchmark's database, configured as in the tests, logging nothing. */
import pino from 'pino'
import { loadConfig } from '../../src/config.js'
import type { Db } from '../../src/db/knex.js'
import { createServices } from '../../src/services.js'

export function benchServices(
  db: Db,
  dir: string,
  options: { now?: () => Date; env?: Record<string, string> } = {},
) {
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    DATA_DIR: dir,
    LOG_LEVEL: 'silent',
    ...options.env,
  })
  return createServices({
    db,
    config,
    log: pino({ level: 'silent' }),
    ...(options.now ? { now: options.now } : {}),
  })
}
