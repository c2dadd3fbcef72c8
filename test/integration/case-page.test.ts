import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, postCaseAction } from '../helpers/cases.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-11-01T10:00:00Z' })
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () => Readable.from(['email,participated\nlinked@example.org,2021-06-01\n']),
      actor: { type: 'system', id: 'test' },
    },
  )
})
afterEach(async () => {
  await ctx.destroy()
})

const post = postCaseAction
const row = (id: string) => ctx.services.db('rights_requests').where({ id }).first()
const eventsOf = async (id: string, kind: string) => ctx.services.db('events').where({ subject_id: id, kind })
const errorSummary = (html: string) =>
  [
    ...(/govuk-error-summary__list[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '').matchAll(
      /<a href="([^"]+)">([^<]+)<\/a>/g,
    ),
  ].map((m) => [m[1], m[2]])

describe('the case page, built for action', () => {
  it('leads with the summary, the next thing to do and the actions, then the sections to jump to', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { page } = await caseForm(agent, requestId)
    const html = page.text
    const at = (text: string) => {
      const i = html.indexOf(text)
      expect(i, text).toBeGreaterThan(-1)
      return i
    }
    expect(html).toContain('Log the search of each place the person’s data may be held.')
    expect(html).toMatch(/Due<\/dt><dd class="app-facts__value">1 December 2021 \(30 days left\)/)
    expect(at('The next thing to do')).toBeLessThan(at('id="actions"'))
    expect(at('id="actions"')).toBeLessThan(at('Send answer and complete'))
    // The actions come before the long sections: the answer, the record, the timeline.
    expect(at('Send answer and complete')).toBeLessThan(at('id="timeline"'))
    for (const anchor of ['#summary', '#actions', '#answer', '#searches', '#parts', '#record', '#timeline']) {
      expect(html, anchor).toContain(`href="${anchor}"`)
      expect(html, anchor).toContain(`id="${anchor.slice(1)}"`)
    }
    // The timeline speaks in words, with UK-time dates.
    expect(html).toContain('Confirmed by the person from the emailed link; clock started')
    expect(html).toContain('1 November 2021, 10:00am')
    expect(html).not.toMatch(/request\.(submitted|confirmed)/)
  })

  it('attaches the export, then prepares; a file attached after preparing asks for it to be prepared again', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await post(
      agent,
      requestId,
      'searches',
      { place: 'Survey platform', searchedOn: '2021-11-01', found: 'One response' },
      303,
    )
    let { page } = await caseForm(agent, requestId)
    expect(page.text).toContain('Attach the person’s answers exported from the survey platform.')
    expect(page.text.indexOf('1. Attach a file to the answer')).toBeLessThan(
      page.text.indexOf('2. Prepare the answer'),
    )

    await post(agent, requestId, 'prepare-answer', {}, 303)
    const { csrf } = await caseForm(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
      .attach('attachment', Buffer.from('response,1\n'), 'survey-answers.csv')
      .expect(303)
    ;({ page } = await caseForm(agent, requestId))
    const prompt = 'A file was attached after you prepared the answer: prepare it again to include it.'
    expect(page.text).toContain(prompt)
    expect(page.text).toMatch(
      /id="answer-changed-title"[\s\S]*?<form method="post" action="\/staff\/requests\/[^"]+\/prepare-answer"/,
    )
    expect(page.text).toContain('Prepare the answer again')
    // The same size in words as the person will see.
    expect(page.text).toContain('11 bytes')

    await post(agent, requestId, 'prepare-answer', {}, 303)
    ;({ page } = await caseForm(agent, requestId))
    expect(page.text).not.toContain(prompt)
    expect(page.text).toContain('Send the answer to the person and complete the request.')
  })
})

describe('confirming before acting', () => {
  it('asks before erasing the address, and erases only once confirmed', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const reference = (await row(requestId)).reference as string
    const asked = await post(agent, requestId, 'erase-record', {}, 200)
    expect(asked.text).toContain(`Erase the email address of ${reference}?`)
    expect(asked.text).toContain('This cannot be undone.')
    expect(asked.text).toContain('name="confirm" value="yes"')
    expect(asked.text).toContain('No, go back to the case')
    expect(await eventsOf(requestId, 'case.record_erased')).toHaveLength(0)
    const record = await ctx.services
      .db('email_records')
      .where({ id: (await row(requestId)).record_id })
      .first()
    expect(record.erased_at ?? null).toBeNull()

    await post(agent, requestId, 'erase-record', { confirm: 'no' }, 200)
    expect(await eventsOf(requestId, 'case.record_erased')).toHaveLength(0)

    await post(agent, requestId, 'erase-record', { confirm: 'yes' }, 303)
    expect(await eventsOf(requestId, 'case.record_erased')).toHaveLength(1)
  })

  it('asks before closing, carrying what was typed, and closes only once confirmed', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const reference = (await row(requestId)).reference as string
    const missing = await post(agent, requestId, 'close', { as: 'withdrawn', note: '' }, 400)
    expect(errorSummary(missing.text)).toEqual([['#close-note', 'Enter how the person withdrew the request']])

    const asked = await post(agent, requestId, 'close', { as: 'withdrawn', note: 'They phoned us' }, 200)
    expect(asked.text).toContain(`Close ${reference} as withdrawn?`)
    expect(asked.text).toContain('name="note" value="They phoned us"')
    expect((await row(requestId)).status).toBe('received')

    await post(agent, requestId, 'close', { as: 'withdrawn', note: 'They phoned us', confirm: 'yes' }, 303)
    expect((await row(requestId)).status).toBe('withdrawn')
  })
})

describe('the refusal form', () => {
  it('shows every problem at once, in page order, and keeps what was typed', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const both = await post(agent, requestId, 'refuse', { ground: '', letter: '' }, 400)
    expect(errorSummary(both.text)).toEqual([
      ['#ground', 'Select the reason for refusing'],
      ['#refuse-letter', 'Enter the reasons for the refusal'],
    ])
    const unfinished = await post(
      agent,
      requestId,
      'refuse',
      { ground: 'not_a_ground', letter: 'We refuse because [say why here].' },
      400,
    )
    expect(errorSummary(unfinished.text)).toEqual([
      ['#ground', 'Select the reason for refusing'],
      ['#refuse-letter', 'Replace [say why here] with the reasons for the refusal'],
    ])
    expect(unfinished.text).toContain('We refuse because [say why here].')
    expect((await row(requestId)).status).toBe('received')
  })
})
