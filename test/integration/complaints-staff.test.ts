import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { icoParagraph } from '../../src/domain/complaint.js'
import type { StaffUser } from '../../src/domain/staff-user.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import {
  complaintForm,
  fileConfirmedComplaint,
  logComplaint,
  postComplaintAction,
} from '../helpers/complaints.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

type Agent = ReturnType<TestContext['agent']>

let ctx: TestContext
let dpo: Agent
let dpoUser: StaffUser
beforeEach(async () => {
  // Monday 2 March 2026, 10:00 in London.
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
  const signedIn = await signedInAgent(ctx, 'dpo')
  dpo = signedIn.agent
  dpoUser = signedIn.user
})
afterEach(async () => {
  await ctx.destroy()
})

const post = postComplaintAction
const row = (id: string) => ctx.services.db('complaints').where({ id }).first()
const eventsOf = async (id: string) =>
  (await ctx.services.db('events').where({ subject_type: 'complaint', subject_id: id }).orderBy('seq')).map(
    (e: { kind: string; data: string }) => ({
      kind: e.kind,
      data: JSON.parse(e.data) as Record<string, unknown>,
    }),
  )
interface MessageRow {
  kind: string
  direction: string
  body: string
  author_id: string | null
  complaint_id: string
  created_at: string
}
const messagesOf = (id: string) =>
  ctx.services.db<MessageRow>('complaint_messages').where({ complaint_id: id }).orderBy('created_at')
const mailFor = (id: string) =>
  ctx.services
    .db<{
      kind: string
      to_address: string | null
      text_body: string | null
      complaint_id: string
      created_at: string
    }>('outbox')
    .where({ complaint_id: id })
    .orderBy('created_at')

const complaintCount = async () => (await ctx.services.db('complaints').select('id')).length

/** The last of some rows, which the test expects to be there. */
function lastOf<T>(rows: T[]): T {
  const last = rows.at(-1)
  if (last === undefined) throw new Error('Expected at least one row')
  return last
}

/** Everything a failed action must leave alone. */
async function stateOf(id: string) {
  return {
    complaint: await row(id),
    messages: (await messagesOf(id)).length,
    notes: (await ctx.services.db('complaint_notes').where({ complaint_id: id })).length,
    events: (await eventsOf(id)).length,
    mail: (await mailFor(id)).length,
  }
}

