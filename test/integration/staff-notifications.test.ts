import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { postCaseAction } from '../helpers/cases.js'
import { fileConfirmedComplaint } from '../helpers/complaints.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'
import type { StaffUser } from '../../src/domain/staff-user.js'

let ctx: TestContext
beforeEach(async () => {
  // Monday 2 March 2026, 10am in London: the one-month deadline of a request confirmed today is 2 April.
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const requester = { name: 'Jane Placeholder', email: 'jane.placeholder@example.org' }
const freeText = 'The emails about my voucher from May'

const mailOf = async (kind: string) => (await ctx.outbox()).filter((m) => m.kind === kind)
const row = (id: string) => ctx.services.db('rights_requests').where({ id }).first()

/** Files a request with a name and free text, as the public form would. */
async function submit(email = requester.email): Promise<string> {
  const study = (await ctx.services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  const { requestId } = await ctx.services.intake.submit({
    study,
    type: 'access',
    details: { type: 'access', description: freeText },
    email,
    name: requester.name,
  })
  return requestId
}

/** The confirmation path in the newest mail of a kind sent about a request. */
async function confirmPath(requestId: string, kind = 'confirm-request'): Promise<string> {
  const mail = (await mailOf(kind)).filter((m) => m.request_id === requestId).at(-1)
  const path = /http:\/\/portal\.test(\/confirm\/[A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!path) throw new Error(`No confirmation link in ${kind}`)
  return path
}

async function fileAndConfirm(email = requester.email): Promise<{ requestId: string; statusToken: string }> {
  const requestId = await submit(email)
  const token = (await confirmPath(requestId)).split('/').at(-1) ?? ''
  const { statusToken } = await ctx.services.intake.confirm(token)
  return { requestId, statusToken }
}

async function choose(user: StaffUser, choice: { newRequests: string; also?: string[] }): Promise<void> {
  await ctx.services.notifications.savePreferences(user, {
    newRequests: choice.newRequests,
    also: choice.also ?? [],
  })
}

/** Nothing about the person in a staff email: not their name, their address or their words. */
function expectNothingPersonal(text: string | null) {
  expect(text).not.toContain(requester.name)
  expect(text).not.toContain(requester.email)
  expect(text).not.toContain('example.org')
  expect(text).not.toContain(freeText)
}

describe('a new confirmed request', () => {
  it('emails staff who chose every new request, and nobody who turned it off, nor an auditor', async () => {
    const keeps = await createStaff(ctx, 'dpo', 'keeps@portal.test')
    const off = await createStaff(ctx, 'dpo', 'off@portal.test')
    await createStaff(ctx, 'auditor', 'auditor@portal.test')
    await createStaff(ctx, 'admin', 'admin@portal.test')
    await choose(off, { newRequests: 'none', also: ['replies', 'digest'] })

    const { requestId } = await fileAndConfirm()

    const mails = await mailOf('staff-new-request')
    expect(mails.map((m) => m.to_address)).toEqual([keeps.email])
    const [mail] = mails
    const { reference } = await row(requestId)
    expect(mail?.subject).toBe(`New access request ${reference}`)
    expect(mail?.text_body).toContain(`Reference: ${reference}`)
    expect(mail?.text_body).toContain('Type: Access')
    expect(mail?.text_body).toContain('Due: 2 April 2026')
    expect(mail?.text_body).toContain(`http://portal.test/staff/requests/${requestId}`)
    expectNothingPersonal(mail?.text_body ?? null)
    const html = await ctx.services.db('outbox').where({ id: mail?.id }).first('html_body')
    expectNothingPersonal(String(html?.html_body))
    // Staff mail is not the person's: it is not kept or cancelled with their request's mail.
    expect(mail?.request_id).toBeNull()
  })

  it('is not sent for a request never confirmed, nor to whoever established identity themselves', async () => {
    const dpo = await createStaff(ctx, 'dpo', 'dpo@portal.test')
    const other = await createStaff(ctx, 'dpo', 'other@portal.test')
    const requestId = await submit()
    expect(await mailOf('staff-new-request')).toEqual([])

    await ctx.services.intake.verifyByStaff(dpo, requestId, 'Checked against the study roster')
    expect((await mailOf('staff-new-request')).map((m) => m.to_address)).toEqual([other.email])
  })

  it('links to a case page that opens for the member of staff', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo', 'reader@portal.test')
    const { requestId } = await fileAndConfirm()
    const [mail] = await mailOf('staff-new-request')
    const path = /http:\/\/portal\.test(\/staff\/requests\/[0-9a-f-]{36})/.exec(mail?.text_body ?? '')?.[1]
    expect(path).toBe(`/staff/requests/${requestId}`)
    await agent.get(path ?? '').expect(200)
  })
})

describe('an assignment', () => {
  it('emails the assignee who chose requests assigned to them, never one who chose none', async () => {
    const { agent, user: lead } = await signedInAgent(ctx, 'dpo', 'lead@portal.test')
    const assignee = await createStaff(ctx, 'admin', 'assignee@portal.test')
    const quiet = await createStaff(ctx, 'dpo', 'quiet@portal.test')
    await choose(quiet, { newRequests: 'none' })
    const { requestId } = await fileAndConfirm()

    await postCaseAction(agent, requestId, 'assign', { assignee: assignee.id }, 303)
    const mails = await mailOf('staff-assigned')
    expect(mails.map((m) => m.to_address)).toEqual([assignee.email])
    const { reference } = await row(requestId)
    expect(mails[0]?.subject).toBe(`Request ${reference} is assigned to you`)
    expect(mails[0]?.text_body).toContain(`${lead.displayName} assigned request ${reference} to you.`)
    expect(mails[0]?.text_body).toContain(`http://portal.test/staff/requests/${requestId}`)
    expectNothingPersonal(mails[0]?.text_body ?? null)

    await postCaseAction(agent, requestId, 'assign', { assignee: quiet.id }, 303)
    expect(await mailOf('staff-assigned')).toHaveLength(1)
    // Taking a case oneself needs no email.
    await postCaseAction(agent, requestId, 'assign', { assignee: lead.id }, 303)
    expect(await mailOf('staff-assigned')).toHaveLength(1)
  })
})

describe('a reply from the person', () => {
  async function askAndReply(
    agent: ReturnType<TestContext['agent']>,
    requestId: string,
    statusToken: string,
  ) {
    await postCaseAction(
      agent,
      requestId,
      'ask',
      { kind: 'clarification', body: 'Which data do you mean?' },
      303,
    )
    const person = ctx.agent()
    const page = await person.get(`/status/${statusToken}`).expect(200)
    await person
      .post(`/status/${statusToken}/reply`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), reply: freeText })
      .expect(303)
  }

  it('emails the assignee, counts an unread reply, and opening the case reads it', async () => {
    const { agent, user: lead } = await signedInAgent(ctx, 'dpo', 'lead@portal.test')
    // Another DPO with replies on: the case is assigned, so only its assignee hears of the reply.
    await createStaff(ctx, 'dpo', 'other@portal.test')
    const { requestId, statusToken } = await fileAndConfirm()
    await postCaseAction(agent, requestId, 'assign', { assignee: lead.id }, 303)
    expect((await row(requestId)).unread_replies).toBe(0)

    await askAndReply(agent, requestId, statusToken)
    const mails = await mailOf('staff-reply')
    expect(mails.map((m) => m.to_address)).toEqual([lead.email])
    expect(mails[0]?.text_body).toContain(`http://portal.test/staff/requests/${requestId}`)
    expectNothingPersonal(mails[0]?.text_body ?? null)
    expect(Number((await row(requestId)).unread_replies)).toBe(1)

    // An auditor reading the case leaves the reply unread: they cannot act on it.
    const { agent: auditor } = await signedInAgent(ctx, 'auditor', 'auditor@portal.test')
    await auditor.get(`/staff/requests/${requestId}`).expect(200)
    expect(Number((await row(requestId)).unread_replies)).toBe(1)

    await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(Number((await row(requestId)).unread_replies)).toBe(0)
  })

  it('goes to everyone who chose replies when nobody is assigned, and to nobody who opted out', async () => {
    const { agent, user: lead } = await signedInAgent(ctx, 'dpo', 'lead@portal.test')
    const optedOut = await createStaff(ctx, 'dpo', 'opted-out@portal.test')
    const admin = await createStaff(ctx, 'admin', 'admin@portal.test')
    await createStaff(ctx, 'auditor', 'auditor@portal.test')
    await choose(optedOut, { newRequests: 'every', also: ['digest'] })
    const { requestId, statusToken } = await fileAndConfirm()

    await askAndReply(agent, requestId, statusToken)
    expect((await mailOf('staff-reply')).map((m) => m.to_address).sort()).toEqual(
      [lead.email, admin.email].sort(),
    )
  })
})

describe('the daily digest', () => {
  /** Sets a confirmed request's deadline, as if it had been confirmed earlier. */
  const dueOn = (id: string, date: string) =>
    ctx.services.db('rights_requests').where({ id }).update({ due_on: date })

  async function caseload() {
    const overdue = (await fileAndConfirm('one@example.org')).requestId
    const soon = (await fileAndConfirm('two@example.org')).requestId
    const later = (await fileAndConfirm('three@example.org')).requestId
    await dueOn(overdue, '2026-03-05')
    await dueOn(soon, '2026-03-12')
    await dueOn(later, '2026-04-02')
    const { complaintId, reference } = await fileConfirmedComplaint(ctx, {
      email: requester.email,
      name: requester.name,
      whatHappened: freeText,
    })
    await ctx.services
      .db('complaints')
      .where({ id: complaintId })
      .update({ acknowledged_on: null, acknowledgement_due_on: '2026-04-01' })
    return { overdue, soon, later, complaintId, complaintReference: reference }
  }

  it('lists what is overdue, due soon and waiting for an acknowledgement, with nothing personal', async () => {
    const dpo = await createStaff(ctx, 'dpo', 'dpo@portal.test')
    const auditor = await createStaff(ctx, 'auditor', 'auditor@portal.test')
    const off = await createStaff(ctx, 'dpo', 'off@portal.test')
    await choose(off, { newRequests: 'every', also: ['replies'] })
    const cases = await caseload()
    const references = new Map<string, string>()
    for (const id of [cases.overdue, cases.soon, cases.later])
      references.set(id, String((await row(id)).reference))

    // Tuesday 10 March, 7:30am in London.
    ctx.setNow('2026-03-10T07:30:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 1 })
    const mails = await mailOf('staff-digest')
    expect(mails.map((m) => m.to_address)).toEqual([dpo.email])
    expect(mails.map((m) => m.to_address)).not.toContain(auditor.email)
    const text = mails[0]?.text_body ?? ''
    expect(mails[0]?.subject).toBe(
      'Daily summary for 10 March 2026: 1 overdue, 1 due within 7 days, 1 complaint to acknowledge',
    )
    const overdueAt = text.indexOf('OVERDUE')
    const soonAt = text.indexOf('DUE WITHIN 7 DAYS')
    const ackAt = text.indexOf('COMPLAINTS WAITING FOR AN ACKNOWLEDGEMENT')
    expect(overdueAt).toBeGreaterThan(-1)
    expect(soonAt).toBeGreaterThan(overdueAt)
    expect(ackAt).toBeGreaterThan(soonAt)
    const overdueLine = text.slice(overdueAt, soonAt)
    expect(overdueLine).toContain(
      `${references.get(cases.overdue)}, Access request. Due 5 March 2026 (5 days overdue).`,
    )
    expect(overdueLine).toContain(`http://portal.test/staff/requests/${cases.overdue}`)
    const soonLine = text.slice(soonAt, ackAt)
    expect(soonLine).toContain(
      `${references.get(cases.soon)}, Access request. Due 12 March 2026 (2 days left).`,
    )
    expect(text).not.toContain(String(references.get(cases.later)))
    const ackLine = text.slice(ackAt)
    expect(ackLine).toContain(
      `${cases.complaintReference}, Complaint. Acknowledge by 1 April 2026 (22 days left).`,
    )
    expect(ackLine).toContain(`http://portal.test/staff/complaints/${cases.complaintId}`)
    expectNothingPersonal(text)
    for (const address of ['one@example.org', 'two@example.org', 'three@example.org']) {
      expect(text).not.toContain(address)
    }
    const html = await ctx.services.db('outbox').where({ id: mails[0]?.id }).first('html_body')
    expectNothingPersonal(String(html?.html_body))
  })

  it('is sent once per UK day however often the job runs, and again the next morning', async () => {
    await createStaff(ctx, 'dpo', 'dpo@portal.test')
    await caseload()
    // 6:30am in London: too early.
    ctx.setNow('2026-03-10T06:30:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 0 })
    ctx.setNow('2026-03-10T07:05:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 1 })
    ctx.setNow('2026-03-10T15:00:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 0 })
    // A restarted server runs its jobs again at once: the day's digest is recorded as sent.
    const again = await createTestContextSharing(ctx)
    expect(await again.sendDigests()).toEqual({ digestsSent: 0 })
    expect(await mailOf('staff-digest')).toHaveLength(1)
    ctx.setNow('2026-03-11T07:10:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 1 })
    expect(await mailOf('staff-digest')).toHaveLength(2)
  })

  it('is not sent when nothing is due, overdue or waiting', async () => {
    await createStaff(ctx, 'dpo', 'dpo@portal.test')
    const { requestId } = await fileAndConfirm()
    await dueOn(requestId, '2026-04-02')
    ctx.setNow('2026-03-10T08:00:00Z')
    expect(await ctx.services.notifications.sendDigests()).toEqual({ digestsSent: 0 })
    expect(await mailOf('staff-digest')).toEqual([])
  })
})

/** A second set of services on the same database, as a restarted server has. */
async function createTestContextSharing(context: TestContext) {
  const { createServices } = await import('../../src/services.js')
  const services = createServices({
    db: context.services.db,
    config: context.config,
    log: context.services.log,
    now: () => context.now(),
  })
  return services.notifications
}

describe('choosing on the account page', () => {
  it('saves the choices with a success message, and they apply to the next request', async () => {
    const { agent, user } = await signedInAgent(ctx, 'dpo', 'dpo@portal.test')
    const page = await agent.get('/staff/account').expect(200)
    expect(page.text).toContain('Email notifications')
    expect(page.text).toMatch(/name="newRequests" type="radio" value="every" checked/)
    await agent
      .post('/staff/account/notifications')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), newRequests: 'assigned', also: 'digest' })
      .expect(303)
      .expect('Location', '/staff/account')
    const after = await agent.get('/staff/account').expect(200)
    expect(after.text).toContain('Your email notification choices are saved.')
    expect(after.text).toMatch(/name="newRequests" type="radio" value="assigned" checked/)
    expect(after.text).toMatch(/name="also" type="checkbox" value="digest" checked/)
    expect(after.text).not.toMatch(/name="also" type="checkbox" value="replies" checked/)
    expect(await ctx.services.notifications.preferencesOf(user)).toEqual({
      notified: true,
      preferences: { newRequests: 'assigned', replies: false, digest: true },
    })
    await fileAndConfirm()
    expect(await mailOf('staff-new-request')).toEqual([])
  })

  it('refuses a choice that is not offered, changes nothing, and keeps what was ticked', async () => {
    const { agent, user } = await signedInAgent(ctx, 'dpo', 'dpo@portal.test')
    const page = await agent.get('/staff/account').expect(200)
    const res = await agent
      .post('/staff/account/notifications')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), newRequests: 'sometimes', also: 'replies' })
      .expect(400)
    expect(res.text).toContain('govuk-error-summary')
    expect(res.text).toContain('href="#newRequests"')
    expect(res.text).toMatch(/name="also" type="checkbox" value="replies" checked/)
    expect(res.text).not.toMatch(/name="also" type="checkbox" value="digest" checked/)
    expect(await ctx.services.notifications.preferencesOf(user)).toEqual({
      notified: true,
      preferences: { newRequests: 'every', replies: true, digest: true },
    })
  })

  it('needs the form’s CSRF token', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo', 'dpo@portal.test')
    const res = await agent.post('/staff/account/notifications').type('form').send({ newRequests: 'none' })
    expect(res.status).toBe(403)
  })

  it('tells an auditor why they get no emails, and offers no form', async () => {
    const { agent, user } = await signedInAgent(ctx, 'auditor', 'auditor@portal.test')
    const page = await agent.get('/staff/account').expect(200)
    expect(page.text).toContain('Auditors are not emailed about requests')
    expect(page.text).not.toContain('name="newRequests"')
    await agent
      .post('/staff/account/notifications')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), newRequests: 'every', also: ['replies', 'digest'] })
      .expect(403)
    expect(await ctx.services.db('staff_notification_preferences').where({ user_id: user.id })).toEqual([])
  })
})

