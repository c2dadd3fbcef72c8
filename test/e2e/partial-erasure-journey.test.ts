import { Readable } from 'node:stream'
import type { Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
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

const password = 'correct horse battery staple'
const researchGround =
  'Erasing the data would make research in the public interest impossible or seriously impair it (Article 17(3)(d))'
const reasons =
  'Your answers are part of the sample the published analysis is built on; removing them now would bias the results on management diversity.'

beforeAll(async () => {
  const { services } = setup.portal()
  await services.accounts.createUser({
    email: 'dpo@portal.test',
    role: 'dpo',
    displayName: 'Dana Officer',
    password,
  })
  // Both took part and were sent a voucher; neither has been extracted, so their answers are still linked.
  const study = (await services.studies.listAccepting())[0]!
  await importEmailRecords(
    { db: services.db, secret: 'e2e-secret-0123456789abcdef0123456789abcdef', now: () => new Date() },
    {
      studyId: study.id,
      open: () =>
        Readable.from([
          'email,participated,voucher sent\nalex@example.org,2021-06-01,2021-09-01\nrobin@example.org,2021-06-02,2021-09-01\n',
        ]),
      actor: { type: 'system', id: 'e2e' },
    },
  )
})

async function signInAsDpo(): Promise<{ dpo: Page; problems: string[]; close: () => Promise<void> }> {
  const staffContext = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
  const dpo = await staffContext.newPage()
  const problems = watchConsole(dpo)
  await signIn(dpo, setup.portal().baseUrl, 'dpo@portal.test', password)
  expect(await dpo.locator('h1').textContent()).toContain('Requests')
  return { dpo, problems, close: () => staffContext.close() }
}

/** The parts table's rows, as "part | state | detail" text. */
async function partRows(dpo: Page): Promise<Map<string, { state: string; detail: string }>> {
  const rows = dpo.locator('#parts ~ table.govuk-table').first().locator('tbody tr')
  const result = new Map<string, { state: string; detail: string }>()
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = rows.nth(i).locator('td')
    result.set(((await cells.nth(0).textContent()) ?? '').trim(), {
      state: ((await cells.nth(1).textContent()) ?? '').trim(),
      detail: ((await cells.nth(2).textContent()) ?? '').replace(/\s+/g, ' ').trim(),
    })
  }
  return result
}

