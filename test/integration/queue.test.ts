import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest, insertOpenRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-01-05T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const references = (html: string) => [...html.matchAll(/>(DSR-\d{4}-\d{5})</g)].map((m) => m[1])

describe('the queue', () => {
  it('lists confirmed requests nearest deadline first with days left, due soon and overdue', async () => {
    await fileConfirmedRequest(ctx, { email: 'first@example.org' }) // due 5 Feb
    ctx.setNow('2026-01-20T10:00:00Z')
    await fileConfirmedRequest(ctx, { email: 'second@example.org', type: 'erasure' }) // due 20 Feb
    ctx.setNow('2026-01-12T10:00:00Z')
    await fileConfirmedRequest(ctx, {
      email: 'third@example.org',
      type: 'rectification',
      details: { type: 'rectification', inaccurate: 'a', correction: 'b' },
    }) // due 12 Feb
    ctx.setNow('2026-02-03T10:00:00Z')
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/requests').expect(200)
    expect(references(page.text)).toEqual(['DSR-2026-00001', 'DSR-2026-00003', 'DSR-2026-00002'])
    expect(page.text).toContain('Due soon: 2 days left')
    expect(page.text).toContain('Open (3)')
    ctx.setNow('2026-02-06T10:00:00Z')
    const { agent: nextDay } = await signedInAgent(ctx, 'dpo', 'dpo2@portal.test')
    const later = await nextDay.get('/staff/requests').expect(200)
    expect(later.text).toContain('1 day overdue')
    const overdue = await nextDay.get('/staff/requests?due=overdue').expect(200)
    expect(references(overdue.text)).toEqual(['DSR-2026-00001'])
    const erasures = await nextDay.get('/staff/requests?type=erasure').expect(200)
    expect(references(erasures.text)).toEqual(['DSR-2026-00002'])
  })

  it('hides unconfirmed and closed requests one click away', async () => {
    await fileConfirmedRequest(ctx, { email: 'open@example.org' })
    const study = (await ctx.services.studies.listAccepting())[0]!
    await ctx.services.intake.submit({
      study,
      type: 'access',
      details: { type: 'access' },
      email: 'x@example.org',
      name: null,
    })
    const { agent } = await signedInAgent(ctx, 'auditor')
    const open = await agent.get('/staff/requests').expect(200)
    expect(open.text).toContain('Open (1)')
    expect(open.text).toContain('Not confirmed (1)')
    const unconfirmed = await agent.get('/staff/requests?tab=unconfirmed').expect(200)
    expect(unconfirmed.text).toContain('Awaiting confirmation')
    expect(references(unconfirmed.text)).toEqual([])
  })

  it('finds a request by reference or by the whole email address, in any capitals', async () => {
    const first = await fileConfirmedRequest(ctx, { email: 'Jane.Doe@example.org' })
    const second = await fileConfirmedRequest(ctx, { email: 'john@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    // One request matches a whole reference: straight to its case.
    const byReference = await agent.get('/staff/requests?q=dsr-2026-00002').expect(303)
    expect(byReference.headers.location).toBe(`/staff/requests/${second.requestId}`)
    expect(
      references((await agent.get('/staff/requests?q=Jane.Doe%40EXAMPLE.org').expect(200)).text),
    ).toEqual(['DSR-2026-00001'])
    expect(
      references((await agent.get('/staff/requests?q=jane.doe%40example.org').expect(200)).text),
    ).toEqual(['DSR-2026-00001'])
    expect(first.requestId).not.toBe(second.requestId)
    const partial = await agent.get('/staff/requests?q=jane').expect(400)
    expect(partial.text).toContain('href="#q"')
    expect(partial.text).toContain('value="jane"')
  })

  it('pages with a keyset cursor, never repeating or skipping a request', async () => {
    for (let i = 0; i < 55; i++) {
      ctx.setNow(new Date(Date.parse('2026-01-05T10:00:00Z') + (i % 9) * 86_400_000))
      await fileConfirmedRequest(ctx, { email: `p${i}@example.org` })
    }
    const { agent } = await signedInAgent(ctx, 'dpo')
    const first = await agent.get('/staff/requests').expect(200)
    const firstRefs = references(first.text)
    expect(firstRefs).toHaveLength(50)
    const next = /href="([^"]*after=[^"]+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&')
    expect(next).toBeDefined()
    const second = await agent.get(next as string).expect(200)
    const secondRefs = references(second.text)
    expect(secondRefs).toHaveLength(5)
    expect(new Set([...firstRefs, ...secondRefs]).size).toBe(55)
    await agent.get('/staff/requests?after=not-a-cursor').expect(200)
  })

  it('rejects a malformed date filter with an error on the field', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await agent.get('/staff/requests?from-day=31&from-month=2&from-year=2026').expect(400)
    expect(res.text).toContain('href="#from-day"')
    expect(res.text).toContain('Received from must be a real date')
    expect(res.text).toContain('name="from-day" type="text" value="31"')
  })

  it('shows the case with its deadline rule and timeline', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'case@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).toContain('DSR-2026-00001')
    expect(page.text).toContain('case@example.org')
    expect(page.text).toContain('5 February 2026')
    expect(page.text).toContain('Confirmed by the person from the emailed link; clock started')
    await agent.get('/staff/requests/no-such-id').expect(404)
  })
})

