import { readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { importEmailRecords } from '../../src/records/import.js'
import type { TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import {
  chooseFirstResolution,
  clickAndWait,
  expectAccessible,
  latestMail,
  screenshot,
  signIn,
  useBrowserAndPortal,
  watchConsole,
} from './browser.js'

const setup = useBrowserAndPortal()

describe('a DPO answers access and erasure against the email record', () => {
  it('sends the access answer as a download, then erases the address and its downloads', async () => {
    const { services } = setup.portal()
    const password = 'correct horse battery staple'
    await services.accounts.createUser({
      email: 'dpo@portal.test',
      role: 'dpo',
      displayName: 'Dana Officer',
      password,
    })
    const study = (await services.studies.listAccepting())[0]!
    await importEmailRecords(
      { db: services.db, secret: 'e2e-secret-0123456789abcdef0123456789abcdef', now: () => new Date() },
      {
        studyId: study.id,
        open: () =>
          Readable.from(['email,participated,voucher sent\nsam@example.org,2021-06-01,2021-09-01\n']),
        actor: { type: 'system', id: 'e2e' },
      },
    )
    const ctx = { services } as unknown as TestContext
    const access = await fileConfirmedRequest(ctx, { email: 'sam@example.org' })

    const staffContext = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
    const dpo = await staffContext.newPage()
    const problems = watchConsole(dpo)
    await signIn(dpo, setup.portal().baseUrl, 'dpo@portal.test', password)
    await dpo.goto(`${setup.portal().baseUrl}/staff/requests/${access.requestId}`)
    expect(await dpo.textContent('main')).toContain('Email record')
    expect(await dpo.textContent('main')).toContain('The survey answers can still be linked to this address')

    await dpo.setInputFiles('#attachment', {
      name: 'platform-export.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from('question,answer\nOccupation,Team manager\n'),
    })
    await clickAndWait(dpo, 'button:has-text("Attach file")')
    expect(await dpo.textContent('main')).toContain('File attached to the answer.')
    // The voucher was sent, so the correspondence about it is held too: its copy goes with the answer.
    await dpo.setInputFiles('#attachment', {
      name: 'voucher-correspondence.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('1 September 2021: your voucher is attached.\n'),
    })
    await clickAndWait(dpo, 'button:has-text("Attach file")')
    await clickAndWait(dpo, 'button:has-text("Prepare the answer")')
    expect(await dpo.textContent('main')).toContain('Access answer (Article 15)')
    await expectAccessible(dpo)
    await screenshot(dpo, 'records-01-access-prepared')

    await dpo.click('summary:has-text("Complete with an answer")')
    expect(await dpo.textContent('#complete-outcome')).toContain('Fulfilled')
    expect(await dpo.inputValue('#complete-letter')).toContain('Our answer includes your email address')
    await clickAndWait(dpo, 'button:has-text("Send answer and complete")')
    expect(await dpo.textContent('main')).toContain('Sent: the person can download it')
    await screenshot(dpo, 'records-02-access-sent')

    const letter = await latestMail(services, 'case-completion')
    const statusUrl = /(http:\/\/127\.0\.0\.1:\d+\/status\/[A-Za-z0-9_-]{43})/.exec(
      letter.text,
    )?.[1] as string
    const personContext = await setup.browser().newContext({ viewport: { width: 1000, height: 900 } })
    const person = await personContext.newPage()
    await person.goto(statusUrl)
    expect(await person.textContent('main')).toContain('Your data')
    await expectAccessible(person)
    await screenshot(person, 'records-03-person-downloads')
    const [download] = await Promise.all([
      person.waitForEvent('download'),
      person.click('a:has-text("Web page (HTML)")'),
    ])
    const html = await readFile(await download.path(), 'utf8')
    expect(download.suggestedFilename()).toMatch(/^your-data-DSR-\d{4}-\d+\.html$/)
    expect(html).toContain('sam@example.org')
    expect(html).toContain('Who receives it')
    const answerPage = await personContext.newPage()
    await answerPage.setContent(html)
    await expectAccessible(answerPage)
    await screenshot(answerPage, 'records-04-access-answer')
    await answerPage.close()

    const erasure = await fileConfirmedRequest(ctx, { email: 'sam@example.org', type: 'erasure' })
    await dpo.goto(`${setup.portal().baseUrl}/staff/requests/${erasure.requestId}`)
    await clickAndWait(dpo, 'button:has-text("Erase the address now")')
    expect(await dpo.textContent('h1')).toContain('Erase the email address of')
    await clickAndWait(dpo, 'button:has-text("Yes, erase the address")')
    expect(await dpo.textContent('main')).toContain('The address is erased')
    await screenshot(dpo, 'records-05-erased')
    for (let open = await dpo.locator('button:has-text("Mark done")').count(); open > 0; open--) {
      await chooseFirstResolution(dpo)
      await dpo.locator('input[name="taskNote"]').first().fill('Deleted on the platform by the study team.')
      await clickAndWait(dpo, 'button:has-text("Mark done") >> nth=0')
    }
    await dpo.click('summary:has-text("Complete with an answer")')
    expect(await dpo.textContent('#complete-outcome')).toContain('Fulfilled')
    expect(await dpo.inputValue('#complete-letter')).toContain('We deleted your email address on')
    await clickAndWait(dpo, 'button:has-text("Send answer and complete")')
    expect(await dpo.textContent('main')).toContain('The request is completed')
    await expectAccessible(dpo)
    await screenshot(dpo, 'records-06-erasure-completed')

    await person.reload()
    expect(await person.textContent('main')).toContain('Deleted: we erased the personal data it contained.')
    await screenshot(person, 'records-07-person-download-revoked')
    expect(problems).toEqual([])
    await staffContext.close()
    await personContext.close()
  })
})
