import { Readable } from 'node:stream'
import type { Locator, Page } from 'playwright-core'
import { beforeAll, describe, expect, it } from 'vitest'
import { recipientsOf } from '../../src/domain/case-work.js'
import { formatLongDate, londonDate } from '../../src/domain/clock.js'
import { importEmailRecords } from '../../src/records/import.js'
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

const password = 'correct horse battery staple'
const inaccurate = 'My occupation is out of date, and my age band is missing a note.'
const correction = 'Team manager (since January)'
const statement = 'I answered the age question a week before my birthday in June.'
let recipients: string[] = []
let categoryLabels: string[] = []

beforeAll(async () => {
  const { services } = setup.portal()
  await services.accounts.createUser({
    email: 'dpo@portal.test',
    role: 'dpo',
    displayName: 'Dana Officer',
    password,
  })
  const study = (await services.studies.listAccepting())[0]!
  recipients = recipientsOf(study.recipients)
  categoryLabels = (await services.studies.dataMap(study.id)).map((c) => c.label)
  // Sam took part and was sent a voucher; nothing has been extracted, so the answers are still linked.
  await importEmailRecords(
    { db: services.db, secret: 'e2e-secret-0123456789abcdef0123456789abcdef', now: () => new Date() },
    {
      studyId: study.id,
      open: () => Readable.from(['email,participated,voucher sent\nsam@example.org,2021-06-01,2021-09-01\n']),
      actor: { type: 'system', id: 'e2e' },
    },
  )
})

const squash = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').trim()

/** The parts table's rows, by part, as state and detail text. */
async function partRows(dpo: Page): Promise<Map<string, { state: string; detail: string }>> {
  const rows = dpo.locator('#parts ~ table.govuk-table').first().locator('tbody tr')
  const result = new Map<string, { state: string; detail: string }>()
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = rows.nth(i).locator('td')
    result.set(squash(await cells.nth(0).textContent()), {
      state: squash(await cells.nth(1).textContent()),
      detail: squash(await cells.nth(2).textContent()),
    })
  }
  return result
}

/** The task list item whose title contains the text. */
function taskItem(dpo: Page, title: string): Locator {
  return dpo.locator('#tasks ~ ul.govuk-list > li').filter({ hasText: title })
}

const recipientTaskTitle = (recipient: string) =>
  `Tell this recipient about the correction (Article 19): ${recipient}`

