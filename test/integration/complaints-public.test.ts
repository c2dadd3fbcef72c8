import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/jobs/maintenance.js'
import { generateToken, newId } from '../../src/security/tokens.js'
import { createTestContext, csrfFrom, type OutboxMessage, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff } from '../helpers/staff.js'

/**
 * The person's side of complaints (DPA 2018 s.164A): the form, the emailed confirmation, the
 * automatic acknowledgement and its clock, the status page and replies, and minimisation.
 */

let ctx: TestContext

// 23:30 UTC on 2 July is 00:30 on 3 July in London (BST): the complaint is received on the 3rd.
const submittedAt = '2026-07-02T23:30:00Z'

beforeEach(async () => {
  ctx = await createTestContext({ now: submittedAt })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

interface ComplaintRow {
  id: string
  reference: string | null
  study_id: string | null
  request_id: string | null
  subject: string
  what_happened: string | null
  desired_outcome: string | null
  email: string | null
  email_hmac: string | null
  requester_name: string | null
  status: string
  received_on: string | null
  acknowledgement_due_on: string | null
  acknowledged_on: string | null
  response_target_on: string | null
  closed_on: string | null
  contact_removed_at: string | null
  version: number
}

interface EventRow {
  kind: string
  subject_type: string
  subject_id: string
  actor_type: string
  data: string
}

const goodForm = {
  subject: 'data_use',
  whatHappened: 'You kept my survey answers after I asked you to delete them.',
  desiredOutcome: 'Delete them and tell me when it is done.',
  email: 'Complainer@Example.org',
  name: 'Casey Complainer',
}

const complaintRows = () => ctx.services.db<ComplaintRow>('complaints').orderBy('created_at')
const complaintEvents = () =>
  ctx.services.db<EventRow>('events').where({ subject_type: 'complaint' }).orderBy('seq')
const count = async (table: string) => Number((await ctx.services.db(table).count({ n: '*' }))[0]?.n ?? 0)

/** Everything a refused submission must have left as it was. */
async function storedCounts() {
  return {
    complaints: await count('complaints'),
    links: await count('complaint_links'),
    outbox: await count('outbox'),
    events: await complaintEvents().then((rows) => rows.length),
  }
}

async function openForm(agent: Agent, path = '/complaint/form') {
  const page = await agent.get(path).expect(200)
  return csrfFrom(page.text)
}

/** Opens the form for its CSRF token and sends it; checks the answer's status when one is expected. */
async function submitForm(
  agent: Agent,
  fields: Record<string, string | string[]>,
  expected?: number,
  path = '/complaint/form',
) {
  const csrf = await openForm(agent, path)
  const res = await agent
    .post(path)
    .type('form')
    .send({ _csrf: csrf, ...fields })
  if (expected !== undefined) expect(res.status).toBe(expected)
  return res
}

/** The path of the portal link of a kind in a message body. */
function complaintLink(text: string | null, kind: 'confirm' | 'status'): string {
  const match = new RegExp(`http://portal\\.test(/complaint/${kind}/[A-Za-z0-9_-]{43})`).exec(text ?? '')
  if (!match?.[1]) throw new Error(`No ${kind} link in message`)
  return match[1]
}

const mailOfKind = async (kind: string): Promise<OutboxMessage[]> =>
  (await ctx.outbox()).filter((m) => m.kind === kind)

async function latestConfirmLink(): Promise<string> {
  const mail = (await mailOfKind('complaint-confirm')).at(-1)
  return complaintLink(mail?.text_body ?? null, 'confirm')
}

async function confirmWith(agent: Agent, link: string) {
  const page = await agent.get(link).expect(200)
  return agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
}

/** A complaint submitted and confirmed through the pages; returns its row and status page path. */
async function confirmedComplaint(agent: Agent = ctx.agent(), fields: Record<string, string> = goodForm) {
  await submitForm(agent, fields, 303)
  const res = await confirmWith(agent, await latestConfirmLink())
  expect(res.status).toBe(303)
  const statusPath = String(res.headers.location)
  const row = (await complaintRows()).at(-1) as ComplaintRow
  return { row, statusPath }
}

/** Closes a complaint as staff would, on a London date. */
async function closeComplaint(id: string, closedOn: string) {
  const complaint = await ctx.services.complaintRows.findById(id)
  if (!complaint) throw new Error('No complaint')
  const closed = await ctx.services.db.transaction((trx) =>
    ctx.services.complaintRows.update(
      trx,
      id,
      complaint.version,
      { status: 'closed', outcome: 'upheld', closedOn },
      ctx.now(),
      ['open'],
    ),
  )
  expect(closed).toBe(true)
}

describe('the start of the journey', () => {
  it('is linked from the home page and explains the complaint, the ICO and what happens next', async () => {
    const agent = ctx.agent()
    const home = await agent.get('/').expect(200)
    expect(home.text).toContain('href="/complaint"')
    const start = await agent.get('/complaint').expect(200)
    expect(start.text).toContain('Make a complaint about how we handle your data')
    expect(start.text).toContain('within 30 days')
    expect(start.text).toContain('ico.org.uk/make-a-complaint')
    expect(start.text).toContain('href="/complaint/form"')
    const form = await agent.get('/complaint/form').expect(200)
    for (const subject of ['request_handling', 'data_use', 'breach', 'other']) {
      expect(form.text).toContain(`value="${subject}"`)
    }
    // One study takes requests: the form does not ask which.
    expect(form.text).not.toContain('name="study"')
  })

  it('asks which study only when several take requests, and stores the one chosen', async () => {
    const seed = (await ctx.services.studies.listAccepting())[0]!
    const otherId = newId()
    await ctx.services.db('studies').insert({
      id: otherId,
      slug: 'second-study',
      title: 'A second study',
      controller_name: seed.controllerName,
      controller_address: seed.controllerAddress,
      dpo_email: seed.dpoEmail,
      privacy_notice_text: 'Notice',
      privacy_notice_date: '2026-01-01',
      survey_closes_on: '2026-12-31',
      survey_extension_months: 0,
      accepting_requests: true,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    })
    const agent = ctx.agent()
    const missing = await submitForm(agent, goodForm, 400)
    expect(missing.text).toContain('href="#study"')
    expect(await count('complaints')).toBe(0)
    await submitForm(agent, { ...goodForm, study: 'no-such-study' }, 400)
    await submitForm(agent, { ...goodForm, study: 'second-study' }, 303)
    await submitForm(agent, { ...goodForm, study: 'not-sure', email: 'unsure@example.org' }, 303)
    const rows = await complaintRows()
    expect(rows.map((r) => r.study_id)).toEqual([otherId, null])
  })
})

describe('submitting and confirming', () => {
  it('stores nothing personal in events, confirms by the emailed link, and acknowledges at once', async () => {
    const agent = ctx.agent()
    const res = await submitForm(agent, goodForm, 303)
    expect(res.headers.location).toBe('/complaint/check-your-email')
    const check = await agent.get('/complaint/check-your-email').expect(200)
    expect(check.text).toContain('Complainer@example.org')

    const [stored] = await complaintRows()
    expect(stored).toMatchObject({
      status: 'unconfirmed',
      reference: null,
      received_on: null,
      email: 'Complainer@example.org',
      requester_name: 'Casey Complainer',
      subject: 'data_use',
      what_happened: goodForm.whatHappened,
      desired_outcome: goodForm.desiredOutcome,
    })
    expect(stored?.email_hmac).toBe(ctx.services.emailKey('complainer@example.org'))
    const [confirmMail] = await mailOfKind('complaint-confirm')
    expect(confirmMail?.to_address).toBe('Complainer@example.org')
    expect(await ctx.services.db('outbox').where({ complaint_id: stored?.id })).toHaveLength(1)

    // Two days later, on 5 July in London, the person confirms.
    ctx.setNow('2026-07-05T09:00:00Z')
    const link = complaintLink(confirmMail?.text_body ?? null, 'confirm')
    const page = await agent.get(link).expect(200)
    expect(page.text).toContain('Confirm your complaint')
    // Looking at the link changes nothing.
    expect((await complaintRows())[0]?.status).toBe('unconfirmed')
    const confirmed = await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    const statusPath = String(confirmed.headers.location)
    expect(statusPath).toMatch(/^\/complaint\/status\/[A-Za-z0-9_-]{43}$/)

    const [open] = await complaintRows()
    expect(open).toMatchObject({
      status: 'open',
      reference: 'CMP-2026-00001',
      // The London date it was sent, not the day it was confirmed.
      received_on: '2026-07-03',
      // Day 1 is 4 July; the 30th day, 2 August, is a Sunday: due the Monday.
      acknowledgement_due_on: '2026-08-03',
      response_target_on: '2026-08-03',
      acknowledged_on: '2026-07-05',
    })

    const messages = await ctx.services.db('complaint_messages').where({ complaint_id: open?.id })
    expect(messages).toHaveLength(1)
    expect(messages[0]).toMatchObject({ direction: 'to_person', kind: 'acknowledgement', author_id: null })
    const letter = String(messages[0]?.body)
    expect(letter).toMatch(/^Dear Casey Complainer,/)
    expect(letter).toContain('CMP-2026-00001')
    expect(letter).toContain('3 July 2026')
    expect(letter).toContain('3 August 2026')
    expect(letter).toContain('how the study uses your data')
    expect(letter).not.toMatch(/\{\w+\}/)

    const [ackMail] = await mailOfKind('complaint-acknowledgement')
    expect(ackMail?.to_address).toBe('Complainer@example.org')
    expect(ackMail?.text_body).toContain('CMP-2026-00001')
    expect(complaintLink(ackMail?.text_body ?? null, 'status')).toMatch(/^\/complaint\/status\//)
    const ackRow = await ctx.services
      .db('outbox')
      .where({ id: ackMail?.id })
      .first<{ complaint_id: string }>()
    expect(ackRow?.complaint_id).toBe(open?.id)

    const events = await complaintEvents()
    expect(events.map((e) => e.kind)).toEqual([
      'complaint.submitted',
      'complaint.confirmed',
      'complaint.acknowledged',
    ])
    expect(events.every((e) => e.subject_id === open?.id)).toBe(true)
    expect(JSON.parse(events[1]?.data ?? '{}')).toMatchObject({
      reference: 'CMP-2026-00001',
      receivedOn: '2026-07-03',
      acknowledgementDueOn: '2026-08-03',
      responseTargetOn: '2026-08-03',
      responseTargetDays: 30,
    })
    expect(JSON.parse(events[2]?.data ?? '{}')).toMatchObject({
      acknowledgedOn: '2026-07-05',
      acknowledgementDueOn: '2026-08-03',
      onTime: true,
      messageId: messages[0]?.id,
    })
    // No event carries the address, the name or what the person wrote.
    const payloads = events.map((e) => e.data).join('\n')
    expect(payloads).not.toMatch(/complainer|Casey|survey answers|@/i)

    const status = await agent.get(statusPath).expect(200)
    expect(status.text).toContain('Complaint confirmed')
    expect(status.text).toContain('CMP-2026-00001')
    expect(status.text).toContain('Counting 30 days from the day after (day 1 is 4 July 2026)')
    expect(status.text).toContain('3 August 2026')
    expect(status.text).toContain('3 August 2026 (our target)')
    expect(status.text).toContain('We acknowledged your complaint')
    expect(status.text).toContain('You kept my survey answers')
  })

  it('takes the outcome target from COMPLAINT_RESPONSE_TARGET_DAYS', async () => {
    await ctx.destroy()
    ctx = await createTestContext({ now: submittedAt, env: { COMPLAINT_RESPONSE_TARGET_DAYS: '45' } })
    const { row } = await confirmedComplaint()
    expect(row.received_on).toBe('2026-07-03')
    expect(row.response_target_on).toBe('2026-08-17')
    // The acknowledgement's 30 days are the law's, not the setting.
    expect(row.acknowledgement_due_on).toBe('2026-08-03')
  })

  it('words the acknowledgement from the template as an administrator edited it', async () => {
    const admin = await createStaff(ctx, 'admin')
    await expect(
      ctx.services.templates.save(admin, 'complaint_acknowledgement', 'Due {due}, reference {reference}.'),
    ).rejects.toMatchObject({ errors: [{ field: 'body' }] })
    await ctx.services.templates.save(
      admin,
      'complaint_acknowledgement',
      'We have your complaint {reference} of {received} about {subject}. Target: {target}.',
    )
    const { row } = await confirmedComplaint()
    const message = await ctx.services
      .db('complaint_messages')
      .where({ complaint_id: row.id })
      .first<{ body: string }>()
    expect(message?.body).toContain(
      'We have your complaint CMP-2026-00001 of 3 July 2026 about how the study uses your data. Target: 3 August 2026.',
    )
  })

  it('confirms once: the used link changes nothing more and offers a new status link', async () => {
    const agent = ctx.agent()
    await submitForm(agent, goodForm, 303)
    const link = await latestConfirmLink()
    const page = await agent.get(link).expect(200)
    const csrf = csrfFrom(page.text)
    await agent.post(link).type('form').send({ _csrf: csrf }).expect(303)
    const again = await agent.post(link).type('form').send({ _csrf: csrf }).expect(410)
    expect(again.text).toContain('This link has already been used')
    const used = await agent.get(link).expect(410)
    expect(await count('complaint_messages')).toBe(1)
    expect((await complaintEvents()).filter((e) => e.kind === 'complaint.confirmed')).toHaveLength(1)
    expect((await complaintRows())[0]?.version).toBe(3)

    await agent
      .post(`${link}/status-link`)
      .type('form')
      .send({ _csrf: csrfFrom(used.text) })
      .expect(303, /link-sent/)
    const [sent] = await mailOfKind('complaint-status-link')
    expect(sent?.to_address).toBe('Complainer@example.org')
    await agent.get(complaintLink(sent?.text_body ?? null, 'status')).expect(200)
  })

  it('refuses an expired link and an unknown one, changing nothing', async () => {
    const agent = ctx.agent()
    await submitForm(agent, goodForm, 303)
    const link = await latestConfirmLink()
    const page = await agent.get(link).expect(200)
    ctx.advanceDays(7)
    const expired = await agent.get(link).expect(410)
    expect(expired.text).toContain('This link has expired')
    await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(410)
    expect((await complaintRows())[0]).toMatchObject({ status: 'unconfirmed', reference: null })
    const unknown = await agent.get(`/complaint/confirm/${generateToken()}`).expect(404)
    expect(unknown.text).toContain('This link is not valid')
    await agent.get('/complaint/confirm/short').expect(404)
    // A request's confirmation token is not a complaint's.
    await agent.get(`/complaint/status/${generateToken()}`).expect(404)
  })

  it('says the same whatever the address, showing only the address typed', async () => {
    const first = ctx.agent()
    await confirmedComplaint(first)
    const known = await submitForm(ctx.agent(), goodForm)
    const unknown = await submitForm(ctx.agent(), { ...goodForm, email: 'stranger@example.org' })
    expect([known.status, unknown.status]).toEqual([303, 303])
    expect(known.headers.location).toBe(unknown.headers.location)
    const knownPage = await submitForm(first, goodForm).then(() => first.get('/complaint/check-your-email'))
    const strangerAgent = ctx.agent()
    await submitForm(strangerAgent, { ...goodForm, email: 'stranger@example.org' })
    const strangerPage = await strangerAgent.get('/complaint/check-your-email')
    const body = (html: string, address: string) =>
      (/<main[\s\S]*<\/main>/.exec(html)?.[0] ?? '').replace(address, 'ADDRESS')
    expect(body(knownPage.text, 'Complainer@example.org')).toBe(
      body(strangerPage.text, 'stranger@example.org'),
    )
    // Every submission, known address or not, got its own confirmation email.
    expect(await mailOfKind('complaint-confirm')).toHaveLength(5)
    // Without the session that submitted, the page names no address.
    const cold = await ctx.agent().get('/complaint/check-your-email').expect(200)
    expect(cold.text).not.toContain('@example.org')
  })
})

describe('a complaint about a request', () => {
  it('is linked from the request’s status page and tied to the request without showing its id', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'asker@example.org' })
    const request = await ctx.services.requests.findById(requestId)
    const agent = ctx.agent()
    const status = await agent.get(`/status/${statusToken}`).expect(200)
    expect(status.text).toContain(`href="/complaint/about/${statusToken}"`)
    expect(status.text).toContain('Complain about how we handled this request')
    const start = await agent.get(`/complaint/about/${statusToken}`).expect(200)
    expect(start.text).toContain(String(request?.reference))
    const form = await agent.get(`/complaint/about/${statusToken}/form`).expect(200)
    expect(form.text).not.toContain(requestId)
    expect(form.text).not.toContain('name="study"')
    await agent
      .post(`/complaint/about/${statusToken}/form`)
      .type('form')
      .send({ _csrf: csrfFrom(form.text), ...goodForm, subject: 'request_handling', requestId: 'ignored' })
      .expect(303)
    const [row] = await complaintRows()
    expect(row?.request_id).toBe(requestId)
    expect(row?.study_id).toBe(request?.studyId)

    const confirmed = await confirmWith(agent, await latestConfirmLink())
    const page = await agent.get(String(confirmed.headers.location)).expect(200)
    expect(page.text).toContain(String(request?.reference))
    expect(page.text).not.toContain(requestId)
  })

  it('refuses a forged or unknown request link cleanly and stores nothing', async () => {
    const agent = ctx.agent()
    const forged = generateToken()
    await agent.get(`/complaint/about/${forged}`).expect(404)
    await agent.get(`/complaint/about/${forged}/form`).expect(404)
    await agent.get('/complaint/about/not-a-token/form').expect(404)
    const csrf = await openForm(agent)
    await agent
      .post(`/complaint/about/${forged}/form`)
      .type('form')
      .send({ _csrf: csrf, ...goodForm })
      .expect(404)
    // A field naming a request on the ordinary form is not read.
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'asker@example.org' })
    await submitForm(agent, { ...goodForm, requestId, request: requestId }, 303)
    const rows = await complaintRows()
    expect(rows).toHaveLength(1)
    expect(rows[0]?.request_id).toBeNull()
  })
})

