import { describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import {
  clickAndWait,
  expectAccessible,
  latestMail,
  screenshot,
  watchConsole,
  useBrowserAndPortal,
} from './browser.js'

const setup = useBrowserAndPortal()

/** Nothing on the page is wider than the window: no sideways scrolling on a phone. */
async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const widths = await page.evaluate<{ page: number; window: number }>(
    `({ page: document.documentElement.scrollWidth, window: window.innerWidth })`,
  )
  expect(widths.page, `sideways scroll on ${page.url()}`).toBeLessThanOrEqual(widths.window)
}

describe('a participant files, confirms, follows and withdraws a request', () => {
  it('works end to end without accessibility violations', async () => {
    const context = await setup.browser().newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)

    await page.goto(setup.portal().baseUrl)
    expect(await page.locator('h1').textContent()).toContain('Exercise your data rights')
    expect(await page.evaluate(`document.body.classList.contains('js-enabled')`)).toBe(true)
    await expectAccessible(page)
    await screenshot(page, '01-home')

    await clickAndWait(page, 'text=Privacy notice')
    expect(await page.locator('h1').textContent()).toContain('Privacy notice')
    await expectAccessible(page)
    await screenshot(page, '02-privacy-notice')

    await page.goto(setup.portal().baseUrl)
    await clickAndWait(page, 'a.govuk-button:has-text("Start now")')
    await clickAndWait(page, 'button:has-text("Continue")')
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('Select what you want to do')
    await expectAccessible(page)
    await screenshot(page, '03-choose-right-error')

    await page.check('input[value="rectification"]')
    await clickAndWait(page, 'button:has-text("Continue")')
    expect(page.url()).toContain('/request/rectification')
    await page.getByRole('checkbox', { name: 'Email address', exact: true }).check()
    await page.fill('#inaccurate', 'My email address has a typo')
    await page.fill('#email', 'not-an-email')
    await clickAndWait(page, 'button:has-text("Continue")')
    expect(await page.locator('.govuk-error-summary').textContent()).toContain('correct format')
    expect(await page.inputValue('#inaccurate')).toBe('My email address has a typo')
    await expectAccessible(page)
    await screenshot(page, '04-request-form-errors')

    await page.fill('#correction', 'jane.doe@example.org')
    await page.fill('#email', 'jane.doe@example.org')
    await page.fill('#name', 'Jane Doe')
    await clickAndWait(page, 'button:has-text("Continue")')
    expect(await page.locator('h1').textContent()).toContain('Check your answers')
    const answers = await page.locator('.govuk-summary-list').textContent()
    for (const answer of [
      'Email address',
      'My email address has a typo',
      'jane.doe@example.org',
      'Jane Doe',
    ]) {
      expect(answers).toContain(answer)
    }
    expect(await page.locator('main').textContent()).toContain('We will email a link to jane.doe@example.org')
    await expectAccessible(page)
    await screenshot(page, 'participant-check-answers-1280')

    // On a phone: "Change" goes back to the answer with everything kept, then on to check and send.
    await page.setViewportSize({ width: 390, height: 844 })
    await clickAndWait(page, 'button:has-text("Change your name")')
    expect(page.url()).toMatch(/\/request\/rectification\/change#name$/)
    expect(await page.inputValue('#name')).toBe('Jane Doe')
    expect(await page.inputValue('#inaccurate')).toBe('My email address has a typo')
    expect(await page.isChecked('input[name="categories"][value="email"]')).toBe(true)
    await expectAccessible(page)
    await expectNoSidewaysScroll(page)
    await page.fill('#name', 'Jane A Doe')
    await clickAndWait(page, 'button:has-text("Continue")')
    expect(await page.locator('.govuk-summary-list').textContent()).toContain('Jane A Doe')
    await expectAccessible(page)
    await expectNoSidewaysScroll(page)
    await screenshot(page, 'participant-check-answers-390')

    await clickAndWait(page, 'button:has-text("Submit request")')
    expect(await page.locator('h1').textContent()).toContain('Check your email')
    expect(await page.locator('main').textContent()).toContain('We have sent a link to jane.doe@example.org')
    await expectAccessible(page)
    await expectNoSidewaysScroll(page)
    await screenshot(page, 'participant-check-email-390')
    await page.setViewportSize({ width: 1280, height: 900 })
    await expectAccessible(page)
    await screenshot(page, '05-check-your-email')

    const confirmation = await latestMail(setup.portal().services, 'confirm-request')
    expect(confirmation.to).toBe('jane.doe@example.org')
    const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/confirm\/[A-Za-z0-9_-]{43})/.exec(confirmation.text)?.[1]
    expect(confirmUrl).toBeDefined()
    await page.goto(confirmUrl as string)
    expect(await page.locator('h1').textContent()).toContain('Confirm your request')
    await expectAccessible(page)
    await screenshot(page, '06-confirm')

    await clickAndWait(page, 'button:has-text("Confirm request")')
    expect(await page.locator('.govuk-panel').textContent()).toContain('DSR-')
    expect(await page.textContent('body')).toContain('We must answer by')
    await expectAccessible(page)
    await screenshot(page, '07-status-confirmed')

    const receipt = await latestMail(setup.portal().services, 'request-received')
    expect(receipt.text).toMatch(/DSR-\d{4}-00001/)

    await clickAndWait(page, 'a.govuk-button:has-text("Withdraw this request")')
    expect(await page.locator('h1').textContent()).toContain('Are you sure')
    await expectAccessible(page)
    await screenshot(page, '08-withdraw')
    await clickAndWait(page, 'button:has-text("Withdraw request")')
    expect(await page.locator('main .govuk-tag').first().textContent()).toContain('Withdrawn')
    await expectAccessible(page)
    await screenshot(page, '09-status-withdrawn')

    await page.goto(confirmUrl as string)
    expect(await page.locator('h1').textContent()).toContain('already been used')
    await expectAccessible(page)
    await screenshot(page, '10-link-used')

    await page.goto(`${setup.portal().baseUrl}/no-such-page`)
    await expectAccessible(page)
    await screenshot(page, '11-not-found')

    await page.goto(`${setup.portal().baseUrl}/accessibility`)
    await expectAccessible(page)
    await screenshot(page, '12-accessibility')

    await page.setViewportSize({ width: 375, height: 800 })
    await page.goto(setup.portal().baseUrl)
    await screenshot(page, '13-home-mobile')

    expect(problems).toEqual([])
    await context.close()
  })
})
