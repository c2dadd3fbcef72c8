import { readFile } from 'node:fs/promises'
import { parse } from 'csv-parse/sync'
import { describe, expect, it } from 'vitest'
import type { RequestRowInput } from '../helpers/request-rows.js'
import { requestRow } from '../helpers/request-rows.js'
import {
  clickAndWait,
  expectAccessible,
  screenshot,
  signIn,
  useBrowserAndPortal,
  watchConsole,
} from './browser.js'

const setup = useBrowserAndPortal()
const day = 86_400_000

/** Requests received over the last five months, at every stage, relative to today. */
async function fillRequests(): Promise<number> {
  const { services } = setup.portal()
  const studyId = (await services.studies.listAll())[0]!.id
  const ago = (days: number) => new Date(Date.now() - days * day).toISOString()
  const types = ['access', 'erasure', 'rectification', 'objection', 'access', 'portability'] as const
  const inputs: RequestRowInput[] = []
  for (let i = 0; i < 30; i++) {
    const received = 150 - i * 5
    const stage = i % 5
    inputs.push({
      reference: `DSR-2026-${String(i + 1).padStart(5, '0')}`,
      type: types[i % types.length],
      receivedAt: ago(received),
      name: i === 3 ? '=HYPERLINK("http://evil.example")' : `Person ${i}`,
      email: `person${i}@example.org`,
      ...(received > 20 && stage === 0
        ? { status: 'completed', outcome: 'fulfilled', closedAt: ago(received - 12 - (i % 4) * 5) }
        : received > 40 && stage === 1
          ? { status: 'completed', outcome: 'fulfilled', closedAt: ago(received - 35) }
          : received > 20 && stage === 2
            ? {
                status: 'refused',
                outcome: 'refused',
                outcomeReason: i % 2 ? 'manifestly_unfounded' : 'manifestly_excessive',
                closedAt: ago(received - 6),
              }
            : stage === 3
              ? { extended: true }
              : {}),
    })
  }
  await services.db.batchInsert(
    'rights_requests',
    inputs.map((input) => requestRow(studyId, input)),
    50,
  )
  return inputs.length
}

describe('the auditor’s pages', () => {
  it('sign in to the dashboard, read it without colour or script, and download the request log', async () => {
    const { services, baseUrl } = setup.portal()
    const password = 'correct horse battery staple'
    await services.accounts.createUser({
      email: 'auditor@portal.test',
      role: 'auditor',
      displayName: 'Aubrey Auditor',
      password,
    })
    const total = await fillRequests()

    const context = await setup
      .browser()
      .newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, baseUrl, 'auditor@portal.test', password)

    // The auditor lands on the dashboard.
    expect(new URL(page.url()).pathname).toBe('/staff/dashboard')
    expect(await page.locator('h1').textContent()).toBe('Dashboard')
    expect(await page.locator('svg.app-chart[role="img"]').count()).toBe(4)
    expect(await page.locator('.app-figures__item').first().textContent()).toContain(String(total))
    await expectAccessible(page)
    await screenshot(page, 'auditor-01-dashboard')
    await page.setViewportSize({ width: 400, height: 900 })
    await screenshot(page, 'auditor-02-dashboard-narrow')
    await page.setViewportSize({ width: 1200, height: 900 })

    await page.fill('#from-day', '30')
    await page.fill('#from-month', '2')
    await page.fill('#from-year', '2026')
    await clickAndWait(page, 'button:has-text("Show figures")')
    expect(await page.locator('.govuk-error-summary').count()).toBe(1)
    await expectAccessible(page)
    await screenshot(page, 'auditor-03-dashboard-error')

    await page.goto(`${baseUrl}/staff/dashboard?from-day=1&from-month=1&from-year=2099`)
    expect(await page.textContent('main')).toContain('No requests in this period')
    await expectAccessible(page)

    await clickAndWait(page, '.govuk-service-navigation a:has-text("Exports")')
    expect(await page.locator('h1').textContent()).toBe('Exports')
    expect(await page.locator('#reason').count()).toBe(0)
    await expectAccessible(page)
    await screenshot(page, 'auditor-04-exports')

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Download request log")'),
    ])
    expect(download.suggestedFilename()).toMatch(/^request-log-\d{4}-\d{2}-\d{2}\.csv$/)
    const csv = await readFile(await download.path())
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]))
    const rows = parse<Record<string, string>>(csv, { bom: true, columns: true })
    expect(rows).toHaveLength(total)
    expect(rows[0]).not.toHaveProperty('requester_email')
    expect(csv.toString('utf8')).not.toContain('@example.org')

    await page.selectOption('#type', 'erasure')
    await page.fill('#to', 'not a date')
    await clickAndWait(page, 'button:has-text("Download request log")')
    expect(await page.locator('.govuk-error-summary a[href="#to"]').count()).toBe(1)
    expect(await page.inputValue('#to')).toBe('not a date')
    expect(await page.inputValue('#type')).toBe('erasure')
    await expectAccessible(page)
    await screenshot(page, 'auditor-05-exports-error')

    await clickAndWait(page, '.govuk-service-navigation a:has-text("Audit trail")')
    expect(await page.locator('h1').textContent()).toContain('Audit trail')
    await clickAndWait(page, 'button:has-text("Verify the audit trail now")')
    expect(await page.textContent('main')).toMatch(/intact/i)
    await expectAccessible(page)
    await screenshot(page, 'auditor-06-audit-trail')

    expect(problems).toEqual([])
    await context.close()
  })

  it('a DPO may include identities with a reason', async () => {
    const { services, baseUrl } = setup.portal()
    const password = 'correct horse battery staple'
    await services.accounts.createUser({
      email: 'dpo@portal.test',
      role: 'dpo',
      displayName: 'Dana Officer',
      password,
    })
    const context = await setup
      .browser()
      .newContext({ viewport: { width: 1200, height: 900 }, acceptDownloads: true })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, baseUrl, 'dpo@portal.test', password)
    await page.goto(`${baseUrl}/staff/exports`)
    await expectAccessible(page)
    await screenshot(page, 'dpo-01-exports')

    await page.check('#identities')
    await clickAndWait(page, 'button:has-text("Download request log")')
    expect(await page.locator('.govuk-error-summary a[href="#reason"]').count()).toBe(1)
    expect(await page.isChecked('#identities')).toBe(true)
    await expectAccessible(page)

    await page.fill('#reason', 'Subject access complaint from the ICO, case 123')
    await page.check('#format-2')
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.click('button:has-text("Download request log")'),
    ])
    expect(download.suggestedFilename()).toMatch(/^request-log-with-identities-\d{4}-\d{2}-\d{2}\.ndjson$/)
    const lines = (await readFile(await download.path(), 'utf8')).trim().split('\n')
    expect(JSON.parse(lines[0]!)).toHaveProperty('requester_email')
    const event = await services.db('events').where({ kind: 'export.identities_included' }).first()
    expect(JSON.parse(event.data as string)).toMatchObject({
      reason: 'Subject access complaint from the ICO, case 123',
    })

    expect(problems).toEqual([])
    await context.close()
  })
})
