import { describe, expect, it } from 'vitest'
import { clickAndWait, expectAccessible, screenshot, signInAsDpo, useBrowserAndPortal } from './browser.js'

const setup = useBrowserAndPortal()

describe('email notification choices', () => {
  it('a DPO changes them on their account page, at desktop and phone widths', async () => {
    const { baseUrl } = setup.portal()
    const { context, page, problems } = await signInAsDpo(setup)

    await page.goto(`${baseUrl}/staff/account#notifications`)
    expect(await page.isChecked('#newRequests')).toBe(true)
    await expectAccessible(page)
    await screenshot(page, 'notifications-01-account')

    await page.check('input[name="newRequests"][value="assigned"]')
    await page.uncheck('input[name="also"][value="digest"]')
    await clickAndWait(page, 'button:has-text("Save email choices")')
    expect(await page.textContent('.govuk-notification-banner--success')).toContain(
      'Your email notification choices are saved.',
    )
    expect(await page.isChecked('input[name="newRequests"][value="assigned"]')).toBe(true)
    expect(await page.isChecked('input[name="also"][value="digest"]')).toBe(false)
    expect(await page.isChecked('input[name="also"][value="replies"]')).toBe(true)
    await expectAccessible(page)
    await page.setViewportSize({ width: 390, height: 844 })
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390)
    await screenshot(page, 'notifications-02-saved-narrow')
    expect(problems).toEqual([])
    await context.close()
  })
})
