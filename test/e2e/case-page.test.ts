import { describe, expect, it } from 'vitest'
import type { TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { expectAccessible, screenshot, signInAsDpo, useBrowserAndPortal } from './browser.js'

const setup = useBrowserAndPortal()

describe('the case page, as the DPO acts on it', () => {
  it('puts the next step and the actions at the top, at 1280 and at 390 pixels wide', async () => {
    const ctx = { services: setup.portal().services } as unknown as TestContext
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const { context, page: dpo, problems } = await signInAsDpo(setup)
    await dpo.goto(`${setup.portal().baseUrl}/staff/requests/${requestId}`)

    expect(await dpo.textContent('#next-step + p')).toContain('Log the search')
    // At 1280 the actions sit beside the summary, within the first screen.
    const actions = await dpo.locator('#actions').boundingBox()
    expect(actions?.y).toBeLessThan(900)
    expect(actions?.x).toBeGreaterThan(640)
    await expectAccessible(dpo)
    await screenshot(dpo, 'case-1280')

    await dpo.setViewportSize({ width: 390, height: 844 })
    await dpo.reload()
    const scroll = await dpo.evaluate<number>('document.documentElement.scrollWidth')
    expect(scroll).toBeLessThanOrEqual(390)
    // Stacked, the actions still come before the long sections.
    const stacked = await dpo.locator('#actions').boundingBox()
    const timeline = await dpo.locator('#timeline').boundingBox()
    expect(stacked?.y).toBeLessThan(timeline?.y ?? 0)
    await expectAccessible(dpo)
    await screenshot(dpo, 'case-390')
    expect(problems).toEqual([])
    await context.close()
  })
})
