import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { QueueSort } from '../../src/domain/queue.js'
import { queueSorts } from '../../src/domain/queue.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { insertOpenRequest } from '../helpers/requests.js'
import { requestRow, type RequestRowInput } from '../helpers/request-rows.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-20T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const references = (html: string) => [...html.matchAll(/>(DSR-\d{4}-\d{5})</g)].map((m) => m[1] as string)
const linkIn = (html: string, rel: 'next' | 'prev') =>
  new RegExp(`href="([^"]+)" rel="${rel}"`).exec(html)?.[1]?.replace(/&amp;/g, '&')
const reference = (n: number) => `DSR-2026-${String(n).padStart(5, '0')}`

interface Seeded {
  reference: string
  id: string
  dueOn: string | null
  receivedAt: string
}

/**
 * 63 open requests received over five weeks, several on each day (so due dates tie), three never
 * given a deadline (null due dates sort last), references out of step with the dates; and two
 * closed and one unconfirmed request.
 */
async function seedQueue(): Promise<Seeded[]> {
  const studyId = (await ctx.services.studies.listAll())[0]!.id
  const inputs: RequestRowInput[] = []
  for (let i = 0; i < 63; i++) {
    const n = ((i * 37) % 63) + 1
    inputs.push({
      reference: reference(n),
      receivedAt: new Date(
        Date.parse('2026-02-01T09:00:00Z') + (i % 12) * 3 * 86_400_000 + i * 60_000,
      ).toISOString(),
      name: `Person ${n}`,
      ...(i % 21 === 5 ? { clockStartOn: null } : {}),
    })
  }
  const rows = inputs.map((input) => requestRow(studyId, input))
  const closed = [64, 65].map((n) =>
    requestRow(studyId, {
      reference: reference(n),
      receivedAt: '2026-01-10T09:00:00Z',
      status: 'completed',
      outcome: 'fulfilled',
      closedAt: '2026-02-01T09:00:00Z',
      name: `Closed ${n}`,
    }),
  )
  const unconfirmed = requestRow(studyId, { receivedAt: '2026-03-19T09:00:00Z', confirmed: false })
  await ctx.services.db.batchInsert('rights_requests', [...rows, ...closed, unconfirmed], 50)
  return rows.map((r) => ({ reference: r.reference!, id: r.id, dueOn: r.due_on, receivedAt: r.received_at }))
}

/** The order a sort promises: by its key (rows without one last), then by id, in its direction. */
function expectedOrder(rows: Seeded[], sort: QueueSort): string[] {
  const [key, direction] = sort.split('-') as ['due' | 'received' | 'reference', 'asc' | 'desc']
  const keyOf = (r: Seeded) => (key === 'due' ? r.dueOn : key === 'received' ? r.receivedAt : r.reference)
  const sign = direction === 'asc' ? 1 : -1
  return [...rows]
    .sort((a, b) => {
      const ka = keyOf(a)
      const kb = keyOf(b)
      if (ka === null || kb === null) {
        if (ka !== kb) return ka === null ? 1 : -1
      } else if (ka !== kb) return (ka < kb ? -1 : 1) * sign
      return (a.id < b.id ? -1 : 1) * sign
    })
    .map((r) => r.reference)
}

