import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { partGrounds } from '../../src/domain/request-outcome.js'
import type { RequestDetails, RequestType } from '../../src/domain/request-types.js'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, dpoSignIn, postCaseAction, tickOffTasks as tickOffEveryTask } from '../helpers/cases.js'
import { createTestContext, csrfFrom, linkIn, testSecret, type TestContext } from '../helpers/context.js'
import { requestRow } from '../helpers/request-rows.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  // Monday 2 March 2026, under Art. 12A: the one-month deadline is Thursday 2 April.
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

const post = postCaseAction
const dpoAt = dpoSignIn(() => ctx)
const db = () => ctx.services.db

const row = (id: string) => db()('rights_requests').where({ id }).first()
const messagesOf = (id: string) => db()('request_messages').where({ request_id: id }).orderBy('created_at')
const completionOf = async (id: string) =>
  (await messagesOf(id)).find((m: { kind: string }) => m.kind === 'completion') as
    { body: string } | undefined
const mailOf = async (id: string, kind: string) =>
  (await ctx.outbox()).filter((m) => m.request_id === id && m.kind === kind).at(-1)
const counts = async (id: string) => ({
  messages: (await messagesOf(id)).length,
  mail: (await ctx.outbox()).filter((m) => m.request_id === id).length,
})

async function studyId(): Promise<string> {
  const study = (await ctx.services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  return study.id
}

/** Email records as the survey platform's export gives them: survey data still linked. */
async function importRecords(...addresses: string[]) {
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId: await studyId(),
      open: () =>
        Readable.from([`email,participated\n${addresses.map((a) => `${a},2021-06-01`).join('\n')}\n`]),
      actor: { type: 'system', id: 'test' },
    },
  )
}

async function file(type: RequestType, email: string, details?: RequestDetails) {
  return (await fileConfirmedRequest(ctx, { type, email, ...(details ? { details } : {}) })).requestId
}