describe('bad and hostile input', () => {
  it('shows every problem in an error summary, keeps what was typed and stores nothing', async () => {
    const agent = ctx.agent()
    const res = await submitForm(agent, {
      whatHappened: '  ',
      desiredOutcome: 'Kept text',
      email: 'not-an-address',
      name: 'Sam',
    })
    expect(res.status).toBe(400)
    expect(res.text).toContain('govuk-error-summary')
    for (const href of ['#subject', '#whatHappened', '#email']) expect(res.text).toContain(`href="${href}"`)
    expect(res.text).toContain('Kept text')
    expect(res.text).toContain('value="not-an-address"')
    expect(res.text).toContain('value="Sam"')
    expect(res.text).toMatch(/<title>Error: /)
    expect(await storedCounts()).toEqual({ complaints: 0, links: 0, outbox: 0, events: 0 })
  })

  it('answers over-long, repeated and control-character values with 400, never 500', async () => {
    const agent = ctx.agent()
    const cases: Record<string, string | string[]>[] = [
      { ...goodForm, whatHappened: 'x'.repeat(5001) },
      { ...goodForm, desiredOutcome: 'y'.repeat(2001) },
      { ...goodForm, name: 'n'.repeat(201) },
      { ...goodForm, email: `${'e'.repeat(250)}@example.org` },
      { ...goodForm, subject: ['data_use', 'breach'] },
      { ...goodForm, email: ['one@example.org', 'two@example.org'] },
      { ...goodForm, whatHappened: ['one', 'two'] },
      { ...goodForm, subject: 'constructor' },
      { ...goodForm, whatHappened: 'bell\u0007 and escape\u001b' },
      { ...goodForm, name: 'tab\tin a name' },
    ]
    for (const fields of cases) {
      const res = await submitForm(agent, fields)
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(400)
      expect(res.text).toContain('govuk-error-summary')
    }
    const csrf = await openForm(agent)
    const nul = await agent
      .post('/complaint/form')
      .type('form')
      .send(`_csrf=${encodeURIComponent(csrf)}&subject=other&whatHappened=a%00b&email=a%40example.org`)
    expect(nul.status).toBe(400)
    expect(await storedCounts()).toEqual({ complaints: 0, links: 0, outbox: 0, events: 0 })
  })

  it('refuses a form without its CSRF token', async () => {
    const agent = ctx.agent()
    await agent.get('/complaint/form').expect(200)
    const res = await agent.post('/complaint/form').type('form').send(goodForm)
    expect(res.status).toBe(403)
    const wrong = await agent
      .post('/complaint/form')
      .type('form')
      .send({ ...goodForm, _csrf: 'forged' })
    expect(wrong.status).toBe(403)
    expect(await storedCounts()).toEqual({ complaints: 0, links: 0, outbox: 0, events: 0 })
  })
})

