import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/jobs/maintenance.js'
import { removeClosedCaseText } from '../../src/requests/case-retention.js'
import { down, up } from '../../migrations/20261201000700_add_request_case_text_removed.js'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
  staffMember = undefined
})
afterEach(async () => {
  await ctx.destroy()
})

const db = () => ctx.services.db
const request = (id: string) => db()('rights_requests').where({ id }).first()
const marker = '[removed after 24 months]'

let staffMember: Awaited<ReturnType<typeof createStaff>> | undefined
/** The DPO who handles every case in a test. */
async function dpo() {
  staffMember ??= await createStaff(ctx, 'dpo', 'case-handler@portal.test')
  return staffMember
}

/** The free text a case gathers, each piece naming the person's phone number. */
async function caseWithText(instant: string): Promise<{ requestId: string; statusToken: string }> {
  ctx.setNow(instant)
  const staff = await dpo()
  const filed = await fileConfirmedRequest(ctx, {
    email: `person-${newId()}@example.org`,
    type: 'rectification',
    details: { type: 'rectification', inaccurate: 'Phone 07700 900123 is wrong', correction: 'Smith' },
  })
  const { requestId } = filed
  const at = ctx.now().toISOString()
  await ctx.services.caseHandling.addNote(staff, requestId, 'Rang 07700 900123; Sam confirmed it')
  await ctx.services.caseHandling.addTask(staff, requestId, 'Call Sam on 07700 900123')
  const [task] = await db()('request_tasks').where({ request_id: requestId }).pluck('id')
  await ctx.services.caseHandling.completeTask(staff, requestId, String(task), {
    resolution: 'done',
    note: 'Spoke on 07700 900123',
  })
  await db()('request_messages').insert([
    {
      id: newId(),
      request_id: requestId,
      direction: 'from_person',
      kind: 'reply',
      subject: null,
      body: 'My number is 07700 900123',
      created_at: at,
    },
    {
      id: newId(),
      request_id: requestId,
      direction: 'to_person',
      kind: 'message',
      subject: 'About your request',
      body: 'We will call you on 07700 900123.',
      author_id: staff.id,
      created_at: at,
    },
  ])
  await db()('request_decisions').insert({
    id: newId(),
    request_id: requestId,
    part: 'survey_answers',
    ground: 'research',
    reasoning: 'The answers given from 07700 900123 are anonymised',
    decided_by: staff.id,
    decided_at: at,
  })
  await db()('request_searches').insert({
    id: newId(),
    request_id: requestId,
    place: 'Survey platform',
    searched_on: instant.slice(0, 10),
    searched_by: staff.id,
    found: 'One row with 07700 900123',
    search_limit: 'Backups holding 07700 900123 not searched',
    created_at: at,
  })
  await db()('rights_requests')
    .where({ id: requestId })
    .update({ extension_reason: 'We are waiting for 07700 900123 to answer' })
  await ctx.services.intake.withdraw(filed.statusToken)
  return filed
}

/** Every row of the case's text tables, as stored. */
async function caseRows(requestId: string) {
  const of = (table: string, order: string) => db()(table).where({ request_id: requestId }).orderBy(order)
  return {
    messages: await of('request_messages', 'created_at'),
    notes: await of('request_notes', 'created_at'),
    tasks: await of('request_tasks', 'created_at'),
    decisions: await of('request_decisions', 'decided_at'),
    searches: await of('request_searches', 'created_at'),
  }
}