describe('bulk actions', () => {
  it('assigns several requests and closes others as duplicates, an event for each', async () => {
    const ids: string[] = []
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org']) {
      ids.push((await fileConfirmedRequest(ctx, { email })).requestId)
    }
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/requests').expect(200)
    expect(page.text).toContain('Assign selected')
    await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(
        `_csrf=${encodeURIComponent(csrfFrom(page.text))}&action=assign&bulkAssignee=${user.id}&ids=${ids[0]}&ids=${ids[1]}`,
      )
      .expect(303)
    expect(await ctx.services.db('rights_requests').whereNotNull('assignee_id').count({ n: '*' })).toEqual([
      { n: expect.anything() },
    ])
    expect((await ctx.services.db('rights_requests').where({ assignee_id: user.id })).length).toBe(2)
    // A second access request from a@example.org, as if the portal had not matched it to the first.
    const repeat = await insertOpenRequest(ctx, { email: 'a@example.org', reference: 'DSR-2026-00090' })
    const csrf = encodeURIComponent(csrfFrom(page.text))
    const flashAfter = async (res: { headers: Record<string, string> }) =>
      (await agent.get(res.headers.location as string)).text
    const statuses = async () =>
      (
        await ctx.services
          .db('rights_requests')
          .whereIn('id', [...ids, repeat])
          .orderBy('id')
      ).map((r: { id: string; status: string }) => `${r.id}:${r.status}`)
    const before = await statuses()

    const none = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'duplicate', bulkDuplicateOf: 'DSR-2026-00001' })
      .expect(303)
    expect(await flashAfter(none)).toContain('Select at least one request')
    const noReference = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(`_csrf=${csrf}&action=duplicate&bulkDuplicateOf=&ids=${repeat}`)
      .expect(303)
    expect(await flashAfter(noReference)).toContain('Enter the reference of the request these duplicate')
    const unknown = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(`_csrf=${csrf}&action=duplicate&bulkDuplicateOf=DSR-2026-09999&ids=${repeat}&ids=${ids[2]}`)
      .expect(303)
    expect(await flashAfter(unknown)).toContain('There is no request DSR-2026-09999: check the reference')
    expect(await statuses()).toEqual(before)

    // Only the same person's request of the same type is closed; c@example.org's is not theirs.
    const closed = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(
        `_csrf=${csrf}&action=duplicate&bulkDuplicateOf=dsr-2026-00001&ids=${repeat}&ids=${ids[2]}&confirm=yes`,
      )
      .expect(303)
    expect(await flashAfter(closed)).toContain(
      '1 request updated; 1 not closed because they are not the same person’s request of the same type.',
    )
    expect(await ctx.services.db('rights_requests').where({ id: repeat }).first()).toMatchObject({
      status: 'duplicate',
      duplicate_of: ids[0],
    })
    expect((await ctx.services.db('rights_requests').where({ id: ids[2] }).first()).status).toBe('received')
    const letter = (await ctx.outbox()).filter((m) => m.request_id === repeat && m.kind === 'case-duplicate')
    expect(letter).toHaveLength(1)
    expect(letter[0]?.text_body).toContain('because it repeats your request DSR-2026-00001')
    const kinds = await ctx.services
      .db('events')
      .whereIn('kind', ['case.assigned', 'case.closed_as_duplicate'])
      .pluck('kind')
    expect(kinds.sort()).toEqual(['case.assigned', 'case.assigned', 'case.closed_as_duplicate'])
  })
})

describe('the record flag', () => {
  it('shows when the email record already answers a request', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'gone@example.org', type: 'erasure' })
    await ctx.services
      .db('rights_requests')
      .where({ id: requestId })
      .update({ record_answer: 'erased on 3 October 2021' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/requests').expect(200)
    expect(page.text).toContain('Record answers it: erased on 3 October 2021')
  })
})