describe('the staff navigation and the queue', () => {
  it('links to the complaints beside the requests, for every staff role', async () => {
    const page = await dpo.get('/staff/requests').expect(200)
    expect(page.text).toMatch(
      /href="\/staff\/requests">Requests<\/a>[\s\S]*href="\/staff\/complaints">Complaints<\/a>/,
    )
    const { agent: auditor } = await signedInAgent(ctx, 'auditor')
    expect((await auditor.get('/staff/complaints').expect(200)).text).not.toContain('Log a complaint')
    expect((await dpo.get('/staff/complaints').expect(200)).text).toContain('Log a complaint')
    const stranger = await ctx.agent().get('/staff/complaints')
    expect(stranger.status).toBe(303)
    expect(stranger.headers.location).toBe('/staff/login')
  })

  it('lists acknowledgements due soonest first with the overdue flagged, then open and closed tabs', async () => {
    const portal = await fileConfirmedComplaint(ctx, { email: 'pat@example.org' })
    // Received 15 January: the 30th day is Saturday 14 February, so due Monday 16 February: overdue.
    const overdue = await logComplaint(ctx, dpoUser, { receivedOn: '2026-01-15', subject: 'breach' })
    // Received 20 February: the 30th day is Sunday 22 March, so due Monday 23 March.
    const soon = await logComplaint(ctx, dpoUser, { receivedOn: '2026-02-20' })
    const closed = await logComplaint(ctx, dpoUser, {
      receivedOn: '2026-02-10',
      channel: 'email',
      email: 'c@example.org',
    })
    await post(
      dpo,
      closed.complaintId,
      'close',
      { outcome: 'not_upheld', letter: 'We found nothing wrong.' },
      303,
    )

    const due = await dpo.get('/staff/complaints').expect(200)
    expect(due.text).toContain('Acknowledgement due (2)')
    expect(due.text).toContain('Open (3)')
    expect(due.text).toContain('Closed (1)')
    expect(due.text.indexOf(overdue.reference)).toBeGreaterThan(-1)
    expect(due.text.indexOf(overdue.reference)).toBeLessThan(due.text.indexOf(soon.reference))
    expect(due.text).not.toContain(portal.reference)
    expect(due.text).toContain('14 days overdue')
    expect(due.text).toContain('Due 16 February 2026')
    expect(due.text).toContain('Due 23 March 2026')

    const open = await dpo.get('/staff/complaints?tab=open').expect(200)
    for (const ref of [portal.reference, overdue.reference, soon.reference]) expect(open.text).toContain(ref)
    expect(open.text).toContain('Acknowledged 2 March 2026')
    expect(open.text).not.toContain(closed.reference)

    const done = await dpo.get('/staff/complaints?tab=closed').expect(200)
    expect(done.text).toContain(closed.reference)
    expect(done.text).toContain('Not upheld')
    expect(done.text).not.toContain(soon.reference)
  })

  it('filters by subject and study and finds by complaint or request reference', async () => {
    const study = (await ctx.services.studies.listAccepting())[0]
    if (!study) throw new Error('No study')
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'pat@example.org' })
    const request = await ctx.services.requests.findById(requestId)
    const aboutRequest = await logComplaint(ctx, dpoUser, {
      requestId,
      studyId: study.id,
      subject: 'request_handling',
    })
    const breach = await logComplaint(ctx, dpoUser, { subject: 'breach' })

    const bySubject = await dpo.get('/staff/complaints?tab=open&subject=breach').expect(200)
    expect(bySubject.text).toContain(breach.reference)
    expect(bySubject.text).not.toContain(aboutRequest.reference)
    const byStudy = await dpo.get(`/staff/complaints?tab=open&study=${study.slug}`).expect(200)
    expect(byStudy.text).toContain(aboutRequest.reference)
    expect(byStudy.text).not.toContain(breach.reference)
    expect(byStudy.text).toContain(`href="/staff/requests/${requestId}"`)

    const byReference = await dpo
      .get(`/staff/complaints?tab=open&q=${breach.reference.toLowerCase()}`)
      .expect(200)
    expect(byReference.text).toContain(breach.reference)
    expect(byReference.text).not.toContain(aboutRequest.reference)
    const byRequest = await dpo.get(`/staff/complaints?tab=open&q=${request?.reference ?? ''}`).expect(200)
    expect(byRequest.text).toContain(aboutRequest.reference)
    expect(byRequest.text).not.toContain(breach.reference)
    const unknown = await dpo.get('/staff/complaints?tab=open&q=DSR-2026-09999').expect(200)
    expect(unknown.text).toContain('No complaints match')

    const bad = await dpo.get('/staff/complaints?q=pat%40example.org').expect(400)
    expect(bad.text).toContain('href="#q"')
    expect(bad.text).toContain('value="pat@example.org"')
  })
})