describe('rate limits', () => {
  it('limits complaints per address, whoever sends them', async () => {
    for (let i = 0; i < 3; i++) await submitForm(ctx.agent(), goodForm, 303)
    const res = await submitForm(ctx.agent(), { ...goodForm, email: 'COMPLAINER@example.org' })
    expect(res.status).toBe(429)
    expect(await count('complaints')).toBe(3)
    // Another address from the same network is still heard.
    await submitForm(ctx.agent(), { ...goodForm, email: 'other@example.org' }, 303)
    ctx.advanceDays(1)
    await submitForm(ctx.agent(), goodForm, 303)
  })

  it('limits complaints per network', async () => {
    const agent = ctx.agent()
    for (let i = 0; i < 10; i++) {
      await submitForm(agent, { ...goodForm, email: `person${i}@example.org` }, 303)
    }
    await submitForm(agent, { ...goodForm, email: 'person10@example.org' }, 429)
    expect(await count('complaints')).toBe(10)
  })
})

describe('the status page', () => {
  it('takes the person’s reply as a message and an event without its text', async () => {
    const agent = ctx.agent()
    const { row, statusPath } = await confirmedComplaint(agent)
    const page = await agent.get(statusPath).expect(200)
    const empty = await agent
      .post(`${statusPath}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: '   ' })
      .expect(400)
    expect(empty.text).toContain('href="#reply"')
    await agent
      .post(`${statusPath}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: ['a', 'b'] })
      .expect(400)
    await agent
      .post(`${statusPath}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: 'I forgot: it was in March.' })
      .expect(303, new RegExp(statusPath))
    const replies = await ctx.services
      .db('complaint_messages')
      .where({ complaint_id: row.id, direction: 'from_person' })
    expect(replies).toHaveLength(1)
    expect(replies[0]).toMatchObject({ kind: 'reply', body: 'I forgot: it was in March.', author_id: null })
    const replied = (await complaintEvents()).filter((e) => e.kind === 'complaint.person_replied')
    expect(replied).toHaveLength(1)
    expect(replied[0]?.actor_type).toBe('participant')
    expect(replied[0]?.data).not.toContain('March')
    const after = await agent.get(statusPath).expect(200)
    expect(after.text).toContain('Your reply has been sent.')
    expect(after.text).toContain('I forgot: it was in March.')
    expect(after.text).toContain('You replied')
  })

  it('shows a closed complaint’s outcome with the ICO and takes no reply', async () => {
    const agent = ctx.agent()
    const { row, statusPath } = await confirmedComplaint(agent)
    const page = await agent.get(statusPath).expect(200)
    await closeComplaint(row.id, '2026-07-20')
    const closed = await agent.get(statusPath).expect(200)
    expect(closed.text).toContain('Upheld')
    expect(closed.text).toContain('20 July 2026')
    expect(closed.text).toContain('Information Commissioner’s Office')
    expect(closed.text).not.toContain('name="reply"')
    expect(closed.text).not.toContain('(our target)')
    await agent
      .post(`${statusPath}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: 'One more thing' })
      .expect(303)
    expect(await ctx.services.db('complaint_messages').where({ direction: 'from_person' })).toHaveLength(0)
  })

  it('sends letters to the person through sendToPerson with a fresh status link', async () => {
    const { row } = await confirmedComplaint()
    const complaint = (await ctx.services.complaintRows.findById(row.id))!
    const sent = await ctx.services.db.transaction((trx) =>
      ctx.services.complaints.sendToPerson(
        trx,
        complaint,
        {
          kind: 'update',
          subject: 'An update on your complaint',
          body: 'We are still looking.',
          authorId: null,
        },
        ctx.now(),
      ),
    )
    expect(sent.statusToken).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const [mail] = await mailOfKind('complaint-update')
    expect(mail?.text_body).toContain('We are still looking.')
    expect(complaintLink(mail?.text_body ?? null, 'status')).toBe(`/complaint/status/${sent.statusToken}`)
    const page = await ctx.agent().get(`/complaint/status/${sent.statusToken}`).expect(200)
    expect(page.text).toContain('An update on your complaint')
  })
})