describe('a DPO erases the address but keeps the survey answers back on a research ground', () => {
  // Two browsers, a dozen page loads and axe four times: more than the default 60 s on a busy machine.
  it(
    'completes as partly fulfilled, and the person is told the ground, the reasons and their rights',
    { timeout: 120_000 },
    async () => {
      const { services, baseUrl } = setup.portal()

      // The participant asks for erasure and confirms from the emailed link.
      const personContext = await setup.browser().newContext({ viewport: { width: 1000, height: 900 } })
      const person = await personContext.newPage()
      const personProblems = watchConsole(person)
      await person.goto(baseUrl)
      await clickAndWait(person, 'a.govuk-button:has-text("Start now")')
      await person.check('input[value="erasure"]')
      await clickAndWait(person, 'button:has-text("Continue")')
      expect(person.url()).toContain('/request/erasure')
      await person.fill('#reason', 'I no longer want to be part of the study.')
      await person.fill('#email', 'alex@example.org')
      await person.fill('#name', 'Alex Taylor')
      await clickAndWait(person, 'button:has-text("Continue")')
      expect(await person.locator('h1').textContent()).toContain('Check your answers')
      await clickAndWait(person, 'button:has-text("Submit request")')
      expect(await person.locator('h1').textContent()).toContain('Check your email')
      const confirmation = await latestMail(services, 'confirm-request')
      expect(confirmation.to).toBe('alex@example.org')
      const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/confirm\/[A-Za-z0-9_-]{43})/.exec(
        confirmation.text,
      )?.[1]
      expect(confirmUrl).toBeDefined()
      await person.goto(confirmUrl as string)
      await clickAndWait(person, 'button:has-text("Confirm request")')
      expect(await person.locator('.govuk-panel').textContent()).toMatch(/DSR-\d{4}-\d+/)
      const statusUrl = person.url()
      expect(statusUrl).toMatch(/\/status\/[A-Za-z0-9_-]{43}$/)

      // The DPO opens the case: every part is still to do, and completing is not possible yet.
      const { dpo, problems, close } = await signInAsDpo()
      await clickAndWait(dpo, 'a:has-text("DSR-")')
      expect(await dpo.locator('h1').textContent()).toMatch(/DSR-\d{4}-\d+/)
      expect(await dpo.textContent('#record ~ dl')).toContain('Still linked to the address')
      expect(await dpo.locator('h2#parts').textContent()).toBe('What the request asked for')
      const before = await partRows(dpo)
      expect([...before.keys()]).toContain('Email address')
      expect([...before.keys()]).toContain('Answers to the survey questions')
      for (const [label, row] of before) {
        expect(row.state, label).toBe('To do')
        expect(row.detail, label).toContain('Erase the record')
      }
      expect(await dpo.textContent('main')).toContain('Not ready to complete.')

      // Keep the survey answers back, on the research ground, with the reasons for this case. This
      // comes before erasing: once the address is erased every part reads as done, and the form is gone.
      await dpo.click('#parts ~ details summary:has-text("Keep a part back, on a ground")')
      await dpo.getByRole('radio', { name: 'Answers to the survey questions', exact: true }).check()
      await dpo.getByRole('radio', { name: researchGround, exact: true }).check()
      await dpo.fill('#decide-reasoning', reasons)
      await clickAndWait(dpo, 'button:has-text("Record the decision")')
      expect(await dpo.textContent('.govuk-notification-banner')).toContain('Decision recorded.')
      expect((await partRows(dpo)).get('Answers to the survey questions')?.state).toBe('Kept back')
      expect(await dpo.textContent('main')).toContain('Email address: Erase the record')

      // Erase the address: each copy outside the portal becomes a task, ticked off here.
      await clickAndWait(dpo, 'button:has-text("Erase the address now")')
      expect(await dpo.textContent('main')).toContain('This cannot be undone.')
      await clickAndWait(dpo, 'button:has-text("Yes, erase the address")')
      expect(await dpo.textContent('.govuk-notification-banner')).toContain('The address is erased')
      const tasks = await dpo.locator('button:has-text("Mark done")').count()
      expect(tasks).toBeGreaterThan(0)
      for (let open = tasks; open > 0; open--) {
        await chooseFirstResolution(dpo)
        await dpo
          .locator('input[name="taskNote"]')
          .first()
          .fill('Deleted on the survey platform by the study team.')
        await clickAndWait(dpo, 'button:has-text("Mark done") >> nth=0')
        expect(await dpo.textContent('.govuk-notification-banner')).toContain('Task done.')
      }
      expect(await dpo.locator('button:has-text("Mark done")').count()).toBe(0)
      expect(await dpo.locator('#tasks ~ ul .govuk-tag:has-text("Done")').count()).toBe(tasks)

      const after = await partRows(dpo)
      expect(after.get('Email address')?.state).toBe('Done')
      expect(after.get('Answers to the survey questions')?.state).toBe('Kept back')
      expect(after.get('Answers to the survey questions')?.detail).toContain(researchGround)
      expect(after.get('Answers to the survey questions')?.detail).toContain(`Reasons: ${reasons}`)
      expect(
        (await dpo.locator('#parts ~ p:has-text("Completing now records:")').textContent())?.replace(
          /\s+/g,
          ' ',
        ),
      ).toContain('Completing now records: Partly fulfilled.')
      await expectAccessible(dpo)
      await screenshot(dpo, 'partial-erasure-01-case-before-completing')

      // The answer: the portal's closing part quotes the ground, the reasons and the Art. 12(4) rights.
      await dpo.click('summary:has-text("Complete with an answer")')
      const completeForm = dpo.locator('form:has(#complete-letter)')
      expect(await completeForm.locator('#complete-outcome').textContent()).toContain('Partly fulfilled')
      expect(await completeForm.textContent()).toContain('The portal adds this to the end of the letter:')
      const closing = (await completeForm.locator('.govuk-inset-text').textContent()) ?? ''
      expect(closing).toContain('Answers to the survey questions')
      expect(closing).toContain(researchGround)
      expect(closing).toContain(reasons)
      expect(closing).toContain("Information Commissioner's Office")
      expect(closing).toContain('judicial remedy')
      expect(await dpo.inputValue('#complete-letter')).toContain('We deleted your email address')
      await screenshot(dpo, 'partial-erasure-02-complete-form')
      await clickAndWait(dpo, 'button:has-text("Send answer and complete")')
      expect(await dpo.textContent('main')).toContain('The request is completed')
      await expectAccessible(dpo)
      await screenshot(dpo, 'partial-erasure-03-case-completed')

      // The person's letter carries what was kept back, why, and how to challenge it (Art. 12(4)).
      const letter = await latestMail(services, 'case-completion')
      expect(letter.to).toBe('alex@example.org')
      expect(letter.text).toContain('We deleted your email address')
      expect(letter.text).toContain('What we have not done, and why:')
      expect(letter.text).toContain(`- Answers to the survey questions: ${researchGround}. ${reasons}`)
      expect(letter.text).toContain('Article 17(3)(d)')
      expect(letter.text).toContain("Information Commissioner's Office")
      expect(letter.text).toContain('judicial remedy')

      await person.goto(statusUrl)
      const status = (await person.textContent('main')) ?? ''
      expect(status).toContain('Partly fulfilled')
      expect(status).toContain('Article 17(3)(d)')
      expect(status).toContain(reasons)
      expect(status).toContain("Information Commissioner's Office")
      expect(status).toContain('judicial remedy')
      await expectAccessible(person)
      await screenshot(person, 'partial-erasure-04-person-status')

      expect(problems).toEqual([])
      expect(personProblems).toEqual([])
      await close()
      await personContext.close()
    },
  )
})