describe('the reminder to confirm', () => {
  const hours = (n: number) => new Date(Date.parse('2026-03-02T10:00:00Z') + n * 60 * 60 * 1000)

  it('is sent once, 48 hours after a request still unconfirmed, and its link confirms it', async () => {
    const requestId = await submit()
    const first = await confirmPath(requestId)
    ctx.setNow(hours(47))
    expect(await ctx.services.reminders.remindUnconfirmed()).toBe(0)
    ctx.setNow(hours(48))
    expect(await ctx.services.reminders.remindUnconfirmed()).toBe(1)
    ctx.setNow(hours(60))
    expect(await ctx.services.reminders.remindUnconfirmed()).toBe(0)

    const reminders = (await mailOf('confirm-reminder')).filter((m) => m.request_id === requestId)
    expect(reminders).toHaveLength(1)
    expect(reminders[0]?.to_address).toBe(requester.email)
    // The same expiry as the link it replaces: 7 days after the request.
    expect(reminders[0]?.text_body).toContain('The link works until 9 March 2026.')
    const reminderPath = await confirmPath(requestId, 'confirm-reminder')
    expect(reminderPath).not.toBe(first)
    const links = await ctx.services.db('request_links').where({ request_id: requestId, purpose: 'confirm' })
    // Kept only as hashes: neither token is stored.
    for (const link of links) {
      expect(first).not.toContain(link.token_hash)
      expect(reminderPath).not.toContain(link.token_hash)
    }
    expect(links).toHaveLength(2)
    expect(links[0]?.expires_at).toBe(links[1]?.expires_at)
    expect(links[0]?.expires_at).toMatch(/^2026-03-09T10:00:00/)
    // The first link is replaced: one live link at a time.
    expect(links.filter((l) => l.used_at === null)).toHaveLength(1)

    const person = ctx.agent()
    const page = await person.get(reminderPath).expect(200)
    await person
      .post(reminderPath)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    expect((await row(requestId)).status).toBe('received')
    const events = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'request.reminder_sent' })
    expect(events).toHaveLength(1)
  })

  it('is not sent to someone who confirmed', async () => {
    const { requestId } = await fileAndConfirm()
    ctx.setNow(hours(49))
    expect(await ctx.services.reminders.remindUnconfirmed()).toBe(0)
    expect((await mailOf('confirm-reminder')).filter((m) => m.request_id === requestId)).toEqual([])
  })

  it('runs with maintenance, which still closes an unconfirmed request 7 days on', async () => {
    const { runMaintenance } = await import('../../src/jobs/maintenance.js')
    const requestId = await submit()
    ctx.setNow(hours(50))
    expect((await runMaintenance(ctx.services)).confirmRemindersSent).toBe(1)
    ctx.setNow(hours(7 * 24 - 1))
    expect((await runMaintenance(ctx.services)).unconfirmedClosed).toBe(0)
    ctx.setNow(hours(7 * 24 + 1))
    const report = await runMaintenance(ctx.services)
    expect(report.unconfirmedClosed).toBe(1)
    expect(report.confirmRemindersSent).toBe(0)
    expect((await row(requestId)).status).toBe('unverified')
  })
})
