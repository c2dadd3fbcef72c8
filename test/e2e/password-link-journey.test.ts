import { describe, expect, it } from 'vitest'
import {
  clickAndWait,
  expectAccessible,
  latestMail,
  screenshot,
  signIn,
  useBrowserAndPortal,
  watchConsole,
} from './browser.js'

const setup = useBrowserAndPortal()

describe('a forgotten staff password', () => {
  it('is replaced through a link an administrator sends', async () => {
    const { services, baseUrl } = setup.portal()
    const password = 'correct horse battery staple'
    const adminUser = await services.accounts.createUser({
      email: 'admin@portal.test',
      role: 'admin',
      displayName: 'Ada Admin',
      password,
    })
    const dpo = await services.accounts.createUser({
      email: 'forgetful@portal.test',
      role: 'dpo',
      displayName: 'Fran Forgetful',
      password,
    })
    const admin = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
    const page = await admin.newPage()
    const problems = watchConsole(page)
    await signIn(page, baseUrl, 'admin@portal.test', password)

    await page.goto(`${baseUrl}/staff/users/${dpo.id}`)
    await expectAccessible(page)
    await clickAndWait(page, 'button:has-text("Send a link to set a new password")')
    expect(await page.textContent('.govuk-notification-banner')).toContain('Link to set a new password sent')
    await expectAccessible(page)
    await screenshot(page, 'password-link-01-sent')

    const mail = await latestMail(services, 'staff-password-link')
    expect(mail.to).toBe('forgetful@portal.test')
    const link = /http:\/\/\S+\/staff\/password\/[A-Za-z0-9_-]{43}/.exec(mail.text)?.[0] as string
    const colleague = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
    const theirs = await colleague.newPage()
    await theirs.goto(link)
    expect(await theirs.locator('h1').textContent()).toContain('Set a new password')
    await expectAccessible(theirs)
    await screenshot(theirs, 'password-link-02-set')
    await theirs.fill('#password', 'purple elephant umbrella lighthouse')
    await clickAndWait(theirs, 'button:has-text("Set password")')
    expect(await theirs.textContent('main')).toContain('Your password is set')
    await expectAccessible(theirs)
    await screenshot(theirs, 'password-link-03-done')
    await theirs.goto(link)
    expect(await theirs.locator('h1').textContent()).toContain('does not work')
    await expectAccessible(theirs)
    await screenshot(theirs, 'password-link-04-used')

    await services.accounts.setDisabled(adminUser, dpo.id, true)
    await page.goto(`${baseUrl}/staff/users/${dpo.id}`)
    expect(await page.textContent('#password-link + p')).toContain('This account is disabled')
    await expectAccessible(page)
    await screenshot(page, 'password-link-05-disabled')
    expect(problems).toEqual([])
    await admin.close()
    await colleague.close()
  })
})