describe('logging a complaint received by email, post or phone', () => {
  async function logForm(agent: Agent) {
    return csrfFrom((await agent.get('/staff/complaints/log').expect(200)).text)
  }

  it('refuses bad input on the fields, keeps what was typed and creates nothing', async () => {
    const csrf = await logForm(dpo)
    const res = await dpo
      .post('/staff/complaints/log')
      .type('form')
      .send({
        _csrf: csrf,
        receivedOn: '2026-03-03',
        subject: 'breach',
        whatHappened: 'My address was visible to other participants in an email.',
        requestReference: 'DSR-2026-04040',
        email: 'not-an-address',
      })
      .expect(400)
    for (const field of ['channel', 'receivedOn', 'requestReference', 'email'])
      expect(res.text).toContain(`href="#${field}"`)
    expect(res.text).toContain('The date received must be today or in the past')
    expect(res.text).toContain('My address was visible to other participants in an email.')
    expect(res.text).toContain('value="DSR-2026-04040"')
    expect(await complaintCount()).toBe(0)
    expect(await ctx.services.db('events').where({ subject_type: 'complaint' })).toEqual([])

    const empty = await dpo.post('/staff/complaints/log').type('form').send({ _csrf: csrf }).expect(400)
    for (const field of ['channel', 'receivedOn', 'subject', 'whatHappened'])
      expect(empty.text).toContain(`href="#${field}"`)
  })

  it('opens it with its reference and the clock counted from the date received, not from today', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'pat@example.org' })
    const request = await ctx.services.requests.findById(requestId)
    const csrf = await logForm(dpo)
    const res = await dpo
      .post('/staff/complaints/log')
      .type('form')
      .send({
        _csrf: csrf,
        channel: 'phone',
        receivedOn: '2026-02-20',
        subject: 'request_handling',
        whatHappened: 'They called to say the answer left out the voucher emails.',
        desiredOutcome: 'The missing emails.',
        requestReference: ` ${request?.reference?.toLowerCase() ?? ''} `,
        email: ' Pat@Example.org ',
        name: 'Pat Doe',
      })
      .expect(303)
    const complaint = (await ctx.services.db('complaints').first()) as { id: string; email_hmac: string }
    expect(res.headers.location).toBe(`/staff/complaints/${complaint.id}`)
    expect(complaint).toMatchObject({
      reference: 'CMP-2026-00001',
      status: 'open',
      channel: 'phone',
      received_on: '2026-02-20',
      // 30 days from 21 February is Sunday 22 March: the next working day.
      acknowledgement_due_on: '2026-03-23',
      // The outcome target is no earlier than the acknowledgement, and on a working day.
      response_target_on: '2026-03-23',
      acknowledged_on: null,
      request_id: requestId,
      study_id: request?.studyId,
      email: 'Pat@example.org',
      requester_name: 'Pat Doe',
    })
    expect(complaint.email_hmac).toBe(ctx.services.emailKey('Pat@example.org'))
    const [logged] = await eventsOf(complaint.id)
    expect(logged).toMatchObject({
      kind: 'complaint.logged',
      data: { channel: 'phone', receivedOn: '2026-02-20', acknowledgementDueOn: '2026-03-23', requestId },
    })
    expect(JSON.stringify(logged)).not.toContain('voucher emails')

    const page = await dpo.get(res.headers.location as string).expect(200)
    expect(page.text).toContain('CMP-2026-00001 logged')
    expect(page.text).toContain('Received on 20 February 2026. Counting 30 days from the day after')
    expect(page.text).toContain('not a statutory deadline')
    expect(page.text).toContain('Due by 23 March 2026')
    expect(page.text).toContain('Pat Doe – Pat@example.org')
    expect(page.text).toContain(`href="/staff/requests/${requestId}"`)
    expect(page.text).toContain('They called to say the answer left out the voucher emails.')
    expect(page.text).toContain('Complaint logged by staff')
    expect(page.text).toContain('Received by phone on 20 February 2026')

    // The request's case lists the complaint about it.
    const casePage = await dpo.get(`/staff/requests/${requestId}`).expect(200)
    expect(casePage.text).toContain(`href="/staff/complaints/${complaint.id}"`)
    expect(casePage.text).toContain('CMP-2026-00001')
  })

  it('keeps the letters of a complaint without an address for posting', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser, { email: null, name: 'Sam Post' })
    const { page } = await complaintForm(dpo, complaintId)
    expect(page.text).toContain('Thank you for your complaint, which we received on 2 March 2026')
    expect(page.text).toContain('Record the acknowledgement for posting')
    await post(
      dpo,
      complaintId,
      'acknowledge',
      { letter: (/id="acknowledge-letter"[^>]*>([^<]*)</.exec(page.text)?.[1] ?? '').replace(/&#39;/g, "'") },
      303,
    )
    expect(await row(complaintId)).toMatchObject({ acknowledged_on: '2026-03-02' })
    expect(await mailFor(complaintId)).toEqual([])
    const letter = lastOf(await messagesOf(complaintId))
    expect(letter).toMatchObject({ kind: 'acknowledgement', direction: 'to_person', author_id: dpoUser.id })
    expect(letter.body).toMatch(/^Dear Sam Post,\n\nThank you for your complaint/)
    const after = await dpo.get(`/staff/complaints/${complaintId}`).expect(200)
    expect(after.text).toContain('Acknowledgement recorded: print the letter below and post it.')
    expect(after.text).toContain('print each letter to them and post it')
    expect(after.text).toContain('Acknowledged 2 March 2026')
    expect(after.text).not.toContain('Acknowledge the complaint')
  })
})