describe('sorting and paging the queue', () => {
  it('walks every sort forwards and back, each request once, with its position in the tab', async () => {
    const seeded = await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    for (const sort of queueSorts) {
      const first = await agent.get(`/staff/requests?sort=${sort}`).expect(200)
      expect(first.text, sort).toContain('Showing 1 to 50 of 63')
      expect(first.text).toContain(`<option value="${sort}" selected`)
      expect(linkIn(first.text, 'prev')).toBeUndefined()
      const next = linkIn(first.text, 'next')
      expect(next, sort).toBeDefined()
      const second = await agent.get(next as string).expect(200)
      expect(second.text, sort).toContain('Showing 51 to 63 of 63')
      expect(linkIn(second.text, 'next')).toBeUndefined()
      const walked = [...references(first.text), ...references(second.text)]
      expect(walked, sort).toEqual(expectedOrder(seeded, sort))

      // Previous from the second page gives the first page again, whole.
      const back = await agent.get(linkIn(second.text, 'prev') as string).expect(200)
      expect(references(back.text), sort).toEqual(references(first.text))
      expect(back.text).toContain('Showing 1 to 50 of 63')
    }
  })

  it('keeps its place when a request is added before the page being read', async () => {
    const seeded = await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const first = await agent.get('/staff/requests?sort=reference-asc').expect(200)
    await insertOpenRequest(ctx, { email: 'new@example.org', reference: 'DSR-2026-00000' })
    const second = await agent.get(linkIn(first.text, 'next') as string).expect(200)
    // The page starts after the last row seen, not at a shifted offset.
    expect(references(second.text)[0]).toBe(expectedOrder(seeded, 'reference-asc')[50])
  })

  it('keeps the way back open when requests arrive before the page, however the position was counted', async () => {
    const seeded = await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const first = await agent.get('/staff/requests?sort=reference-asc').expect(200)
    const second = await agent.get(linkIn(first.text, 'next') as string).expect(200)
    for (let n = 1; n <= 10; n++) {
      await insertOpenRequest(ctx, { email: `early${n}@example.org`, reference: `DSR-2025-0000${n - 1}` })
    }
    const back = await agent.get(linkIn(second.text, 'prev') as string).expect(200)
    // The 50 just before the second page: the first page as it was, with ten newer rows before it.
    expect(references(back.text)).toEqual(expectedOrder(seeded, 'reference-asc').slice(0, 50))
    const earlier = linkIn(back.text, 'prev')
    expect(earlier).toBeDefined()
    const start = await agent.get(earlier as string).expect(200)
    expect(references(start.text).slice(0, 10)).toEqual(
      Array.from({ length: 10 }, (_, i) => `DSR-2025-0000${i}`),
    )
  })

  it('offers each tab only the sorts that make sense there, and a cursor from another sort starts over', async () => {
    await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const closed = await agent.get('/staff/requests?tab=closed&sort=due-asc').expect(200)
    expect(closed.text).not.toContain('value="due-asc"')
    expect(references(closed.text).sort()).toEqual(['DSR-2026-00064', 'DSR-2026-00065'])
    const first = await agent.get('/staff/requests?sort=due-asc').expect(200)
    const next = (linkIn(first.text, 'next') as string).replace('sort=due-asc', 'sort=reference-asc')
    const restarted = await agent.get(next).expect(200)
    expect(restarted.text).toContain('Showing 1 to 50 of 63')
  })
})

describe('searching by reference', () => {
  it('takes the DPO from the Open tab straight to a closed case when one request matches', async () => {
    await seedQueue()
    const idOf = async (ref: string) =>
      (await ctx.services.db('rights_requests').where({ reference: ref }).first()).id as string
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await agent.get('/staff/requests?tab=open&q=dsr-2026-00064').expect(303)
    expect(res.headers.location).toBe(`/staff/requests/${await idOf('DSR-2026-00064')}`)
    const byPart = await agent.get('/staff/requests?tab=open&q=00065').expect(303)
    expect(byPart.headers.location).toBe(`/staff/requests/${await idOf('DSR-2026-00065')}`)
  })

  it('lists matches from every tab, saying which tab each is in', async () => {
    await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await agent.get('/staff/requests?tab=closed&q=dsr-2026-0006').expect(200)
    expect(references(res.text)).toEqual([60, 61, 62, 63, 64, 65].map(reference))
    expect(res.text).toContain('6 requests match')
    expect(res.text).toContain('Searched every tab')
    const tabCells = [...res.text.matchAll(/data-label="Tab">([^<]+)</g)].map((m) => m[1])
    expect(tabCells).toEqual(['Open', 'Open', 'Open', 'Open', 'Closed', 'Closed'])
    const none = await agent.get('/staff/requests?q=DSR-2027').expect(200)
    expect(none.text).toContain('No requests match')
  })
})

