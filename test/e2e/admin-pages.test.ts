import { describe, expect, it } from 'vitest'
import {
  clickAndWait,
  expectAccessible,
  screenshot,
  signIn,
  useBrowserAndPortal,
  watchConsole,
} from './browser.js'

const setup = useBrowserAndPortal()

describe('administration pages', () => {
  it('are accessible and look finished', async () => {
    const password = 'correct horse battery staple'
    await setup.portal().services.accounts.createUser({
      email: 'admin@portal.test',
      role: 'admin',
      displayName: 'Ada Admin',
      password,
    })
    const context = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
    const page = await context.newPage()
    const problems = watchConsole(page)
    await signIn(page, setup.portal().baseUrl, 'admin@portal.test', password)

    const pages: [string, string][] = [
      ['/staff/users', 'admin-01-users'],
      ['/staff/users/new', 'admin-02-invite'],
      ['/staff/templates', 'admin-03-templates'],
      ['/staff/templates/refusal', 'admin-04-template'],
      ['/staff/settings', 'admin-05-settings'],
      ['/staff/account', 'admin-06-account'],
      ['/staff/requests/new', 'admin-07-log-choose'],
      [
        '/staff/requests/new/rectification?study=increasing-diversity-in-social-work-management',
        'admin-08-log-form',
      ],
    ]
    for (const [path, name] of pages) {
      const response = await page.goto(`${setup.portal().baseUrl}${path}`)
      expect(response?.status(), path).toBe(200)
      await expectAccessible(page)
      await screenshot(page, name)
      if (path === '/staff/account') expect(await page.locator('.app-qr svg').count()).toBe(1)
    }
    await page.goto(`${setup.portal().baseUrl}/staff/records/import`)
    await expectAccessible(page)
    await screenshot(page, 'admin-09-import')
    await page.setInputFiles('input[type="file"]', {
      name: 'export.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'Email,Participated,Voucher sent,Extracted on\njane@example.org,2021-06-01,2021-09-20,2021-09-15\n',
      ),
    })
    await clickAndWait(page, 'button:has-text("Check and import")')
    expect(await page.locator('h1').textContent()).toContain('Records imported')
    await expectAccessible(page)
    await screenshot(page, 'admin-10-import-report')
    await page.goto(`${setup.portal().baseUrl}/staff/records?email=jane%40example.org`)
    await clickAndWait(page, 'a:has-text("Open the record")')
    expect(await page.textContent('main')).toContain('Anonymised')
    await expectAccessible(page)
    await screenshot(page, 'admin-11-record')

    const study = '/staff/studies/increasing-diversity-in-social-work-management'
    const studyPages: [string, string][] = [
      ['/staff/studies', 'admin-12-studies'],
      [`${study}/edit`, 'admin-14-study-edit'],
      [`${study}/new-category`, 'admin-15-study-category'],
      [`${study}/categories/age/remove`, 'admin-16-study-category-remove'],
    ]
    for (const [path, name] of studyPages) {
      const response = await page.goto(`${setup.portal().baseUrl}${path}`)
      expect(response?.status(), path).toBe(200)
      await expectAccessible(page)
      await screenshot(page, name)
    }
    await page.goto(`${setup.portal().baseUrl}${study}/edit`)
    await page.fill('#surveyClosesOn', '2021-09-30')
    await page.fill('#voucherRetentionMonths', '')
    await clickAndWait(page, 'button:has-text("Save study details")')
    expect(await page.locator('.govuk-error-summary').count()).toBe(1)
    await expectAccessible(page)
    await page.fill('#voucherRetentionMonths', '3')
    await clickAndWait(page, 'button:has-text("Save study details")')
    expect(await page.textContent('main')).toContain('Survey closes: 31 August 2021 → 30 September 2021')
    await expectAccessible(page)
    await screenshot(page, 'admin-13-study')

    expect(problems).toEqual([])
    await context.close()
  })
})