describe('the free text of a closed case', () => {
  it('is replaced by a marker once the period after closing has passed, keeping every row and date', async () => {
    const { requestId } = await caseWithText('2024-02-01T09:00:00Z')
    const before = await caseRows(requestId)
    const requestBefore = await request(requestId)
    ctx.setNow('2026-03-02T10:00:00Z')

    const report = await runMaintenance(ctx.services)
    expect(report.caseTextRemoved).toBe(1)

    const after = await caseRows(requestId)
    expect(JSON.stringify(after)).not.toContain('07700')
    expect(after.messages).toHaveLength(before.messages.length)
    expect(after.messages).toEqual(before.messages.map((m: object) => ({ ...m, body: marker })))
    expect(after.notes).toEqual(before.notes.map((n: object) => ({ ...n, body: marker })))
    expect(after.tasks).toEqual(before.tasks.map((t: object) => ({ ...t, title: marker, done_note: marker })))
    expect(after.tasks[0].done_at).toBe(before.tasks[0].done_at)
    expect(after.decisions).toEqual(before.decisions.map((d: object) => ({ ...d, reasoning: marker })))
    expect(after.searches).toEqual(
      before.searches.map((s: object) => ({ ...s, found: marker, search_limit: marker })),
    )
    const row = await request(requestId)
    expect(JSON.parse(String(row.details))).toEqual({
      type: 'rectification',
      inaccurate: marker,
      correction: marker,
    })
    expect(row).toMatchObject({
      extension_reason: marker,
      case_text_removed_at: expect.stringMatching(/^2026-03-02T10:00:/) as unknown,
      status: 'withdrawn',
      reference: requestBefore.reference,
      received_on: requestBefore.received_on,
      closed_at: requestBefore.closed_at,
    })
    // Forms opened on the case before the removal are stale after it.
    expect(Number(row.version)).toBeGreaterThan(Number(requestBefore.version))

    const events = await db()('events').where({ kind: 'request.case_text_removed' })
    expect(events.map((e: { subject_id: string }) => e.subject_id)).toEqual([requestId])
    expect(JSON.parse(String(events[0].data))).toEqual({
      removed: {
        requestFields: 3,
        messages: before.messages.length,
        notes: 1,
        tasks: 1,
        decisions: 1,
        searches: 1,
      },
      closedOn: '2024-02-01',
      keptUntil: '2026-02-01',
      retentionMonths: 24,
    })
    expect(JSON.stringify(events)).not.toContain('07700')

    expect((await runMaintenance(ctx.services)).caseTextRemoved).toBe(0)
    expect(await ctx.services.audit.verify('cli')).toMatchObject({ result: 'ok', firstBreak: null })
  })

  it('is kept through the last day of the period, in London dates', async () => {
    const lastDay = await caseWithText('2024-03-02T09:00:00Z')
    // 23:30 UTC on 1 March 2024 is still 1 March in London (GMT): due today.
    const dayBefore = await caseWithText('2024-03-01T23:30:00Z')
    const open = await fileConfirmedRequest(ctx, {
      email: 'open@example.org',
      details: { type: 'access', description: 'Everything from 07700 900123' },
    })
    ctx.setNow('2026-03-02T10:00:00Z')
    expect((await runMaintenance(ctx.services)).caseTextRemoved).toBe(1)
    expect(JSON.stringify(await caseRows(lastDay.requestId))).toContain('07700')
    expect(JSON.stringify(await caseRows(dayBefore.requestId))).not.toContain('07700')
    expect(await request(lastDay.requestId)).toMatchObject({ case_text_removed_at: null })
    expect((await request(open.requestId)).details).toContain('07700')
  })

  it('follows CASE_TEXT_RETENTION_MONTHS, apart from the contact details', async () => {
    await ctx.destroy()
    ctx = await createTestContext({
      env: { CASE_TEXT_RETENTION_MONTHS: '6', CONTACT_RETENTION_MONTHS: '24' },
    })
    staffMember = undefined
    const { requestId } = await caseWithText('2025-08-01T09:00:00Z')
    ctx.setNow('2026-03-02T10:00:00Z')
    const report = await runMaintenance(ctx.services)
    expect(report).toMatchObject({ caseTextRemoved: 1, contactsPurged: 0 })
    const row = await request(requestId)
    expect(row.email).toMatch(/@example\.org$/)
    expect(JSON.parse(String(row.details))).toMatchObject({ inaccurate: '[removed after 6 months]' })
  })

  it('is found a page at a time', async () => {
    const ids = [
      (await caseWithText('2023-05-01T09:00:00Z')).requestId,
      (await caseWithText('2023-05-01T09:00:00Z')).requestId,
      (await caseWithText('2024-01-01T09:00:00Z')).requestId,
    ]
    await caseWithText('2024-03-02T09:00:00Z')
    ctx.setNow('2026-03-02T10:00:00Z')
    const deps = { db: db(), requests: ctx.services.requests, now: ctx.services.now, months: 24 }
    expect(await removeClosedCaseText(deps, 1)).toBe(3)
    for (const id of ids) expect((await request(id)).case_text_removed_at).not.toBeNull()
  })
})