describe('minimisation', () => {
  it('closes unconfirmed complaints after 7 days as unverified, removing what the person typed', async () => {
    await submitForm(ctx.agent(), goodForm, 303)
    await confirmedComplaint(ctx.agent(), { ...goodForm, email: 'confirmed@example.org' })
    ctx.advanceDays(6)
    expect((await runMaintenance(ctx.services)).complaintsLapsed).toBe(0)
    ctx.advanceDays(1)
    expect((await runMaintenance(ctx.services)).complaintsLapsed).toBe(1)
    expect((await runMaintenance(ctx.services)).complaintsLapsed).toBe(0)
    const [lapsed, confirmed] = await complaintRows()
    expect(lapsed).toMatchObject({
      status: 'unverified',
      email: null,
      email_hmac: null,
      requester_name: null,
      what_happened: null,
      desired_outcome: null,
    })
    expect(confirmed).toMatchObject({ status: 'open', email: 'confirmed@example.org' })
    const mail = await ctx.services.db('outbox').where({ complaint_id: lapsed?.id })
    expect(mail).toHaveLength(1)
    expect(mail[0]).toMatchObject({ to_address: null, text_body: null, html_body: null })
    expect(mail[0]?.status).toBe('cancelled')
    const lapsedEvents = (await complaintEvents()).filter((e) => e.kind === 'complaint.lapsed')
    expect(lapsedEvents.map((e) => e.subject_id)).toEqual([lapsed?.id])
    expect(JSON.parse(lapsedEvents[0]?.data ?? '{}')).toMatchObject({ submittedOn: '2026-07-03' })
  })

  it('removes a closed complaint’s contact details after CONTACT_RETENTION_MONTHS, by the inclusive rule', async () => {
    const { row, statusPath } = await confirmedComplaint(ctx.agent(), {
      ...goodForm,
      whatHappened: 'Write to me at other.address@example.net, Casey Complainer',
    })
    await ctx.services.db('complaint_messages').insert({
      id: newId(),
      complaint_id: row.id,
      direction: 'from_person',
      kind: 'reply',
      subject: null,
      body: 'Thanks. Casey Complainer, complainer@example.org',
      created_at: ctx.now().toISOString(),
    })
    await closeComplaint(row.id, '2026-07-10')
    // Kept through 10 July 2028 (24 months), removed from the 11th.
    ctx.setNow('2028-07-10T12:00:00Z')
    expect((await runMaintenance(ctx.services)).complaintContactsRemoved).toBe(0)
    ctx.setNow('2028-07-11T12:00:00Z')
    expect((await runMaintenance(ctx.services)).complaintContactsRemoved).toBe(1)
    expect((await runMaintenance(ctx.services)).complaintContactsRemoved).toBe(0)

    const [after] = await complaintRows()
    expect(after).toMatchObject({ email: null, email_hmac: null, requester_name: null, status: 'closed' })
    expect(after?.contact_removed_at?.slice(0, 10)).toBe('2028-07-11')
    expect(after?.what_happened).toBe('Write to me at [address removed], [name removed]')
    const bodies = (await ctx.services.db('complaint_messages').where({ complaint_id: row.id })).map((m) =>
      String(m.body),
    )
    expect(bodies.join('\n')).not.toMatch(/@|Casey Complainer/)
    expect(bodies.join('\n')).toContain('[name removed]')
    const mail = await ctx.services.db('outbox').where({ complaint_id: row.id })
    expect(mail.length).toBeGreaterThan(0)
    expect(mail.every((m) => m.to_address === null && m.text_body === null && m.html_body === null)).toBe(
      true,
    )
    const removed = (await complaintEvents()).filter((e) => e.kind === 'complaint.contact_removed')
    expect(removed).toHaveLength(1)
    expect(JSON.parse(removed[0]?.data ?? '{}')).toMatchObject({
      closedOn: '2026-07-10',
      keptUntil: '2028-07-10',
      retentionMonths: 24,
    })
    // The status page still opens, and says the details went.
    const page = await ctx.agent().get(statusPath).expect(200)
    expect(page.text).toContain('We deleted your contact details')
  })

  it('leaves open complaints’ contact details alone however old', async () => {
    const { row } = await confirmedComplaint()
    ctx.setNow('2030-01-01T12:00:00Z')
    expect((await runMaintenance(ctx.services)).complaintContactsRemoved).toBe(0)
    expect((await complaintRows())[0]).toMatchObject({ id: row.id, email: 'Complainer@example.org' })
  })
})
