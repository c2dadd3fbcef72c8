import { describe, expect, it } from 'vitest'
import { icoParagraph } from '../../src/domain/complaint.js'
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

describe('a complaint about how a request was handled (DPA 2018 s.164A)', () => {
  it('is made online, acknowledged, kept informed and closed with an outcome the person can read', async () => {
    const { baseUrl, services } = setup.portal()
    const password = 'correct horse battery staple'
    await services.accounts.createUser({
      email: 'dpo@portal.test',
      role: 'dpo',
      displayName: 'Dana Officer',
      password,
    })

    // The person complains through the online form.
    const personContext = await setup.browser().newContext({ viewport: { width: 1000, height: 900 } })
    const person = await personContext.newPage()
    const personProblems = watchConsole(person)
    await person.goto(`${baseUrl}/complaint`)
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-01-start')
    await clickAndWait(person, 'a:has-text("Start now")')
    await person.check('input[name="subject"][value="request_handling"]')
    await person.fill('#whatHappened', 'My access request was answered late and left out the voucher emails.')
    await person.fill('#desiredOutcome', 'The voucher emails, and to know why they were missed.')
    const study = person.locator('input[name="study"]')
    if ((await study.count()) > 0) await study.first().check()
    await person.fill('#email', 'pat@example.org')
    await person.fill('#name', 'Pat Doe')
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-02-form')
    await clickAndWait(person, 'button:has-text("Send complaint")')
    expect(await person.textContent('h1')).toContain('Check your email')
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-03-check-email')

    // … confirms it from the email, and gets the acknowledgement at once.
    const confirmation = await latestMail(services, 'complaint-confirm')
    expect(confirmation.to).toBe('pat@example.org')
    const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/complaint\/confirm\/[A-Za-z0-9_-]{43})/.exec(
      confirmation.text,
    )?.[1] as string
    await person.goto(confirmUrl)
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-04-confirm')
    await clickAndWait(person, 'button:has-text("Confirm complaint")')
    const reference = (await person.textContent('.govuk-panel'))?.match(/CMP-\d{4}-\d{5}/)?.[0] as string
    expect(reference).toMatch(/^CMP-\d{4}-00001$/)
    const acknowledgement = await latestMail(services, 'complaint-acknowledgement')
    expect(acknowledgement.to).toBe('pat@example.org')
    expect(await person.textContent('main')).toContain('Thank you for your complaint')
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-05-confirmed')
    const statusUrl = person.url()

    // The DPO finds it in the queue beside the requests.
    const staffContext = await setup.browser().newContext({ viewport: { width: 1400, height: 900 } })
    const dpo = await staffContext.newPage()
    const staffProblems = watchConsole(dpo)
    await signIn(dpo, baseUrl, 'dpo@portal.test', password)
    await clickAndWait(dpo, '.govuk-service-navigation a:has-text("Complaints")')
    expect(await dpo.locator('h1').textContent()).toContain('Complaints')
    // Acknowledged on confirmation: not waiting for an acknowledgement.
    expect(await dpo.textContent('main')).toContain('Acknowledgement due (0)')
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-01-queue-acknowledgement-due')
    await clickAndWait(dpo, 'a:has-text("Open (1)")')
    expect(await dpo.textContent('main')).toContain(reference)
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-02-queue-open')

    await clickAndWait(dpo, `a:has-text("${reference}")`)
    expect(await dpo.locator('h1').textContent()).toContain(reference)
    const page = await dpo.textContent('main')
    expect(page).toContain('Counting 30 days from the day after')
    expect(page).toContain('not a statutory deadline')
    expect(page).toContain('Pat Doe – pat@example.org')
    expect(page).toContain('left out the voucher emails')
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-03-complaint')

    // A progress update.
    await dpo.click('summary:has-text("Send a progress update")')
    await dpo.fill('#update-letter', 'We have asked the study team for every voucher email sent to you.')
    await clickAndWait(dpo, 'button:has-text("Send update")')
    expect(await dpo.textContent('main')).toContain('Progress update emailed.')
    await expectAccessible(dpo)

    // Closing: the outcome needs what will change when upheld, and the ICO paragraph is the portal's.
    await dpo.click('summary:has-text("Close with an outcome")')
    await dpo.check('input[name="outcome"][value="partly_upheld"]')
    await dpo.fill(
      '#close-letter',
      'We found that two voucher emails were missed when we answered your request.',
    )
    await clickAndWait(dpo, 'button:has-text("Send the outcome and close")')
    expect(await dpo.textContent('.govuk-error-summary')).toContain('Enter what will change')
    expect(await dpo.inputValue('#close-letter')).toContain('two voucher emails were missed')
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-04-outcome-error')
    await dpo.fill(
      '#changes',
      'Access searches now include the voucher mailbox. We have sent you the two emails.',
    )
    await clickAndWait(dpo, 'button:has-text("Send the outcome and close")')
    expect(await dpo.textContent('main')).toContain('Outcome emailed. The complaint is closed.')
    expect(await dpo.textContent('main')).toContain('Closed with an outcome; letter sent')
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-05-closed')
    const outcome = await latestMail(services, 'complaint-outcome')
    expect(outcome.text).toContain(icoParagraph)

    // The person sees the update and the outcome on their status page.
    await person.goto(statusUrl)
    const status = await person.textContent('main')
    expect(status).toContain('every voucher email sent to you')
    expect(status).toContain('Our decision: we uphold part of your complaint.')
    expect(status).toContain('What will change: Access searches now include the voucher mailbox.')
    expect(status).toContain('Information Commissioner')
    await expectAccessible(person)
    await screenshot(person, 'complaint-person-06-outcome')

    // The dashboard counts it.
    await dpo.goto(`${baseUrl}/staff/dashboard`)
    expect(await dpo.textContent('#complaints ~ .app-figures')).toContain('1 complaint')
    await expectAccessible(dpo)
    await dpo.locator('#complaints').scrollIntoViewIfNeeded()
    await screenshot(dpo, 'complaint-staff-06-dashboard')

    expect(personProblems).toEqual([])
    expect(staffProblems).toEqual([])
    await personContext.close()
    await staffContext.close()
  })

  it('is logged by staff from a letter, with its clock from the date received and its letters kept for posting', async () => {
    const { baseUrl } = setup.portal()
    const staffContext = await setup.browser().newContext({ viewport: { width: 1400, height: 900 } })
    const dpo = await staffContext.newPage()
    const problems = watchConsole(dpo)
    await signIn(dpo, baseUrl, 'dpo@portal.test', 'correct horse battery staple')
    await dpo.goto(`${baseUrl}/staff/complaints`)
    await clickAndWait(dpo, 'a:has-text("Log a complaint")')
    await clickAndWait(dpo, 'button:has-text("Log complaint")')
    expect(await dpo.textContent('.govuk-error-summary')).toContain('Select how the complaint arrived')
    await expectAccessible(dpo)
    await dpo.check('input[name="channel"][value="post"]')
    await dpo.fill('#receivedOn', '2026-01-15')
    await dpo.check('input[name="subject"][value="data_use"]')
    await dpo.fill('#whatHappened', 'A survey reminder came after I asked to leave the study.')
    await dpo.fill('#name', 'Sam Post')
    await screenshot(dpo, 'complaint-staff-07-log-form')
    await clickAndWait(dpo, 'button:has-text("Log complaint")')
    const main = await dpo.textContent('main')
    expect(main).toContain('Received on 15 January 2026')
    expect(main).toContain('Record the acknowledgement for posting')
    await clickAndWait(dpo, 'button:has-text("Record the acknowledgement for posting")')
    expect(await dpo.textContent('main')).toContain(
      'Acknowledgement recorded: print the letter below and post it.',
    )
    expect(await dpo.textContent('main')).toContain('print each letter to them and post it')
    await expectAccessible(dpo)
    await screenshot(dpo, 'complaint-staff-08-logged-for-posting')
    expect(problems).toEqual([])
    await staffContext.close()
  })
})
