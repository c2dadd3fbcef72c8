import { describe, expect, it } from 'vitest'
import { clickAndWait, expectAccessible, screenshot, signInAsDpo, useBrowserAndPortal } from './browser.js'

const setup = useBrowserAndPortal()

describe('a request received by post', () => {
  it('is logged without an email address and its acknowledgement printed to post', async () => {
    const { context, page, problems } = await signInAsDpo(setup)
    const base = setup.portal().baseUrl

    await page.goto(`${base}/staff/requests/new/access?study=increasing-diversity-in-social-work-management`)
    expect(await page.locator('h1').textContent()).toBe('Log an access request')
    await page.check('input[name="channel"][value="post"]')
    // Nothing typed but the channel: the errors read down the page.
    await clickAndWait(page, 'button:has-text("Log request")')
    const summary = await page.locator('.govuk-error-summary__list a').allTextContents()
    expect(summary[0]).toContain('Enter their email address or their postal address')
    await expectAccessible(page)
    await screenshot(page, 'postal-01-log-form-errors')

    await page.fill('#name', 'Pat Letter')
    await page.fill('#addressLine1', '12 Acacia Avenue')
    await page.fill('#town', 'Leeds')
    await page.fill('#postcode', 'ls1 4ap')
    await page.check('input[name="identity"][value="established"]')
    await page.fill('#identityNote', 'Signed letter matching the consent form')
    await clickAndWait(page, 'button:has-text("Log request")')
    expect(await page.textContent('main')).toContain('12 Acacia Avenue, Leeds, LS1 4AP')
    expect(await page.locator('#letters-to-post').count()).toBe(1)
    await expectAccessible(page)
    await screenshot(page, 'postal-02-case')

    await clickAndWait(page, 'a:has-text("Print this letter")')
    expect(await page.locator('.app-letter__recipient').innerText()).toContain('LS1 4AP')
    await expectAccessible(page)
    await screenshot(page, 'postal-03-letter-screen')
    await page.emulateMedia({ media: 'print' })
    expect(await page.locator('.govuk-template__header').isVisible()).toBe(false)
    expect(await page.locator('.app-no-print').isVisible()).toBe(false)
    expect(await page.locator('.app-letter').isVisible()).toBe(true)
    await screenshot(page, 'postal-04-letter-print')
    await page.emulateMedia({ media: 'screen' })
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(page, 'postal-05-letter-390')

    expect(await setup.portal().services.db('outbox')).toEqual([])
    expect(problems).toEqual([])
    await context.close()
  })
})
