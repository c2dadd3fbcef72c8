import { randomUUID } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import pino from 'pino'
import request from 'supertest'
import type TestAgent from 'supertest/lib/agent.js'
import { createApp } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import { createServices, type Services } from '../../src/services.js'
import { freshDb } from './db.js'

export interface TestContext {
  services: Services
  app: ReturnType<typeof createApp>
  config: Config
  /** A browser-like client that keeps cookies. */
  agent(): TestAgent
  now(): Date
  setNow(instant: Date | string): void
  advanceDays(days: number): void
  /** Messages waiting in the outbox, newest last. */
  outbox(): Promise<OutboxMessage[]>
  destroy(): Promise<void>
}

export interface OutboxMessage {
  id: string
  kind: string
  to_address: string | null
  subject: string
  text_body: string | null
  status: string
  request_id: string | null
}

export const testSecret = 'test-secret-0123456789abcdef0123456789abcdef'

export async function createTestContext(
  options: { now?: string; env?: Record<string, string> } = {},
): Promise<TestContext> {
  const { db, destroy } = await freshDb()
  // Each database gets its own audit signing key and anchor log: heads signed for one trail would
  // otherwise be held against another test's.
  const auditDir = path.join(tmpdir(), 'rights-portal-test-audit', randomUUID())
  let current = new Date(options.now ?? '2026-03-02T10:00:00Z')
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: testSecret,
    PUBLIC_URL: 'http://portal.test',
    DATA_DIR: '/tmp/rights-portal-test',
    LOG_LEVEL: 'silent',
    AUDIT_SIGNING_KEY_FILE: path.join(auditDir, 'audit-signing-key.pem'),
    AUDIT_ANCHOR_FILE: path.join(auditDir, 'audit-anchors.log'),
    ...options.env,
  })
  // The test clock ticks a millisecond per reading, so rows written in one test keep their order.
  const tick = () => {
    current = new Date(current.getTime() + 1)
    return current
  }
  const services = createServices({
    db,
    config,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    now: tick,
  })
  const app = createApp(services)
  return {
    services,
    app,
    config,
    agent: () => request.agent(app),
    now: () => current,
    setNow: (instant) => {
      current = new Date(instant)
    },
    advanceDays: (days) => {
      current = new Date(current.getTime() + days * 24 * 60 * 60 * 1000)
    },
    outbox: () => db<OutboxMessage>('outbox').orderBy('created_at').orderBy('id'),
    async destroy() {
      await destroy()
      await rm(auditDir, { recursive: true, force: true })
    },
  }
}

/** Reads the CSRF token from a page's form, as a browser would submit it. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('No CSRF token on the page')
  return match[1]
}

/** The first link to the portal in a message body. */
export function linkIn(text: string | null, path: 'confirm' | 'status'): string {
  const match = new RegExp(`http://portal\\.test(/${path}/[A-Za-z0-9_-]+)`).exec(text ?? '')
  if (!match?.[1]) throw new Error(`No ${path} link in message`)
  return match[1]
}