/** The textarea's content on the case page, as the browser would submit it. */
function draftOf(html: string, id: string): string {
  const raw = new RegExp(`<textarea[^>]*id="${id}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html)?.[1]
  if (raw === undefined) throw new Error(`No textarea ${id} on the page`)
  return raw
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim()
}

/** The "What this right reaches" table of the case page. */
function rightsTable(html: string): string {
  const table = /What the right reaches, by category[\s\S]*?<\/table>/.exec(html)?.[0]
  if (!table) throw new Error('No rights table on the page')
  return table
}

async function draftOnCase(agent: Agent, requestId: string, id = 'complete-letter') {
  const { page } = await caseForm(agent, requestId)
  return draftOf(page.text, id)
}

/** Ticks off every task on the case, as the DPO would once the copies outside the portal are gone. */
const tickOffTasks = (agent: Agent, requestId: string) => tickOffEveryTask(ctx, agent, requestId)

describe('letters still holding a [reminder]', () => {
  it('are refused for a clarification, an extension and a free message, and nothing is sent', async () => {
    const requestId = await file('access', 'jane@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const { page } = await caseForm(agent, requestId)
    const drafts = {
      clarification: draftOf(page.text, 'ask-body'),
      extension: draftOf(page.text, 'extend-letter'),
      message: draftOf(page.text, 'message-body'),
    }
    for (const draft of Object.values(drafts)) expect(draft).toMatch(/\[[^\]]+\]/)
    const before = { ...(await counts(requestId)), row: await row(requestId) }

    const asked = await post(
      agent,
      requestId,
      'ask',
      { kind: 'clarification', body: drafts.clarification },
      400,
    )
    expect(asked.text).toContain('href="#ask-body"')
    const extended = await post(agent, requestId, 'extend', { letter: drafts.extension }, 400)
    expect(extended.text).toContain('href="#extend-letter"')
    const messaged = await post(agent, requestId, 'message', { body: drafts.message }, 400)
    expect(messaged.text).toContain('href="#message-body"')

    expect(await counts(requestId)).toEqual({ messages: before.messages, mail: before.mail })
    expect(await row(requestId)).toMatchObject({
      status: 'received',
      pause_kind: null,
      extended: before.row.extended,
      due_on: '2026-04-02',
      version: before.row.version,
    })
  })
})

describe('a rectification', () => {
  it('cannot be completed until the record is corrected, and then says what was corrected', async () => {
    await importRecords('jane@example.org')
    const requestId = await file('rectification', 'jane@example.org', {
      type: 'rectification',
      categories: ['email'],
      inaccurate: 'My email address',
      correction: 'jane.new@example.org',
    })
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const draft = await draftOnCase(agent, requestId)
    expect(draft).not.toContain('corrected')
    const blocked = await post(agent, requestId, 'complete', { letter: draft }, 400)
    expect(blocked.text).toContain('href="#parts"')
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null })
    expect(await completionOf(requestId)).toBeUndefined()

    await post(agent, requestId, 'rectify-address', { correctedEmail: 'jane.new@example.org' }, 303)
    // The platform's copy and each recipient are tasks: until they are done, the letter waits.
    expect(await draftOnCase(agent, requestId)).not.toContain('corrected')
    await tickOffTasks(agent, requestId)
    const corrected = await draftOnCase(agent, requestId)
    expect(corrected).toContain(
      'Your email address: we corrected it in our records and on the survey platform on 3 March 2026',
    )
    await post(agent, requestId, 'complete', { letter: corrected }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' })
    expect((await completionOf(requestId))?.body).toContain('Your email address: we corrected it')
  })
})

describe('an erasure', () => {
  it('cannot be completed until the record is erased and its tasks done, then is fulfilled', async () => {
    await importRecords('erase.me@example.org')
    const requestId = await file('erasure', 'erase.me@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const draft = await draftOnCase(agent, requestId)
    expect(draft).not.toContain('deleted')
    const blocked = await post(agent, requestId, 'complete', { letter: draft }, 400)
    expect(blocked.text).toContain('href="#parts"')
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null })

    await post(agent, requestId, 'erase-record', { confirm: 'yes' }, 303)
    const open = await post(agent, requestId, 'complete', { letter: draft }, 400)
    expect(open.text).toContain('href="#tasks"')
    await tickOffTasks(agent, requestId)
    const erased = await draftOnCase(agent, requestId)
    expect(erased).toContain('We deleted your email address on 3 March 2026')
    await post(agent, requestId, 'complete', { letter: erased }, 303)
    expect(await row(requestId)).toMatchObject({
      status: 'completed',
      outcome: 'fulfilled',
      outcome_reason: null,
    })
  })

  it('partly fulfilled: the letter gives the ground, the reasons and the rights, whatever the DPO wrote', async () => {
    await importRecords('keep.some@example.org')
    const requestId = await file('erasure', 'keep.some@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const reasoning = 'Wave 2 of the analysis is under way and your answers are part of its sample.'
    await post(
      agent,
      requestId,
      'decide',
      { part: 'survey_answers', ground: 'erasure_research', reasoning },
      303,
    )
    await post(agent, requestId, 'erase-record', { confirm: 'yes' }, 303)
    await tickOffTasks(agent, requestId)
    // The DPO's own letter says nothing of what was kept back.
    await post(agent, requestId, 'complete', { letter: 'We deleted your email address.' }, 303)

    expect(await row(requestId)).toMatchObject({
      status: 'completed',
      outcome: 'partly_fulfilled',
      outcome_reason: 'erasure_research: survey_answers',
    })
    const stored = (await completionOf(requestId))?.body ?? ''
    const mailed = (await mailOf(requestId, 'case-completion'))?.text_body ?? ''
    for (const letter of [stored, mailed]) {
      expect(letter).toContain('We deleted your email address.')
      expect(letter).toContain(`Answers to the survey questions: ${partGrounds.erasure_research}`)
      expect(letter).toContain(reasoning)
      expect(letter).toContain("complain to the Information Commissioner's Office")
      expect(letter).toContain('judicial remedy')
    }
  })

  // Erasing the address outranks an earlier decision to keep it back: the part is done, the
  // decision goes, and the letter never says the address was both kept and deleted.
  it('never tells the person their address was kept back after it was erased', async () => {
    await importRecords('contradiction@example.org')
    const requestId = await file('erasure', 'contradiction@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    await post(
      agent,
      requestId,
      'decide',
      { part: 'email', ground: 'erasure_legal_claims', reasoning: 'We are defending a claim.' },
      303,
    )
    const { csrf, version } = await caseForm(agent, requestId)
    const erase = await agent
      .post(`/staff/requests/${requestId}/erase-record`)
      .type('form')
      .send({ _csrf: csrf, version, confirm: 'yes' })
    const record = await db()('email_records')
      .where({ id: (await row(requestId)).record_id })
      .first()
    if (erase.status !== 303) {
      // Refusing the erasure while the address is kept back is a fix too.
      expect(record.erased_on).toBeNull()
      return
    }
    expect(record.erased_on).not.toBeNull()
    await tickOffTasks(agent, requestId)
    await post(agent, requestId, 'complete', { letter: await draftOnCase(agent, requestId) }, 303)
    const letter = (await completionOf(requestId))?.body ?? ''
    const saysDeleted = /email address[^.]*(has been|was) deleted|We deleted your email address/.test(letter)
    const saysKept = letter.includes('- Email address:')
    expect(saysDeleted && saysKept, letter).toBe(false)
  })
})

describe('an objection continued on compelling grounds', () => {
  const objection: RequestDetails = { type: 'objection', processing: 'purpose:occupation' }

  it('is not completed as if the processing stopped, and is refused on its Art. 21(1) ground', async () => {
    await importRecords('objector@example.org')
    const requestId = await file('objection', 'objector@example.org', objection)
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const noReasons = await post(
      agent,
      requestId,
      'decide-objection',
      { objectionDecision: 'compelling_grounds', objectionGrounds: ' ' },
      400,
    )
    expect(noReasons.text).toContain('href="#objectionGrounds"')
    await post(
      agent,
      requestId,
      'decide-objection',
      {
        objectionDecision: 'compelling_grounds',
        objectionGrounds: 'The survey is the statutory evaluation of the programme.',
      },
      303,
    )
    expect(await db()('request_decisions').where({ request_id: requestId })).toMatchObject([
      { part: 'processing', ground: 'compelling_grounds' },
    ])

    const draft = await draftOnCase(agent, requestId)
    expect(draft).not.toMatch(/stop/i)
    const refuseInstead = await post(agent, requestId, 'complete', { letter: draft }, 400)
    expect(refuseInstead.text).toContain('href="#parts"')
    expect(refuseInstead.text).toContain('refuse it instead')
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null })
    expect(await completionOf(requestId)).toBeUndefined()

    await post(
      agent,
      requestId,
      'refuse',
      { ground: 'compelling_grounds', letter: 'The survey is the statutory evaluation of the programme.' },
      303,
    )
    expect(await row(requestId)).toMatchObject({ status: 'refused', outcome_reason: 'compelling_grounds' })
  })

  it('is a ground an access request cannot be refused on', async () => {
    const requestId = await file('access', 'reader@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const res = await post(
      agent,
      requestId,
      'refuse',
      { ground: 'compelling_grounds', letter: 'We have compelling grounds.' },
      400,
    )
    expect(res.text).toContain('href="#ground"')
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null })
    expect((await messagesOf(requestId)).filter((m: { kind: string }) => m.kind === 'refusal')).toEqual([])
  })
})

describe('a request from someone with no email record', () => {
  it('shows No record, never Deleted, and completes as no data held without claiming to hold any', async () => {
    const requestId = await file('access', 'stranger@example.org')
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const { page } = await caseForm(agent, requestId)
    const table = rightsTable(page.text)
    expect(table).toContain('No record')
    expect(table).not.toContain('Deleted')
    const draft = draftOf(page.text, 'complete-letter')
    await post(agent, requestId, 'complete', { letter: draft }, 303)
    expect(await row(requestId)).toMatchObject({ status: 'completed', outcome: 'no_data_held' })
    const stored = (await completionOf(requestId))?.body ?? ''
    const mailed = (await mailOf(requestId, 'case-completion'))?.text_body ?? ''
    for (const letter of [stored, mailed]) {
      expect(letter).toContain('found no record of your email address')
      expect(letter).not.toContain('data we hold about you')
    }
  })
})

describe('a refusal of a request received before 5 February 2026', () => {
  it('is refused after its first month, even when extended, and the request stays open', async () => {
    ctx.setNow('2026-01-05T10:00:00Z')
    const requestId = await file('erasure', 'early@example.org')
    await post(
      await dpoAt('2026-01-20T09:00:00Z'),
      requestId,
      'extend',
      { letter: 'Your request covers several systems. We will answer by {due}.' },
      303,
    )
    expect(await row(requestId)).toMatchObject({ extended: expect.anything(), due_on: '2026-04-07' })

    // The first month ended on Thursday 5 February 2026.
    const agent = await dpoAt('2026-02-09T09:00:00Z')
    const before = await counts(requestId)
    const res = await post(
      agent,
      requestId,
      'refuse',
      { ground: 'manifestly_excessive', letter: 'A repeat of your earlier request.' },
      400,
    )
    expect(res.text).toContain('href="#ground"')
    expect(await row(requestId)).toMatchObject({ status: 'received', outcome: null, closed_at: null })
    expect(await counts(requestId)).toEqual(before)
  })
})

describe('closing as a duplicate', () => {
  it('closes only the same person’s request of the same type, and tells them which it repeats', async () => {
    const first = await file('erasure', 'same@example.org')
    const other = await file('erasure', 'other@example.org')
    const firstRef = (await row(first)).reference as string
    // A second open erasure request from the same person, as if the first had not been found.
    const second = requestRow(await studyId(), {
      type: 'erasure',
      reference: 'DSR-2026-00090',
      receivedAt: '2026-03-02T11:00:00.000Z',
      email: 'same@example.org',
    })
    await db()('rights_requests').insert({
      ...second,
      email_hmac: ctx.services.emailKey('same@example.org'),
    })
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const queue = await agent.get('/staff/requests').expect(200)
    const bulk = (ids: string[], reference: string) =>
      agent
        .post('/staff/requests/bulk')
        .type('form')
        .send({
          _csrf: csrfFrom(queue.text),
          ids,
          action: 'duplicate',
          bulkDuplicateOf: reference,
          confirm: 'yes',
        })
        .expect(303)
    const statuses = async () => ({
      first: (await row(first)).status,
      second: (await row(second.id)).status,
      other: (await row(other)).status,
    })

    await bulk([second.id, other], 'DSR-2026-09999')
    expect(await statuses()).toEqual({ first: 'received', second: 'received', other: 'received' })

    await bulk([second.id, other], firstRef.toLowerCase())
    expect(await statuses()).toEqual({ first: 'received', second: 'duplicate', other: 'received' })
    expect((await row(second.id)).duplicate_of).toBe(first)
    const letter = await mailOf(second.id, 'case-duplicate')
    expect(letter?.to_address).toBe('same@example.org')
    expect(letter?.text_body).toContain(`because it repeats your request ${firstRef}`)
    expect(await mailOf(other, 'case-duplicate')).toBeUndefined()

    const single = await post(
      agent,
      other,
      'close',
      { as: 'duplicate', duplicateOf: firstRef, note: '' },
      400,
    )
    expect(single.text).toContain('href="#duplicateOf"')
    expect(await row(other)).toMatchObject({ status: 'received', duplicate_of: null })
  })
})

describe('an address typed in other capitals', () => {
  it('finds the record imported in lower case', async () => {
    await importRecords('case.test@example.org')
    const person = ctx.agent()
    const form = await person.get('/request/access').expect(200)
    await person
      .post('/request/access')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: 'Case.Test@Example.org' })
      .expect(303)
    const confirmation = (await ctx.outbox()).filter((m) => m.kind === 'confirm-request').at(-1)
    const link = linkIn(confirmation?.text_body ?? null, 'confirm')
    const confirm = await person.get(link).expect(200)
    await person
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(confirm.text) })
      .expect(303)

    const record = await db()('email_records').first()
    const request = await db()('rights_requests').first()
    expect(request.record_id).toBe(record.id)
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const { page } = await caseForm(agent, request.id as string)
    expect(rightsTable(page.text)).not.toContain('No record')
  })
})

describe('deciding to keep a part back, and withdrawing the decision', () => {
  const decision = {
    part: 'survey_answers',
    ground: 'erasure_research',
    reasoning: 'The analysis is under way.',
  }
  const decisions = (requestId: string) =>
    db()('request_decisions').where({ request_id: requestId }).select('part', 'ground', 'reasoning')

  async function erasureCase() {
    await importRecords('decided@example.org')
    return file('erasure', 'decided@example.org')
  }

  it('records and withdraws a decision, on a form that checks its fields', async () => {
    const requestId = await erasureCase()
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    const empty = await post(agent, requestId, 'decide', { ...decision, reasoning: ' ' }, 400)
    expect(empty.text).toContain('href="#decide-reasoning"')
    const wrongGround = await post(
      agent,
      requestId,
      'decide',
      { ...decision, ground: 'compelling_grounds' },
      400,
    )
    expect(wrongGround.text).toContain('href="#decide-ground"')
    const unknownPart = await post(agent, requestId, 'decide', { ...decision, part: 'shoe_size' }, 400)
    expect(unknownPart.text).toContain('href="#decide-part"')
    expect(await decisions(requestId)).toEqual([])

    await post(agent, requestId, 'decide', decision, 303)
    expect(await decisions(requestId)).toEqual([decision])
    await post(agent, requestId, 'decide/withdraw', { part: 'survey_answers' }, 303)
    expect(await decisions(requestId)).toEqual([])
    await post(agent, requestId, 'decide/withdraw', { part: 'survey_answers' }, 409)
  })

  it('is refused to an auditor', async () => {
    const requestId = await erasureCase()
    await post(await dpoAt('2026-03-03T09:00:00Z'), requestId, 'decide', decision, 303)
    const { agent } = await signedInAgent(ctx, 'auditor')
    const { csrf } = await caseForm(agent, requestId)
    const version = String((await row(requestId)).version)
    await agent
      .post(`/staff/requests/${requestId}/decide`)
      .type('form')
      .send({ _csrf: csrf, version, ...decision, part: 'occupation' })
      .expect(403)
    await agent
      .post(`/staff/requests/${requestId}/decide/withdraw`)
      .type('form')
      .send({ _csrf: csrf, version, part: 'survey_answers' })
      .expect(403)
    expect(await decisions(requestId)).toEqual([decision])
  })

  it('is refused without a CSRF token', async () => {
    const requestId = await erasureCase()
    const agent = await dpoAt('2026-03-03T09:00:00Z')
    await post(agent, requestId, 'decide', decision, 303)
    const { version } = await caseForm(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/decide`)
      .type('form')
      .send({ version, ...decision, part: 'occupation' })
      .expect(403)
    await agent
      .post(`/staff/requests/${requestId}/decide/withdraw`)
      .type('form')
      .send({ version, part: 'survey_answers' })
      .expect(403)
    expect(await decisions(requestId)).toEqual([decision])
    expect((await row(requestId)).version).toBe(Number(version))
  })

  it('is refused on a case that changed since the form was opened', async () => {
    const requestId = await erasureCase()
    const first = await dpoAt('2026-03-03T09:00:00Z')
    const second = await dpoAt('2026-03-03T09:05:00Z')
    await post(first, requestId, 'decide', decision, 303)
    const stale = await caseForm(second, requestId)
    await post(first, requestId, 'assign', { assignee: '' }, 303)

    const decided = await second
      .post(`/staff/requests/${requestId}/decide`)
      .type('form')
      .send({ _csrf: stale.csrf, version: stale.version, ...decision, part: 'occupation' })
      .expect(409)
    expect(decided.text).toContain('This case changed since you opened it')
    const staleAgain = await caseForm(second, requestId)
    await post(first, requestId, 'assign', { assignee: '' }, 303)
    await second
      .post(`/staff/requests/${requestId}/decide/withdraw`)
      .type('form')
      .send({ _csrf: staleAgain.csrf, version: staleAgain.version, part: 'survey_answers' })
      .expect(409)
    expect(await decisions(requestId)).toEqual([decision])
  })
})
