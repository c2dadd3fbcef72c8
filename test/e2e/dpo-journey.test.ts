import { describe, expect, it } from 'vitest'
import type { TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import {
  clickAndWait,
  expectAccessible,
  latestMail,
  screenshot,
  watchConsole,
  useBrowserAndPortal,
} from './browser.js'

const setup = useBrowserAndPortal()

describe('a DPO takes an access request to a lawful answer', () => {
  it('asks for clarification, gets the reply, extends and completes', async () => {
    const password = 'correct horse battery staple'
    await setup.portal().services.accounts.createUser({
      email: 'dpo@portal.test',
      role: 'dpo',
      displayName: 'Dana Officer',
      password,
    })
    const ctx = { services: setup.portal().services } as unknown as TestContext
    await fileConfirmedRequest(ctx, { email: 'jane@example.org' })

    const staffContext = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
    const dpo = await staffContext.newPage()
    const problems = watchConsole(dpo)
    await dpo.goto(`${setup.portal().baseUrl}/staff/login`)
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-01-sign-in')
    await dpo.fill('#email', 'dpo@portal.test')
    await dpo.fill('#password', password)
    await clickAndWait(dpo, 'button:has-text("Sign in")')
    expect(await dpo.locator('h1').textContent()).toContain('Requests')
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-02-queue')

    await clickAndWait(dpo, 'a:has-text("DSR-")')
    expect(await dpo.locator('h1').textContent()).toMatch(/DSR-\d{4}-00001/)
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-03-case')

    await dpo.click('summary:has-text("Ask the person")')
    await dpo.check('input[name="kind"][value="clarification"]')
    await dpo.fill('#ask-body', 'Which data do you want: the voucher emails, or everything?')
    await clickAndWait(dpo, 'button:has-text("Send and adjust the clock")')
    expect(await dpo.textContent('main')).toContain('Waiting for clarification')
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-04-case-paused')

    const question = await latestMail(setup.portal().services, 'case-clarification')
    const statusUrl = /(http:\/\/127\.0\.0\.1:\d+\/status\/[A-Za-z0-9_-]{43})/.exec(
      question.text,
    )?.[1] as string
    const personContext = await setup.browser().newContext({ viewport: { width: 1000, height: 900 } })
    const person = await personContext.newPage()
    await person.goto(statusUrl)
    expect(await person.textContent('main')).toContain('Which data do you want')
    await expectAccessible(person)
    await screenshot(person, 'person-01-question')
    await person.fill('#reply', 'Everything, please.')
    await clickAndWait(person, 'button:has-text("Send reply")')
    expect(await person.textContent('main')).toContain('Your reply has been sent')
    await expectAccessible(person)
    await screenshot(person, 'person-02-replied')

    await dpo.reload()
    expect(await dpo.textContent('main')).toContain('Everything, please.')
    await dpo.click('summary:has-text("Extend the time limit")')
    await dpo.fill(
      '#extend-letter',
      'Your request covers several systems, so we need longer. We will answer by {due}.',
    )
    await clickAndWait(dpo, 'button:has-text("Extend and send the notice")')
    expect(await dpo.textContent('main')).toContain('extended from')
    await screenshot(dpo, 'staff-05-case-extended')

    await clickAndWait(dpo, 'button:has-text("Prepare the answer")')
    expect(await dpo.textContent('main')).toContain('Draft: only staff can see it')
    await dpo.click('summary:has-text("Complete with an answer")')
    // Jane has no email record: the outcome follows from that, and is not chosen.
    expect(await dpo.textContent('#complete-outcome')).toContain('No personal data held')
    await clickAndWait(dpo, 'button:has-text("Send answer and complete")')
    expect(await dpo.textContent('main')).toContain('The request is completed')
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-06-case-completed')

    await person.reload()
    expect(await person.textContent('main')).toContain('Completed')
    await screenshot(person, 'person-03-answered')

    // Completed on the wrong case: reopened with a reason, the person is told.
    await dpo.click('summary:has-text("Reopen this request")')
    await clickAndWait(dpo, 'button:has-text("Reopen request")')
    expect(await dpo.textContent('.govuk-error-summary')).toContain('Enter why the request is being reopened')
    await expectAccessible(dpo)
    await dpo.fill('#reopenReason', 'Completed by mistake: the platform export was still to come')
    await clickAndWait(dpo, 'button:has-text("Reopen request")')
    expect(await dpo.textContent('main')).toContain('Request reopened')
    expect(await dpo.textContent('main')).toContain('Reopened; the person was told')
    await expectAccessible(dpo)
    await screenshot(dpo, 'staff-07-case-reopened')
    await person.reload()
    expect(await person.textContent('main')).toContain('We have reopened your request')
    await screenshot(person, 'person-04-reopened')

    expect(problems).toEqual([])
    await staffContext.close()
    await personContext.close()
  })
})