describe('a case reopened', () => {
  it('after it was listed for removal keeps its text: only a closed case loses it', async () => {
    const { requestId } = await caseWithText('2024-02-01T09:00:00Z')
    ctx.setNow('2026-03-02T10:00:00Z')
    // Reopened between the listing and the removal.
    await db()('rights_requests').where({ id: requestId }).update({ status: 'received', closed_at: null })
    const removed = await db().transaction((trx) =>
      ctx.services.requests.removeCaseText(trx, requestId, marker, ctx.now()),
    )
    expect(removed).toBeNull()
    expect(JSON.stringify(await caseRows(requestId))).toContain('07700')
    expect(await request(requestId)).toMatchObject({ case_text_removed_at: null })
    expect((await runMaintenance(ctx.services)).caseTextRemoved).toBe(0)
  })

  it('after its text was removed, and closed again, loses what was added once its new period passes', async () => {
    const { requestId } = await caseWithText('2024-02-01T09:00:00Z')
    ctx.setNow('2026-03-02T10:00:00Z')
    await runMaintenance(ctx.services)
    const staff = await dpo()
    await db()('rights_requests').where({ id: requestId }).update({ status: 'received', closed_at: null })
    await ctx.services.caseHandling.addNote(staff, requestId, 'Sam rang again from 07700 900999')
    await db()('rights_requests')
      .where({ id: requestId })
      .update({ status: 'withdrawn', closed_at: ctx.now().toISOString() })
    ctx.setNow('2028-03-03T10:00:00Z')
    expect((await runMaintenance(ctx.services)).caseTextRemoved).toBe(1)
    expect(JSON.stringify(await caseRows(requestId))).not.toContain('07700')
    const events = await db()('events')
      .where({ kind: 'request.case_text_removed', subject_id: requestId })
      .orderBy('seq')
    expect(events).toHaveLength(2)
    expect(JSON.parse(String(events[1].data))).toMatchObject({
      removed: { notes: 1, messages: 0, tasks: 0, requestFields: 0 },
    })
  })
})

describe('a task staff add to a case', () => {
  it('keeps its title in the task: the event names the task by id, and the timeline reads the title', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'jane@example.org' })
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    await ctx.services.caseHandling.addTask(user, requestId, 'Call Jane on 07700 900123')
    const [taskId] = await db()('request_tasks').where({ request_id: requestId }).pluck('id')
    const events = await db()('events').where({ subject_id: requestId, kind: 'case.task_added' })
    expect(events.map((e: { data: string }) => JSON.parse(e.data) as unknown)).toEqual([{ taskId }])

    const timeline = async () => {
      const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
      return /<ol class="app-timeline[^"]*">([\s\S]*?)<\/ol>/.exec(page.text)?.[1] ?? ''
    }
    expect(await timeline()).toMatch(/Task added[\s\S]*Call Jane on 07700 900123/)

    await db()('request_tasks').where({ id: taskId }).update({ title: marker })
    const minimised = await timeline()
    expect(minimised).not.toContain('07700')
    expect(minimised).toContain(marker)
  })
})

describe('the migration adding case_text_removed_at', () => {
  it('runs down and up again', async () => {
    await down(db())
    expect(await db().schema.hasColumn('rights_requests', 'case_text_removed_at')).toBe(false)
    await up(db())
    expect(await db().schema.hasColumn('rights_requests', 'case_text_removed_at')).toBe(true)
  })
})