describe('the actions on a complaint', () => {
  it('acknowledges a logged complaint by email, recording the day, refusing an unfinished letter', async () => {
    const { complaintId, reference } = await logComplaint(ctx, dpoUser, {
      channel: 'email',
      email: 'sam@example.org',
      receivedOn: '2026-02-27',
    })
    const before = await stateOf(complaintId)
    const res = await post(
      dpo,
      complaintId,
      'acknowledge',
      { letter: 'Thank you. [Say when we will reply.]' },
      400,
    )
    expect(res.text).toContain('href="#acknowledge-letter"')
    expect(res.text).toContain('Replace [Say when we will reply.]')
    expect(res.text).toContain('Thank you. [Say when we will reply.]')
    expect(await stateOf(complaintId)).toEqual(before)

    // The next day: a staff session ends after 30 idle minutes, so sign in again.
    ctx.advanceDays(1)
    dpo = (await signedInAgent(ctx, 'dpo', 'dpo2@portal.test')).agent
    await post(
      dpo,
      complaintId,
      'acknowledge',
      { letter: 'Thank you for complaint {reference}. We aim to answer by {target}.' },
      303,
    )
    expect(await row(complaintId)).toMatchObject({ acknowledged_on: '2026-03-03' })
    const mail = lastOf(await mailFor(complaintId))
    expect(mail).toMatchObject({ kind: 'complaint-acknowledgement', to_address: 'sam@example.org' })
    expect(mail.text_body).toContain(
      `Thank you for complaint ${reference}. We aim to answer by 30 March 2026.`,
    )
    expect(mail.text_body).toMatch(/http:\/\/portal\.test\/complaint\/status\/[A-Za-z0-9_-]{43}/)
    expect((await eventsOf(complaintId)).at(-1)).toMatchObject({
      kind: 'complaint.acknowledged',
      data: { acknowledgedOn: '2026-03-03', acknowledgementDueOn: '2026-03-30', onTime: true },
    })
    // Acknowledged once: a second try finds nothing to do.
    const again = await post(dpo, complaintId, 'acknowledge', { letter: 'Again.' }, 409)
    expect(again.text).not.toContain('This complaint changed since you opened it')
  })

  it('assigns to someone who handles complaints, refusing anyone else and a stale page', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser)
    const { user: auditor } = await signedInAgent(ctx, 'auditor')
    const before = await stateOf(complaintId)
    const refused = await post(dpo, complaintId, 'assign', { assignee: auditor.id }, 400)
    expect(refused.text).toContain('href="#assignee"')
    expect(await stateOf(complaintId)).toEqual(before)

    const stale = await complaintForm(dpo, complaintId)
    await post(dpo, complaintId, 'assign', { assignee: dpoUser.id }, 303)
    expect(await row(complaintId)).toMatchObject({ assignee_id: dpoUser.id, version: 3 })
    expect((await eventsOf(complaintId)).at(-1)).toEqual({
      kind: 'complaint.assigned',
      data: { assigneeId: dpoUser.id },
    })

    const afterAssign = await stateOf(complaintId)
    const conflict = await dpo
      .post(`/staff/complaints/${complaintId}/assign`)
      .type('form')
      .send({ _csrf: stale.csrf, version: stale.version, assignee: '' })
      .expect(409)
    expect(conflict.text).toContain('This complaint changed since you opened it')
    expect(await stateOf(complaintId)).toEqual(afterAssign)

    const page = await dpo.get(`/staff/complaints/${complaintId}`).expect(200)
    expect(page.text).toContain(`To ${dpoUser.displayName}`)
    await dpo
      .post(`/staff/complaints/${complaintId}/assign`)
      .type('form')
      .send({ _csrf: stale.csrf, assignee: '' })
      .expect(400)
  })

  it('keeps the person informed with updates and messages, which they see on their status page', async () => {
    const { complaintId, statusToken } = await fileConfirmedComplaint(ctx, { email: 'pat@example.org' })
    const before = await stateOf(complaintId)
    const { page } = await complaintForm(dpo, complaintId)
    expect(page.text).toContain('[Say what we have done so far, what happens next and when.]')
    const unfinished = await post(
      dpo,
      complaintId,
      'update',
      { letter: 'We are looking. [Say what next.]' },
      400,
    )
    expect(unfinished.text).toContain('href="#update-letter"')
    const empty = await post(dpo, complaintId, 'message', { letter: '  ' }, 400)
    expect(empty.text).toContain('href="#message-letter"')
    expect(await stateOf(complaintId)).toEqual(before)

    await post(
      dpo,
      complaintId,
      'update',
      { letter: 'We have asked the study team for the emails sent to you.' },
      303,
    )
    await post(dpo, complaintId, 'message', { letter: 'Which address did the reminders go to, {name}?' }, 303)
    const sent = (await messagesOf(complaintId)).slice(-2)
    expect(sent.map((m: { kind: string }) => m.kind)).toEqual(['update', 'message'])
    expect(lastOf(sent).body).toContain('Which address did the reminders go to, Pat Doe?')
    expect((await mailFor(complaintId)).slice(-2).map((m: { kind: string }) => m.kind)).toEqual([
      'complaint-update',
      'complaint-message',
    ])
    expect((await eventsOf(complaintId)).slice(-2).map((e) => e.kind)).toEqual([
      'complaint.update_sent',
      'complaint.message_sent',
    ])
    const view = await ctx.services.complaints.findByStatusToken(statusToken)
    expect(view?.messages.map((m) => m.kind)).toEqual(['acknowledgement', 'update', 'message'])
  })

  it('adds internal notes, whose text stays out of the audit trail', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser)
    const empty = await post(dpo, complaintId, 'note', { note: ' ' }, 400)
    expect(empty.text).toContain('href="#note"')
    await post(dpo, complaintId, 'note', { note: 'Spoke to the study lead.' }, 303)
    const page = await dpo.get(`/staff/complaints/${complaintId}`).expect(200)
    expect(page.text).toContain('Spoke to the study lead.')
    const event = (await eventsOf(complaintId)).at(-1)
    expect(event?.kind).toBe('complaint.note_added')
    expect(JSON.stringify(event)).not.toContain('study lead')
  })

  it('closes with an outcome in a letter that always ends with the ICO paragraph', async () => {
    const { complaintId, reference } = await fileConfirmedComplaint(ctx, { email: 'pat@example.org' })
    const before = await stateOf(complaintId)
    const none = await post(dpo, complaintId, 'close', { letter: 'We looked into it.' }, 400)
    expect(none.text).toContain('href="#outcome"')
    const noChanges = await post(
      dpo,
      complaintId,
      'close',
      { outcome: 'upheld', changes: ' ', letter: 'We looked.' },
      400,
    )
    expect(noChanges.text).toContain('href="#changes"')
    const { page } = await complaintForm(dpo, complaintId)
    const draft = (/id="close-letter"[^>]*>([^<]*)</.exec(page.text)?.[1] ?? '').replace(/&#39;/g, "'")
    expect(draft).toContain(`Thank you for your complaint ${reference}`)
    const unfinished = await post(
      dpo,
      complaintId,
      'close',
      { outcome: 'partly_upheld', changes: 'Training.', letter: draft },
      400,
    )
    expect(unfinished.text).toContain('href="#close-letter"')
    expect(unfinished.text).toContain('value="partly_upheld" checked')
    expect(unfinished.text).toContain('Training.')
    expect(await stateOf(complaintId)).toEqual(before)

    // A letter that tries to say otherwise still ends with the portal's paragraph.
    await post(
      dpo,
      complaintId,
      'close',
      {
        outcome: 'partly_upheld',
        changes: 'Reminders now check the withdrawal list first.',
        letter: 'We found that two reminders were sent after you left. You cannot complain to anyone else.',
      },
      303,
    )
    expect(await row(complaintId)).toMatchObject({
      status: 'closed',
      outcome: 'partly_upheld',
      outcome_changes: 'Reminders now check the withdrawal list first.',
      closed_on: '2026-03-02',
    })
    const outcome = lastOf(await messagesOf(complaintId))
    expect(outcome.kind).toBe('outcome')
    expect(outcome.body.startsWith('Dear Pat Doe,')).toBe(true)
    expect(outcome.body).toContain('Our decision: we uphold part of your complaint.')
    expect(outcome.body).toContain('What will change: Reminders now check the withdrawal list first.')
    expect(outcome.body.endsWith(icoParagraph)).toBe(true)
    const mail = lastOf(await mailFor(complaintId))
    expect(mail.kind).toBe('complaint-outcome')
    expect(mail.text_body).toContain(icoParagraph)
    expect((await eventsOf(complaintId)).at(-1)).toMatchObject({
      kind: 'complaint.closed',
      data: { outcome: 'partly_upheld', closedOn: '2026-03-02', daysToOutcome: 0 },
    })

    // Closed: nothing more to send but messages.
    await post(dpo, complaintId, 'update', { letter: 'More news.' }, 409)
    await post(dpo, complaintId, 'close', { outcome: 'upheld', changes: 'x', letter: 'Again.' }, 409)
    await post(dpo, complaintId, 'message', { letter: 'Here is the copy you asked for.' }, 303)
  })

  it('drafts the outcome from the editable template, its placeholders filled', async () => {
    const { complaintId, reference } = await logComplaint(ctx, dpoUser, { receivedOn: '2026-02-20' })
    const admin = await signedInAgent(ctx, 'admin')
    await ctx.services.templates.save(
      admin.user,
      'complaint_outcome',
      'Our review of {reference}, received {received}, aimed for {target}. [Say what we found.]',
    )
    const { page } = await complaintForm(dpo, complaintId)
    expect(page.text).toContain(
      `Our review of ${reference}, received 20 February 2026, aimed for 23 March 2026. [Say what we found.]`,
    )
  })

  it('closes as not upheld without a change, and an unacknowledged complaint is acknowledged by it', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser, { email: null, name: null })
    await post(
      dpo,
      complaintId,
      'close',
      { outcome: 'not_upheld', changes: 'ignored', letter: 'We found no fault.' },
      303,
    )
    expect(await row(complaintId)).toMatchObject({
      status: 'closed',
      outcome: 'not_upheld',
      outcome_changes: null,
      acknowledged_on: '2026-03-02',
    })
    const outcome = lastOf(await messagesOf(complaintId))
    expect(outcome.body).toMatch(
      /^Hello,\n\nWe found no fault\.\n\nOur decision: we do not uphold your complaint\.\n\n/,
    )
    expect(outcome.body).not.toContain('What will change')
    expect(outcome.body.endsWith(icoParagraph)).toBe(true)
    expect((await eventsOf(complaintId)).at(-1)?.data).toMatchObject({ acknowledgedByOutcome: true })
  })

  it('reopens a closed complaint with a reason kept as a note, not in the trail', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser)
    await post(dpo, complaintId, 'reopen', { reopenReason: 'Why?' }, 409)
    await post(
      dpo,
      complaintId,
      'close',
      { outcome: 'upheld', changes: 'An apology.', letter: 'We agree.' },
      303,
    )
    const before = await stateOf(complaintId)
    const empty = await post(dpo, complaintId, 'reopen', { reopenReason: '' }, 400)
    expect(empty.text).toContain('href="#reopenReason"')
    expect(await stateOf(complaintId)).toEqual(before)
    await post(dpo, complaintId, 'reopen', { reopenReason: 'The person sent new evidence.' }, 303)
    expect(await row(complaintId)).toMatchObject({
      status: 'open',
      outcome: null,
      outcome_changes: null,
      closed_on: null,
    })
    const event = (await eventsOf(complaintId)).at(-1)
    expect(event).toMatchObject({
      kind: 'complaint.reopened',
      data: { previousOutcome: 'upheld', previousClosedOn: '2026-03-02' },
    })
    expect(JSON.stringify(event)).not.toContain('new evidence')
    const page = await dpo.get(`/staff/complaints/${complaintId}`).expect(200)
    expect(page.text).toContain('Reopened: The person sent new evidence.')
    expect(page.text).toContain('Was closed as upheld')
  })

  it('refuses a form without its CSRF token and changes nothing', async () => {
    const { complaintId } = await logComplaint(ctx, dpoUser)
    const { version } = await complaintForm(dpo, complaintId)
    const before = await stateOf(complaintId)
    await dpo
      .post(`/staff/complaints/${complaintId}/note`)
      .type('form')
      .send({ version, note: 'Sneaky' })
      .expect(403)
    await dpo
      .post(`/staff/complaints/${complaintId}/close`)
      .type('form')
      .send({ _csrf: 'forged', version, outcome: 'not_upheld', letter: 'No.' })
      .expect(403)
    expect(await stateOf(complaintId)).toEqual(before)
    await dpo.get('/staff/complaints/no-such-complaint').expect(404)
  })
})