describe('what each role sees in the queue', () => {
  it('shows requesters’ names to the DPO and administrator, never to the auditor', async () => {
    await seedQueue()
    for (const role of ['dpo', 'admin'] as const) {
      const { agent } = await signedInAgent(ctx, role)
      const page = await agent.get('/staff/requests?sort=reference-asc').expect(200)
      expect(page.text, role).toContain('>Requester<')
      expect(page.text, role).toContain('>Person 1<')
    }
    const { agent } = await signedInAgent(ctx, 'auditor')
    const page = await agent.get('/staff/requests?sort=reference-asc').expect(200)
    expect(references(page.text)).toHaveLength(50)
    expect(page.text).not.toContain('Requester')
    expect(page.text).not.toMatch(/Person \d/)
    const search = await agent.get('/staff/requests?q=0006').expect(200)
    expect(search.text).not.toMatch(/Person \d|Closed 6/)
  })

  it('flags a request whose person replied, with the count of unread replies', async () => {
    await seedQueue()
    await ctx.services
      .db('rights_requests')
      .where({ reference: 'DSR-2026-00001' })
      .update({ unread_replies: 2 })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/requests?sort=reference-asc').expect(200)
    const row = /DSR-2026-00001<\/a><\/td>[\s\S]*?<\/tr>/.exec(page.text)?.[0] ?? ''
    expect(row).toContain('Replied (2)')
    expect(page.text.match(/Replied \(/g)).toHaveLength(1)
  })
})

describe('closing requests in bulk', () => {
  it('asks first, listing what will close, and closes nothing until confirmed', async () => {
    const first = await insertOpenRequest(ctx, { email: 'same@example.org', reference: 'DSR-2026-00001' })
    const repeat = await insertOpenRequest(ctx, { email: 'same@example.org', reference: 'DSR-2026-00002' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const queue = await agent.get('/staff/requests').expect(200)
    const csrf = csrfFrom(queue.text)
    const ask = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send({
        _csrf: csrf,
        ids: [repeat],
        action: 'duplicate',
        bulkDuplicateOf: 'dsr-2026-00001',
        returnTo: '/staff/requests?tab=open',
      })
      .expect(200)
    expect(ask.text).toContain('Close 1 request?')
    expect(ask.text).toContain('DSR-2026-00002 (access)')
    expect(ask.text).toContain(
      'This request will be closed as a duplicate of <strong>DSR-2026-00001</strong>',
    )
    expect(ask.text).toContain('name="confirm" value="yes"')
    const status = async (id: string) =>
      ((await ctx.services.db('rights_requests').where({ id }).first()) as { status: string }).status
    expect(await status(repeat)).toBe('received')
    expect(await ctx.services.db('events').where({ kind: 'case.closed_as_duplicate' })).toHaveLength(0)
    expect((await ctx.outbox()).filter((m) => m.kind === 'case-duplicate')).toHaveLength(0)

    // A reference that finds nothing goes back to the queue before any confirmation.
    const unknown = await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send({ _csrf: csrf, ids: [repeat], action: 'duplicate', bulkDuplicateOf: 'DSR-2026-09999' })
      .expect(303)
    expect((await agent.get(unknown.headers.location as string)).text).toContain(
      'There is no request DSR-2026-09999',
    )

    await agent
      .post('/staff/requests/bulk')
      .type('form')
      .send(
        `${new URLSearchParams({ _csrf: csrfFrom(ask.text), ids: repeat, action: 'duplicate', bulkDuplicateOf: 'DSR-2026-00001', confirm: 'yes' }).toString()}`,
      )
      .expect(303)
    expect(await status(repeat)).toBe('duplicate')
    expect(await status(first)).toBe('received')
  })
})

describe('date filters', () => {
  it('filter by the day, month and year received, and explain a date that is not one', async () => {
    await seedQueue()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const some = await agent
      .get('/staff/requests?from-day=1&from-month=2&from-year=2026&to-day=3&to-month=2&to-year=2026')
      .expect(200)
    // Received 1 February (i = 0, 12, 24, …, every twelfth) only: the day's six requests.
    expect(references(some.text)).toHaveLength(6)
    expect(some.text).toContain('Open (6)')

    const missing = await agent.get('/staff/requests?from-day=1&from-year=2026').expect(400)
    expect(missing.text).toContain('Received from must include a month')
    expect(missing.text).toContain('href="#from-month"')
    expect(missing.text).toContain('name="from-day" type="text" value="1"')
    const shortYear = await agent.get('/staff/requests?to-day=1&to-month=2&to-year=26').expect(400)
    expect(shortYear.text).toContain('Year must include 4 numbers')
    expect(shortYear.text).toContain('href="#to-year"')
    const backwards = await agent
      .get('/staff/requests?from-day=3&from-month=2&from-year=2026&to-day=1&to-month=2&to-year=2026')
      .expect(400)
    expect(backwards.text).toContain('Received to must be the same as or after received from')
  })

  it('on the dashboard too, with the values kept', async () => {
    await seedQueue()
    const { agent } = await signedInAgent(ctx, 'auditor')
    const ok = await agent.get('/staff/dashboard?from-day=1&from-month=2&from-year=2026').expect(200)
    expect(ok.text).toContain('received from 1 February 2026')
    const bad = await agent.get('/staff/dashboard?from-day=30&from-month=2&from-year=2026').expect(400)
    expect(bad.text).toContain('Received from must be a real date')
    expect(bad.text).toContain('href="#from-day"')
    expect(bad.text).toContain('name="from-day" type="text" value="30"')
    expect(bad.text).toContain('name="from-month" type="text" value="2"')
  })
})