describe('a person corrects their survey data, and asks whom we told', () => {
  // Two browsers, some twenty page loads and axe on each: more than the default 60 s on a busy machine.
  it(
    'is corrected on the platform, completed by their statement, passed on to each recipient, and answered',
    { timeout: 180_000 },
    async () => {
      const { services, baseUrl } = setup.portal()
      const today = formatLongDate(londonDate(new Date()))

      // The public form: the data categories come from the study's data map.
      const personContext = await setup.browser().newContext({ viewport: { width: 1000, height: 900 } })
      const person = await personContext.newPage()
      const personProblems = watchConsole(person)
      await person.goto(baseUrl)
      await clickAndWait(person, 'a.govuk-button:has-text("Start now")')
      await person.check('input[value="rectification"]')
      await clickAndWait(person, 'button:has-text("Continue")')
      expect(person.url()).toContain('/request/rectification')
      const categories = person.locator('fieldset:has(#categories)')
      expect(squash(await categories.locator('legend').textContent())).toBe(
        'Which data is wrong or incomplete?',
      )
      const offered = await categories.locator('.govuk-checkboxes__label').allTextContents()
      expect(offered.map(squash)).toEqual(categoryLabels)
      expect(offered.map(squash)).toEqual(expect.arrayContaining(['Occupation', 'Age']))
      await expectAccessible(person)

      // Everything but the data: refused, on the categories only, with what was typed kept.
      await person.fill('#inaccurate', inaccurate)
      await person.fill('#correction', correction)
      await person.fill('#statement', statement)
      await person
        .getByRole('checkbox', { name: 'Tell me who you shared my data with, and whether you told them' })
        .check()
      await person.fill('#email', 'sam@example.org')
      await person.fill('#name', 'Sam Patel')
      await clickAndWait(person, 'button:has-text("Continue")')
      const summary = person.locator('.govuk-error-summary')
      expect(await summary.isVisible()).toBe(true)
      const summaryLinks = summary.locator('a')
      expect(await summaryLinks.count()).toBe(1)
      expect(await summaryLinks.first().getAttribute('href')).toBe('#categories')
      expect(squash(await summaryLinks.first().textContent())).toBe(
        'Select the data that is wrong or incomplete',
      )
      expect(squash(await person.locator('#categories-error').textContent())).toContain(
        'Select the data that is wrong or incomplete',
      )
      expect(await person.locator('.govuk-form-group--error').count()).toBe(1)
      expect(await person.locator('input[name="categories"]:checked').count()).toBe(0)
      expect(await person.inputValue('#inaccurate')).toBe(inaccurate)
      expect(await person.inputValue('#correction')).toBe(correction)
      expect(await person.inputValue('#statement')).toBe(statement)
      expect(await person.isChecked('#askRecipients')).toBe(true)
      expect(await person.inputValue('#email')).toBe('sam@example.org')
      expect(await person.inputValue('#name')).toBe('Sam Patel')
      await expectAccessible(person)
      await screenshot(person, 'rectification-01-public-form-errors')
      // The summary's link takes the person to the first checkbox.
      await summaryLinks.first().click()
      expect(await person.evaluate<string>('document.activeElement.id')).toBe('categories')

      await person.getByRole('checkbox', { name: 'Occupation', exact: true }).check()
      await person.getByRole('checkbox', { name: 'Age', exact: true }).check()
      await clickAndWait(person, 'button:has-text("Continue")')
      expect(await person.locator('h1').textContent()).toContain('Check your answers')
      await clickAndWait(person, 'button:has-text("Submit request")')
      expect(await person.locator('h1').textContent()).toContain('Check your email')
      const confirmation = await latestMail(services, 'confirm-request')
      expect(confirmation.to).toBe('sam@example.org')
      const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/confirm\/[A-Za-z0-9_-]{43})/.exec(
        confirmation.text,
      )?.[1]
      expect(confirmUrl).toBeDefined()
      await person.goto(confirmUrl as string)
      await clickAndWait(person, 'button:has-text("Confirm request")')
      const reference = /DSR-\d{4}-\d{5}/.exec(
        (await person.locator('.govuk-panel').textContent()) ?? '',
      )?.[0]
      expect(reference).toBeDefined()
      const statusUrl = person.url()
      expect(statusUrl).toMatch(/\/status\/[A-Za-z0-9_-]{43}$/)

      // The DPO opens the case: the two named categories are the parts, both still to decide.
      const staffContext = await setup.browser().newContext({ viewport: { width: 1200, height: 900 } })
      const dpo = await staffContext.newPage()
      const problems = watchConsole(dpo)
      await signIn(dpo, baseUrl, 'dpo@portal.test', password)
      expect(await dpo.locator('h1').textContent()).toContain('Requests')
      await clickAndWait(dpo, `a:has-text("${reference as string}")`)
      expect(await dpo.locator('h1').textContent()).toBe(reference)
      expect(await dpo.textContent('#record ~ dl')).toContain('Still linked to the address')
      const before = await partRows(dpo)
      expect([...before.keys()]).toEqual(['Occupation', 'Age'])
      for (const [label, row] of before) {
        expect(row.state, label).toBe('To do')
        expect(row.detail, label).toBe('Record the decision on this correction.')
      }
      expect(await dpo.locator('h3#rectification').textContent()).toBe('Decide a correction')
      const decisionForm = dpo.locator('form:has(#rectify-category)')
      expect(squash(await dpo.locator('#rectification ~ .govuk-inset-text').first().textContent())).toBe(
        `The person’s supplementary statement: ${statement}`,
      )
      expect(
        (
          await decisionForm
            .locator('#rectify-category')
            .locator('xpath=ancestor::fieldset')
            .locator('label')
            .allTextContents()
        ).map(squash),
      ).toEqual(['Occupation', 'Age'])
      expect(await decisionForm.locator('input[name="decision"]').count()).toBe(3)
      expect(await dpo.locator('#tasks ~ p').first().textContent()).toBe('No tasks.')
      await expectAccessible(dpo)
      await screenshot(dpo, 'rectification-02-case-decision-form')

      // A decision with nothing chosen is refused on the category, and records nothing.
      await clickAndWait(dpo, 'form:has(#rectify-category) button:has-text("Record the decision")')
      const refused = dpo.locator('.govuk-error-summary a')
      expect(await refused.count()).toBe(1)
      expect(await refused.first().getAttribute('href')).toBe('#rectify-category')
      expect(await dpo.locator('#tasks ~ p').first().textContent()).toBe('No tasks.')
      await expectAccessible(dpo)

      // Occupation is wrong: correcting it on the survey platform becomes a task. Nobody is told yet.
      await decisionForm.getByRole('radio', { name: 'Occupation', exact: true }).check()
      await decisionForm.getByRole('radio', { name: 'It is wrong: correct it', exact: true }).check()
      await clickAndWait(dpo, 'form:has(#rectify-category) button:has-text("Record the decision")')
      expect(await dpo.textContent('.govuk-notification-banner')).toContain('Decision recorded.')
      const platformTitle = 'Correct their occupation on the survey platform, as the request asks'
      const platformTask = taskItem(dpo, platformTitle)
      expect(await platformTask.count()).toBe(1)
      expect(squash(await platformTask.locator('.govuk-tag').textContent())).toBe('To do')
      expect(await taskItem(dpo, 'Tell this recipient').count()).toBe(0)
      expect((await partRows(dpo)).get('Occupation')).toEqual({
        state: 'To do',
        detail: 'Tick off the task to correct it on the survey platform.',
      })

      // Age is incomplete: the person's statement is kept with the record, a rectification carried out,
      // so each recipient of the study becomes a task.
      expect(
        (
          await decisionForm
            .locator('#rectify-category')
            .locator('xpath=ancestor::fieldset')
            .locator('label')
            .allTextContents()
        ).map(squash),
      ).toEqual(['Age'])
      await decisionForm.getByRole('radio', { name: 'Age', exact: true }).check()
      await decisionForm
        .getByRole('radio', {
          name: 'It is incomplete: add the person’s supplementary statement to the record',
          exact: true,
        })
        .check()
      await clickAndWait(dpo, 'form:has(#rectify-category) button:has-text("Record the decision")')
      expect(await dpo.textContent('.govuk-notification-banner')).toContain('Decision recorded.')
      expect((await partRows(dpo)).get('Age')).toEqual({
        state: 'Done',
        detail: `The person’s supplementary statement was added to the record on ${today}.`,
      })
      // Every category is decided: the form is gone.
      expect(await dpo.locator('#rectification').count()).toBe(0)
      expect(recipients.length).toBeGreaterThan(1)
      const noticeTitles = (await taskItem(dpo, 'Tell this recipient').allTextContents()).map(squash)
      expect(noticeTitles).toHaveLength(recipients.length)
      // One task per recipient of the study, in the study's order, which the letter follows too.
      const listed = noticeTitles.map((t) => recipients.find((r) => t.includes(recipientTaskTitle(r))) ?? t)
      expect(listed).toEqual(recipients)
      await expectAccessible(dpo)
      await screenshot(dpo, 'rectification-03-tasks')

      // The platform task, ticked off: the occupation is corrected; the recipients are not added twice.
      await platformTask
        .locator('input[name="taskNote"]')
        .fill('Changed in the platform admin by the study team.')
      expect(await platformTask.locator('input[name="resolution"]').count()).toBe(0)
      // Each task's button says which task it ticks off, to those who hear it out of context.
      expect(
        await platformTask
          .getByRole('button', { name: `Mark done for “${platformTitle}”`, exact: true })
          .count(),
      ).toBe(1)
      await Promise.all([
        dpo.waitForNavigation(),
        platformTask.locator('button:has-text("Mark done")').click(),
      ])
      expect(await dpo.textContent('.govuk-notification-banner')).toContain('Task done.')
      expect(squash(await platformTask.locator('.govuk-tag').textContent())).toBe('Done')
      expect(squash(await platformTask.locator('p.govuk-body-s').textContent())).toBe(
        'Dana Officer: Changed in the platform admin by the study team.',
      )
      expect(await taskItem(dpo, 'Tell this recipient').count()).toBe(recipients.length)
      expect((await partRows(dpo)).get('Occupation')).toEqual({
        state: 'Done',
        detail: `Corrected on the survey platform on ${today}.`,
      })
      // Still open: completing is refused while a recipient is untold.
      expect(await dpo.textContent('main')).toContain(
        `Tick off every task before completing the request (${recipients.length} open).`,
      )

      // Each recipient: the first was told, the others never received the data.
      const told = recipients[0] as string
      const notes = new Map(
        recipients.map((r, i) => [
          r,
          i === 0 ? 'Emailed their data protection officer.' : 'Only anonymised data ever reaches them.',
        ]),
      )
      for (const recipient of recipients) {
        const item = taskItem(dpo, recipientTaskTitle(recipient))
        expect(await item.locator('input[name="resolution"]').count()).toBe(4)
        await item
          .getByRole('radio', {
            name: recipient === told ? 'Told them' : 'Not told: the data was never disclosed to them',
            exact: true,
          })
          .check()
        await item.locator('input[name="taskNote"]').fill(notes.get(recipient) as string)
        await Promise.all([dpo.waitForNavigation(), item.locator('button:has-text("Mark done")').click()])
        expect(await dpo.textContent('.govuk-notification-banner')).toContain('Task done.')
        expect(squash(await item.locator('.govuk-tag').textContent())).toBe('Done')
        expect(squash(await item.locator('p.govuk-body-s').textContent())).toBe(
          recipient === told
            ? `Dana Officer (Told them): ${notes.get(recipient) as string}`
            : `Dana Officer (Not told: the data was never disclosed to them): ${notes.get(recipient) as string}`,
        )
      }
      expect(await dpo.locator('button:has-text("Mark done")').count()).toBe(0)

      const after = await partRows(dpo)
      expect([...after.keys()]).toEqual(['Occupation', 'Age'])
      expect(after.get('Occupation')).toEqual({
        state: 'Done',
        detail: `Corrected on the survey platform on ${today}.`,
      })
      expect(after.get('Age')?.state).toBe('Done')
      expect(squash(await dpo.locator('#parts ~ p:has-text("Completing now records:")').textContent())).toBe(
        'Completing now records: Fulfilled.',
      )

      // The draft says what was corrected where, and, as the person asked, each recipient's fate.
      await dpo.click('summary:has-text("Complete with an answer")')
      const completeForm = dpo.locator('form:has(#complete-letter)')
      expect(squash(await completeForm.locator('#complete-outcome').textContent())).toContain(
        'Outcome: Fulfilled.',
      )
      // Nothing was kept back: the portal adds no grounds or complaint paragraph.
      expect(await completeForm.locator('.govuk-inset-text').count()).toBe(0)
      const draft = await dpo.inputValue('#complete-letter')
      const expectedRecipients = [
        'You asked us who we told about this (Article 19). These are the recipients of your data:',
        // A recipient listed as a sentence loses its full stop before the colon.
        ...listed.map((r) =>
          r === told
            ? `- ${r.replace(/\.$/, '')}: we told them on ${today}.`
            : `- ${r.replace(/\.$/, '')}: we did not need to tell them, because your data was never disclosed to them.`,
        ),
      ].join('\n')
      expect(draft).toContain(`Your occupation: we corrected it on the survey platform on ${today}.`)
      expect(draft).toContain(
        `Your age: we added your supplementary statement to our record of you on ${today}, so that it is read with the data.`,
      )
      expect(draft).toContain(expectedRecipients)
      expect(draft).not.toContain('email address')
      expect(draft).not.toContain('Only anonymised data ever reaches them')
      await screenshot(dpo, 'rectification-04-complete-form')
      await clickAndWait(dpo, 'button:has-text("Send answer and complete")')
      expect(await dpo.textContent('.govuk-notification-banner')).toContain(
        'Answer sent. The request is completed.',
      )
      expect(await dpo.textContent('main')).toContain('The request is completed')
      expect(squash(await dpo.textContent('main'))).toContain('Recorded outcome: Fulfilled.')
      expect(await dpo.locator('#rectification').count()).toBe(0)
      await expectAccessible(dpo)
      await screenshot(dpo, 'rectification-05-case-completed')

      // The person's letter, and their status page, carry the answer.
      const letter = await latestMail(services, 'case-completion')
      // The letter was posted from a textarea, whose line breaks arrive as CRLF.
      const letterText = letter.text.replace(/\r\n/g, '\n')
      expect(letter.to).toBe('sam@example.org')
      expect(letterText).toContain(`Your occupation: we corrected it on the survey platform on ${today}.`)
      expect(letterText).toContain(expectedRecipients)
      await person.goto(statusUrl)
      expect(squash(await person.locator('main .govuk-tag').first().textContent())).toBe('Completed')
      const status = (await person.textContent('main')) ?? ''
      expect(status).toContain(`Your occupation: we corrected it on the survey platform on ${today}.`)
      expect(status).toContain(
        `Your age: we added your supplementary statement to our record of you on ${today}`,
      )
      for (const r of recipients) expect(status).toContain(`- ${r.replace(/\.$/, '')}: we`)
      expect(status).not.toContain('Only anonymised data ever reaches them')
      await expectAccessible(person)
      await screenshot(person, 'rectification-06-person-status')

      expect(problems).toEqual([])
      expect(personProblems).toEqual([])
      await staffContext.close()
      await personContext.close()
    },
  )
})
