import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { requestRow, type RequestRowInput } from '../helpers/request-rows.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-20T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const studyId = async () => (await ctx.services.studies.listAll())[0]!.id
const reference = (n: number) => `DSR-2026-${String(n).padStart(5, '0')}`

async function insertRows(inputs: RequestRowInput[]) {
  const study = await studyId()
  await ctx.services.db.batchInsert(
    'rights_requests',
    inputs.map((input) => requestRow(study, input)),
    100,
  )
}

/** The requests counted as the counts table keeps them, and the table itself, without empty rows. */
async function countsBothWays() {
  const db = ctx.services.db
  const key = (r: { status: string; type: string; study_id: string; assignee_id: string | null }) =>
    `${r.status}/${r.type}/${r.study_id}/${r.assignee_id ?? ''}`
  type Counted = {
    status: string
    type: string
    study_id: string
    assignee_id: string | null
    n: number | string
  }
  const actual = (await db('rights_requests')
    .select('status', 'type', 'study_id', 'assignee_id')
    .count({ n: '*' })
    .groupBy('status', 'type', 'study_id', 'assignee_id')) as unknown as Counted[]
  const kept = await db<Counted>('request_counts').where('n', '<>', 0)
  return {
    actual: Object.fromEntries(actual.map((r) => [key(r), Number(r.n)])),
    kept: Object.fromEntries(kept.map((r) => [key(r), Number(r.n)])),
  }
}

describe('request counts kept by the database', () => {
  it('follow every insert, change of status, type, study or assignee, and delete', async () => {
    const staff = await createStaff(ctx, 'dpo')
    await insertRows([
      { reference: reference(1), receivedAt: '2026-03-01T09:00:00Z' },
      { reference: reference(2), receivedAt: '2026-03-02T09:00:00Z', type: 'erasure' },
      { reference: reference(3), receivedAt: '2026-03-03T09:00:00Z', assigneeId: staff.id },
      { receivedAt: '2026-03-19T09:00:00Z', confirmed: false },
    ])
    let counts = await countsBothWays()
    expect(counts.kept).toEqual(counts.actual)
    expect(Object.values(counts.kept).reduce((a, b) => a + b, 0)).toBe(4)

    const db = ctx.services.db
    await db('rights_requests')
      .where({ reference: reference(1) })
      .update({ status: 'completed' })
    await db('rights_requests')
      .where({ reference: reference(2) })
      .update({ type: 'objection' })
    await db('rights_requests')
      .where({ reference: reference(3) })
      .update({ assignee_id: null })
    await db('rights_requests').whereNull('reference').update({ status: 'unverified' })
    // A change of nothing counted leaves the counts alone.
    await db('rights_requests').update({ updated_at: '2026-03-20T10:00:00.000Z' })
    counts = await countsBothWays()
    expect(counts.kept).toEqual(counts.actual)

    const second = { ...(await db('studies').first()), id: 'study-2', slug: 'second-study' }
    await db('studies').insert(second)
    await db('rights_requests')
      .where({ reference: reference(2) })
      .update({ study_id: 'study-2' })
    await db('rights_requests')
      .where({ reference: reference(1) })
      .del()
    counts = await countsBothWays()
    expect(counts.kept).toEqual(counts.actual)
    expect(Object.values(counts.kept).reduce((a, b) => a + b, 0)).toBe(3)
  })

  it('come through the portal’s own changes: requests submitted, confirmed and assigned', async () => {
    const ids: string[] = []
    for (const email of ['a@example.org', 'b@example.org']) {
      ids.push((await fileConfirmedRequest(ctx, { email })).requestId)
    }
    const study = (await ctx.services.studies.listAccepting())[0]!
    await ctx.services.intake.submit({
      study,
      type: 'access',
      details: { type: 'access' },
      email: 'c@example.org',
      name: null,
    })
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/requests').expect(200)
    expect(page.text).toContain('Open (2)')
    expect(page.text).toContain('Not confirmed (1)')
    await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(csrfFrom(page.text))}&action=assign&bulkAssignee=${user.id}&ids=${ids[0]}`,
      )
      .expect(303)
    const counts = await countsBothWays()
    expect(counts.kept).toEqual(counts.actual)
    const mine = await agent.get('/staff/requests?assignee=mine').expect(200)
    expect(mine.text).toContain('Open (1)')
    expect(mine.text).toContain('Not confirmed (0)')
  })
})

describe('the queue’s counts', () => {
  /** 1,030 open requests, most of them erasure requests, all but the 20 received in March overdue. */
  async function manyOpen() {
    const inputs: RequestRowInput[] = []
    for (let i = 0; i < 1030; i++) {
      inputs.push({
        reference: reference(i + 1),
        type: i < 1010 ? 'erasure' : 'access',
        receivedAt: new Date(
          Date.parse(i < 1010 ? '2026-01-05T09:00:00Z' : '2026-03-10T09:00:00Z') + i * 60_000,
        ).toISOString(),
      })
    }
    await insertRows(inputs)
  }

  it('are exact for type, study and assignee, with thousands separated', async () => {
    await manyOpen()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const all = await agent.get('/staff/requests').expect(200)
    expect(all.text).toContain('Open (1,030)')
    expect(all.text).toContain('Showing 1 to 50 of 1,030')
    const erasure = await agent.get('/staff/requests?type=erasure&assignee=unassigned').expect(200)
    expect(erasure.text).toContain('Open (1,010)')
    const mine = await agent.get('/staff/requests?assignee=mine').expect(200)
    expect(mine.text).toContain('Open (0)')
    expect(mine.text).toContain('No requests match.')
  })

  it('say "more than 1,000" for other filters past the cap, and are exact below it', async () => {
    await manyOpen()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const overdue = await agent.get('/staff/requests?due=overdue').expect(200)
    expect(overdue.text).toContain('Open (more than 1,000)')
    expect(overdue.text).toContain('Showing 1 to 50 of more than 1,000')
    expect(overdue.text).toContain('Closed (0)')
    // Far past the cap, the position still says which rows these are.
    let url: string | undefined = '/staff/requests?due=overdue'
    let page = overdue
    for (let n = 0; n < 20 && url; n++) {
      page = await agent.get(url).expect(200)
      url = /href="([^"]+)" rel="next"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&')
    }
    expect(page.text).toContain('Showing 951 to 1,000 of more than 1,000')
    const recent = await agent
      .get('/staff/requests?from-day=1&from-month=3&from-year=2026&to-day=31&to-month=3&to-year=2026')
      .expect(200)
    expect(recent.text).toContain('Open (20)')
  })

  it('filter by the London day received, either side of midnight in summer', async () => {
    await insertRows([
      // 00:30 on 1 July in London.
      { reference: reference(1), receivedAt: '2026-06-30T23:30:00Z' },
      // 00:30 on 2 July in London.
      { reference: reference(2), receivedAt: '2026-07-01T23:30:00Z' },
      // 23:30 on 30 June in London.
      { reference: reference(3), receivedAt: '2026-06-30T22:30:00Z' },
    ])
    const { agent } = await signedInAgent(ctx, 'dpo')
    const day = await agent
      .get('/staff/requests?from-day=1&from-month=7&from-year=2026&to-day=1&to-month=7&to-year=2026')
      .expect(200)
    expect(day.text).toContain(reference(1))
    expect(day.text).not.toContain(reference(2))
    expect(day.text).not.toContain(reference(3))
    expect(day.text).toContain('Open (1)')
  })
})
