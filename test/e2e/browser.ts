import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { createRequire } from 'node:module'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import pino from 'pino'
import { afterAll, beforeAll, expect } from 'vitest'
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createServices, type Services } from '../../src/services.js'
import { freshDb } from '../helpers/db.js'

const require = createRequire(import.meta.url)
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8')

export const screenshotsDir = path.resolve('test-results')

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => Boolean(p),
  )
  const found = candidates.find((p) => existsSync(p))
  if (!found)
    throw new Error('Chromium not found: install it (apt-get install chromium) or set CHROMIUM_PATH')
  return found
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

export interface RunningPortal {
  baseUrl: string
  services: Services
  stop(): Promise<void>
}

/** The real app on a loopback port, with a fresh database; mail stays in the outbox to be read. */
export async function startPortal(): Promise<RunningPortal> {
  const { db, destroy } = await freshDb()
  // Listen first: the public URL in emails needs the port.
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const baseUrl = `http://127.0.0.1:${port}`
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: 'e2e-secret-0123456789abcdef0123456789abcdef',
    PUBLIC_URL: baseUrl,
    DATA_DIR: '/tmp/rights-portal-e2e',
    LOG_LEVEL: 'silent',
    // Heads signed for an earlier run's database would be held against this one's.
    AUDIT_ANCHOR_FILE: path.join('/tmp/rights-portal-e2e', `audit-anchors-${port}.log`),
  })
  rmSync(config.audit.anchorFile, { force: true })
  const services = createServices({ db, config, log: pino({ level: 'silent' }) })
  server.on('request', createApp(services))
  return {
    baseUrl,
    services,
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await destroy()
      rmSync(config.audit.anchorFile, { force: true })
    },
  }
}

/** Runs axe-core on the page (WCAG 2.2 A and AA rules) and fails on any violation. */
export async function expectAccessible(page: Page): Promise<void> {
  await page.evaluate(axeSource)
  const results = await page.evaluate<AxeResults>(
    `axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })`,
  )
  const violations = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  )
  expect(violations, `axe violations on ${page.url()}`).toEqual([])
}

interface AxeResults {
  violations: { id: string; help: string; nodes: { target: string[] }[] }[]
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotsDir, { recursive: true })
  await page.screenshot({ path: path.join(screenshotsDir, `${name}.png`), fullPage: true })
}

/** Fails the test if the page reports a Content-Security-Policy violation or a script error. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    // Pages answered with 4xx on purpose log "Failed to load resource"; anything else is a problem.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(message.text())
    }
  })
  page.on('pageerror', (error) => problems.push(error.message))
  return problems
}

/** The newest message of a kind in the outbox, as the person would read it. */
export async function latestMail(services: Services, kind: string): Promise<{ to: string; text: string }> {
  const row = await services
    .db<{ kind: string; to_address: string; text_body: string; created_at: string }>('outbox')
    .where({ kind })
    .orderBy('created_at', 'desc')
    .first()
  if (!row) throw new Error(`No ${kind} email in the outbox`)
  return { to: row.to_address, text: row.text_body }
}

/** Clicks something that loads a new page, and waits for that page. */
export async function clickAndWait(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForNavigation(), page.click(selector)])
}

/** Starts one browser and one portal for a test file, and stops them after it. */
export function useBrowserAndPortal(): { browser: () => Browser; portal: () => RunningPortal } {
  let browser: Browser | undefined
  let portal: RunningPortal | undefined
  beforeAll(async () => {
    browser = await launchBrowser()
    portal = await startPortal()
  })
  afterAll(async () => {
    await browser?.close()
    await portal?.stop()
  })
  return {
    browser: () => browser as Browser,
    portal: () => portal as RunningPortal,
  }
}

/** On the first open task, picks its first outcome when the task asks for one (a recipient told, say). */
export async function chooseFirstResolution(page: Page): Promise<void> {
  const radio = page.locator('#tasks ~ ul input[name="resolution"]').first()
  if ((await radio.count()) > 0) await radio.check()
}

/** The DPO the staff journeys sign in as. */
export const dpoAccount = {
  email: 'dpo@portal.test',
  role: 'dpo',
  displayName: 'Dana Officer',
  password: 'correct horse battery staple',
} as const

/**
 * Creates the DPO's account in the portal and signs them in, in a new browser window of the given
 * width; the page is on the queue, with its console watched.
 */
export async function signInAsDpo(
  setup: { browser: () => Browser; portal: () => RunningPortal },
  viewport: { width: number; height: number } = { width: 1280, height: 900 },
): Promise<{ context: BrowserContext; page: Page; problems: string[] }> {
  const { services, baseUrl } = setup.portal()
  await services.accounts.createUser({ ...dpoAccount })
  const context = await setup.browser().newContext({ viewport })
  const page = await context.newPage()
  const problems = watchConsole(page)
  await signIn(page, baseUrl, dpoAccount.email, dpoAccount.password)
  return { context, page, problems }
}

/** Signs a member of staff in on the page, as they would: the form, then the queue or their next page. */
export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/staff/login`)
  await page.fill('#email', email)
  await page.fill('#password', password)
  await clickAndWait(page, 'button:has-text("Sign in")')
}