describe('the auditor', () => {
  it('reads the queue and every complaint, and every action answers 403 with nothing changed', async () => {
    const { complaintId } = await fileConfirmedComplaint(ctx, { email: 'pat@example.org' })
    const { agent: auditor } = await signedInAgent(ctx, 'auditor')
    const page = await auditor.get(`/staff/complaints/${complaintId}`).expect(200)
    expect(page.text).toContain('pat@example.org')
    expect(page.text).not.toContain('name="version"')
    expect(page.text).not.toContain('Close with an outcome')
    await auditor.get('/staff/complaints/log').expect(403)
    const csrf = csrfFrom((await auditor.get('/staff/requests')).text)
    const before = await stateOf(complaintId)
    for (const action of ['assign', 'acknowledge', 'update', 'message', 'note', 'close', 'reopen']) {
      const res = await auditor
        .post(`/staff/complaints/${complaintId}/${action}`)
        .type('form')
        .send({ _csrf: csrf, version: '2', letter: 'Hello', note: 'x', outcome: 'upheld', changes: 'x' })
      expect(res.status, action).toBe(403)
    }
    await auditor
      .post('/staff/complaints/log')
      .type('form')
      .send({ _csrf: csrf, channel: 'post', receivedOn: '2026-03-01', subject: 'other', whatHappened: 'x' })
      .expect(403)
    expect(await stateOf(complaintId)).toEqual(before)
    expect(await complaintCount()).toBe(1)
  })
})
