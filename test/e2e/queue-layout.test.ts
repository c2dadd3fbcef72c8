import { describe, expect, it } from 'vitest'
import { requestRow, type RequestRowInput } from '../helpers/request-rows.js'
import { clickAndWait, expectAccessible, screenshot, signInAsDpo, useBrowserAndPortal } from './browser.js'

const setup = useBrowserAndPortal()
const day = 86_400_000

/** 28 requests at every stage, the last days of the month before, some with flags set. */
async function fillQueue(): Promise<void> {
  const { services } = setup.portal()
  const studyId = (await services.studies.listAll())[0]!.id
  const types = ['access', 'erasure', 'rectification', 'objection', 'restriction', 'portability'] as const
  const inputs: RequestRowInput[] = []
  for (let i = 0; i < 28; i++) {
    inputs.push({
      reference: `DSR-2026-${String(i + 1).padStart(5, '0')}`,
      type: types[i % types.length],
      receivedAt: new Date(Date.now() - (35 - i) * day).toISOString(),
      name: i === 4 ? 'Bartholomew Featherstonehaugh-Worthington' : `Person ${i + 1}`,
      ...(i % 7 === 3 ? { extended: true } : {}),
      ...(i % 9 === 2
        ? {
            status: 'awaiting_clarification',
            pause: { kind: 'clarification', since: new Date().toISOString().slice(0, 10) },
          }
        : {}),
    })
  }
  const rows = inputs.map((input) => requestRow(studyId, input))
  await services.db.batchInsert('rights_requests', rows, 50)
  await services
    .db('rights_requests')
    .whereIn('reference', ['DSR-2026-00002', 'DSR-2026-00011'])
    .update({ unread_replies: 2 })
}

describe('the queue at a desk and on a phone', () => {
  it('fills a wide window as a dense table and stacks its rows at 390 px without sideways scrolling', async () => {
    const { baseUrl } = setup.portal()
    await fillQueue()
    const { context, page, problems } = await signInAsDpo(setup)
    expect(new URL(page.url()).pathname).toBe('/staff/requests')

    // Wide: the table spans the window, one line a row, every column there.
    const headers = await page.locator('.app-queue th').allTextContents()
    expect(headers.map((h) => h.trim())).toEqual(
      expect.arrayContaining([
        'Reference',
        'Type',
        'Requester',
        'Status',
        'Received',
        'Due',
        'Assigned to',
        'Flags',
      ]),
    )
    const scrollWidth = () => page.evaluate<number>('document.documentElement.scrollWidth')
    expect((await page.locator('.app-queue').boundingBox())?.width).toBeGreaterThan(1100)
    expect(await scrollWidth()).toBeLessThanOrEqual(1280)
    expect(await page.textContent('main')).toContain('Showing 1 to 28 of 28')
    expect(await page.textContent('main')).toContain('Replied (2)')
    await expectAccessible(page)
    await screenshot(page, 'queue-1280')

    // Closing in bulk asks first, listing what will close.
    await page.check('#select-' + (await page.locator('input[name="ids"]').nth(1).getAttribute('value')))
    await page.fill('#bulkDuplicateOf', 'DSR-2026-00003')
    await clickAndWait(page, 'button:has-text("Close selected as duplicates")')
    expect(await page.locator('h1').textContent()).toBe('Close 1 request?')
    await expectAccessible(page)
    await screenshot(page, 'queue-bulk-close')
    await clickAndWait(page, 'a:has-text("No, go back to the requests")')

    // A part of a reference finds matches in every tab.
    await page.fill('#q', '2026-0001')
    await clickAndWait(page, 'button:has-text("Apply filters")')
    expect(await page.textContent('main')).toContain('10 requests match')
    await expectAccessible(page)
    await screenshot(page, 'queue-search')
    await page.goto(`${baseUrl}/staff/requests`)

    await page.setViewportSize({ width: 390, height: 844 })
    expect(await scrollWidth()).toBeLessThanOrEqual(390)
    const status = await page.locator('.app-queue td[data-label="Status"]').first().boundingBox()
    expect((status?.x ?? 0) + (status?.width ?? 0)).toBeLessThanOrEqual(390)
    // Each row is a card: the labels show beside their values.
    const label = await page.evaluate<string>(
      `getComputedStyle(document.querySelector('.app-queue td[data-label="Due"]'), '::before').content`,
    )
    expect(label).toBe('"Due"')
    await expectAccessible(page)
    await screenshot(page, 'queue-390')
    expect(problems).toEqual([])
    await context.close()
  })
})