describe('a DPO cannot complete an erasure that erased nothing', () => {
  it('shows the error summary linking to the parts, and the request stays open', async () => {
    const { services, baseUrl } = setup.portal()
    const ctx = { services } as unknown as TestContext
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'robin@example.org', type: 'erasure' })

    const { dpo, problems, close } = await signInAsDpo()
    await dpo.goto(`${baseUrl}/staff/requests/${requestId}`)
    await dpo.click('summary:has-text("Complete with an answer")')
    expect(await dpo.textContent('#complete-outcome')).toContain('not ready.')
    await clickAndWait(dpo, 'button:has-text("Send answer and complete")')

    const summary = dpo.locator('.govuk-error-summary')
    expect(await summary.isVisible()).toBe(true)
    const link = summary.locator('a[href="#parts"]')
    expect(await link.count()).toBe(1)
    expect(await link.textContent()).toContain('Erase the record, or record why it is not done')
    expect(await dpo.textContent('main')).not.toContain('The request is completed')
    await expectAccessible(dpo)
    await screenshot(dpo, 'partial-erasure-05-complete-refused')

    // The link takes the DPO to the parts of the request.
    await link.click()
    await dpo.waitForURL(/#parts$/)
    expect(await dpo.locator('h2#parts').isVisible()).toBe(true)

    // Still open: nothing was sent, and the case still offers completing.
    await dpo.goto(`${baseUrl}/staff/requests/${requestId}`)
    expect(await dpo.locator('summary:has-text("Complete with an answer")').count()).toBe(1)
    expect(await dpo.textContent('main')).toContain('Not ready to complete.')
    const row = await services
      .db<{ id: string; status: string }>('rights_requests')
      .where({ id: requestId })
      .first()
    expect(row?.status).toBe('received')
    const sent = await services
      .db<{ request_id: string; kind: string }>('outbox')
      .where({ request_id: requestId, kind: 'case-completion' })
    expect(sent).toEqual([])

    expect(problems).toEqual([])
    await close()
  })
})
