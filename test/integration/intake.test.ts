import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, linkIn, type TestContext } from '../helpers/context.js'

let ctx: TestContext

beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

async function submit(agent: Agent, type: string, fields: Record<string, string>, expected?: number) {
  const form = await agent.get(`/request/${type}`).expect(200)
  const res = await agent
    .post(`/request/${type}`)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ...fields })
  if (expected !== undefined) expect(res.status).toBe(expected)
  return res
}

async function confirmLatest(agent: Agent, expected?: number) {
  const messages = await ctx.outbox()
  const confirmation = messages.filter((m) => m.kind === 'confirm-request').at(-1)
  const link = linkIn(confirmation?.text_body ?? null, 'confirm')
  const page = await agent.get(link).expect(200)
  const res = await agent
    .post(link)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
  if (expected !== undefined) expect(res.status).toBe(expected)
  return res
}

const countRows = async (table: string) => Number((await ctx.services.db(table).count({ n: '*' }))[0]?.n ?? 0)

describe('public pages', () => {
  it('explains the rights for the study and links to its privacy notice', async () => {
    const res = await ctx.agent().get('/').expect(200)
    expect(res.text).toContain('Increasing Diversity in Social Work Management')
    expect(res.text).toContain('Withdraw your consent')
    expect(res.text).toContain('ethnicity')
    expect(res.text).toContain('href="/privacy-notice"')
  })

  it('renders the privacy notice with its lawful-basis table', async () => {
    const res = await ctx.agent().get('/privacy-notice').expect(200)
    expect(res.text).toContain('Privacy notice')
    expect(res.text).toContain('<table class="govuk-table">')
    expect(res.text).toContain('Wycliffe House')
  })

  it('sends a strict content security policy with a nonce and no unsafe-inline', async () => {
    const res = await ctx.agent().get('/').expect(200)
    const csp = res.headers['content-security-policy'] as string
    expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+'/)
    expect(csp).not.toContain('unsafe-inline')
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1]
    expect(res.text).toContain(`nonce="${nonce}"`)
  })

  it('answers an unknown page with a styled 404', async () => {
    const res = await ctx.agent().get('/no-such-page').expect(404)
    expect(res.text).toContain('Page not found')
    expect(res.text).toContain('govuk-generic-header')
  })

  it('reports liveness, and readiness with a database check', async () => {
    await ctx.agent().get('/healthz').expect(200, { status: 'ok' })
    await ctx.agent().get('/readyz').expect(200, { status: 'ok' })
  })
})

describe('choosing a right', () => {
  it('asks again with an error when nothing is chosen', async () => {
    const agent = ctx.agent()
    const page = await agent.get('/request').expect(200)
    const res = await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(400)
    expect(res.text).toContain('govuk-error-summary')
    expect(res.text).toContain('href="#type"')
  })

  it('rejects an unknown request type as a missing choice', async () => {
    const agent = ctx.agent()
    const page = await agent.get('/request').expect(200)
    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), type: 'profiling' })
      .expect(400)
  })

  it('goes to the form for the chosen right', async () => {
    const agent = ctx.agent()
    const page = await agent.get('/request').expect(200)
    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), type: 'withdraw_consent' })
      .expect(303)
      .expect('Location', '/request/withdraw-consent')
  })

  it('has no form for an unknown type', async () => {
    await ctx.agent().get('/request/profiling').expect(404)
  })
})

describe('filing a request', () => {
  it('rejects a bad email, keeps what was typed and stores nothing', async () => {
    const res = await submit(
      ctx.agent(),
      'rectification',
      {
        categories: 'email',
        inaccurate: 'My address is misspelt',
        correction: 'jane@example.org',
        email: 'not-an-address',
        name: 'Jane',
      },
      400,
    )
    expect(res.text).toContain('href="#email"')
    expect(res.text).toContain('My address is misspelt')
    expect(res.text).toContain('value="not-an-address"')
    expect(await countRows('rights_requests')).toBe(0)
    expect(await countRows('outbox')).toBe(0)
  })

  it('requires the fields each type needs', async () => {
    const rectification = await submit(ctx.agent(), 'rectification', { email: 'a@example.org' }, 400)
    expect(rectification.text).toContain('href="#categories"')
    expect(rectification.text).toContain('href="#inaccurate"')
    expect(rectification.text).toContain('href="#correction"')
    const restriction = await submit(
      ctx.agent(),
      'restriction',
      { email: 'a@example.org', ground: 'whim' },
      400,
    )
    expect(restriction.text).toContain('href="#ground"')
    const objection = await submit(
      ctx.agent(),
      'objection',
      { email: 'a@example.org', processing: 'forged' },
      400,
    )
    expect(objection.text).toContain('href="#processing"')
    expect(await countRows('rights_requests')).toBe(0)
  })

  it('rejects control characters and oversized text', async () => {
    const res = await submit(
      ctx.agent(),
      'erasure',
      {
        email: 'a@example.org',
        reason: 'x'.repeat(5001),
        name: 'Bad\u0007Name',
      },
      400,
    )
    expect(res.text).toContain('href="#reason"')
    expect(res.text).toContain('href="#name"')
    expect(await countRows('rights_requests')).toBe(0)
  })

  it('rejects a form without a valid CSRF token and stores nothing', async () => {
    const agent = ctx.agent()
    await agent.get('/request/access').expect(200)
    await agent.post('/request/access').type('form').send({ email: 'a@example.org' }).expect(403)
    await agent
      .post('/request/access')
      .type('form')
      .send({ _csrf: 'forged', email: 'a@example.org' })
      .expect(403)
    expect(await countRows('rights_requests')).toBe(0)
  })

  it('refuses a huge body with 413', async () => {
    const agent = ctx.agent()
    const page = await agent.get('/request/access').expect(200)
    await agent
      .post('/request/access')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'a@example.org', description: 'x'.repeat(100_000) })
      .expect(413)
    expect(await countRows('rights_requests')).toBe(0)
  })

  it('refuses a body in a charset it cannot read', async () => {
    const agent = ctx.agent()
    await agent.get('/request/access').expect(200)
    await agent
      .post('/request/access')
      .set('Content-Type', 'application/x-www-form-urlencoded; charset=latin1')
      .send('email=a%40example.org')
      .expect(415)
    expect(await countRows('rights_requests')).toBe(0)
  })

  it('stores an unconfirmed request, emails a confirmation link and records an event without the address', async () => {
    const res = await submit(ctx.agent(), 'access', { email: ' Jane.Doe@Example.ORG ', name: 'Jane' }, 303)
    expect(res.headers.location).toBe('/request/check-your-email')
    const [row] = await ctx.services.db('rights_requests')
    expect(row).toMatchObject({
      status: 'unconfirmed',
      email: 'Jane.Doe@example.org',
      reference: null,
      due_on: null,
    })
    const [mail] = await ctx.outbox()
    expect(mail).toMatchObject({
      kind: 'confirm-request',
      to_address: 'Jane.Doe@example.org',
      status: 'pending',
    })
    expect(mail?.text_body).toContain('http://portal.test/confirm/')
    const events = await ctx.services.db('events').select('kind', 'data')
    expect(events.map((e: { kind: string }) => e.kind)).toEqual(['request.submitted'])
    expect(JSON.stringify(events)).not.toContain('example.org')
    // The link's token is stored only as a hash.
    const token =
      linkIn(mail?.text_body ?? null, 'confirm')
        .split('/')
        .at(-1) ?? ''
    const links = await ctx.services.db('request_links').select('token_hash')
    expect(JSON.stringify(links)).not.toContain(token)
  })

  it('gives the same answer whether or not the address already has requests', async () => {
    const first = await submit(ctx.agent(), 'access', { email: 'known@example.org' })
    await confirmLatest(ctx.agent())
    const known = await submit(ctx.agent(), 'access', { email: 'known@example.org' })
    const unknown = await submit(ctx.agent(), 'access', { email: 'stranger@example.org' })
    for (const res of [first, known, unknown]) {
      expect(res.status).toBe(303)
      expect(res.headers.location).toBe('/request/check-your-email')
    }
    const page = (agentRes: { text: string }) => agentRes.text
    const a = ctx.agent()
    await submit(a, 'access', { email: 'known@example.org' })
    const knownPage = page(await a.get('/request/check-your-email').expect(200))
    const b = ctx.agent()
    await submit(b, 'access', { email: 'nobody@example.org' })
    const unknownPage = page(await b.get('/request/check-your-email').expect(200))
    // Each page shows the address typed in its own browser, and otherwise nothing tells them apart.
    expect(knownPage).toContain('known@example.org')
    expect(unknownPage).toContain('nobody@example.org')
    const strip = (html: string) =>
      html
        .replace(/value="[^"]+"/g, '')
        .replace(/nonce="[^"]+"/g, '')
        .replace(/(known|nobody)@example\.org/g, 'ADDRESS')
    expect(strip(knownPage)).toBe(strip(unknownPage))
  })

  it('limits submissions per email address with a friendly page', async () => {
    for (let i = 0; i < 5; i++) await submit(ctx.agent(), 'access', { email: 'flood@example.org' }, 303)
    const res = await submit(ctx.agent(), 'access', { email: 'flood@example.org' }, 429)
    expect(res.text).toContain('too many requests')
    expect(res.headers['retry-after']).toBeDefined()
    expect(await countRows('rights_requests')).toBe(5)
  })
})

describe('confirming a request', () => {
  it('changes nothing when the link is only opened', async () => {
    await submit(ctx.agent(), 'erasure', { email: 'jane@example.org' })
    const link = linkIn((await ctx.outbox())[0]?.text_body ?? null, 'confirm')
    const page = await ctx.agent().get(link).expect(200)
    expect(page.text).toContain('Confirm request')
    const [row] = await ctx.services.db('rights_requests')
    expect(row.status).toBe('unconfirmed')
  })

  it('gives a reference, starts the clock and emails a receipt with the due date and status link', async () => {
    const agent = ctx.agent()
    await submit(agent, 'access', { email: 'jane@example.org', name: 'Jane' })
    const res = await confirmLatest(agent, 303)
    expect(res.headers.location).toMatch(/^\/status\/[A-Za-z0-9_-]{43}$/)
    const [row] = await ctx.services.db('rights_requests')
    expect(row).toMatchObject({
      status: 'received',
      reference: 'DSR-2026-00001',
      clock_start_on: '2026-03-02',
      due_on: '2026-04-02',
    })
    const receipt = (await ctx.outbox()).find((m) => m.kind === 'request-received')
    expect(receipt?.subject).toContain('DSR-2026-00001')
    expect(receipt?.text_body).toContain('2 April 2026')
    const statusPath = linkIn(receipt?.text_body ?? null, 'status')
    const status = await agent.get(res.headers.location as string).expect(200)
    expect(status.text).toContain('Request confirmed')
    expect(status.text).toContain('DSR-2026-00001')
    expect(status.text).toContain('2 April 2026')
    const again = await ctx.agent().get(statusPath).expect(200)
    expect(again.text).toContain('DSR-2026-00001')
    expect(again.headers['cache-control']).toBe('no-store')
  })

  it('numbers references in order within the year', async () => {
    for (const email of ['a@example.org', 'b@example.org']) {
      const agent = ctx.agent()
      await submit(agent, 'access', { email })
      await confirmLatest(agent, 303)
    }
    const refs = await ctx.services.db('rights_requests').orderBy('reference').pluck('reference')
    expect(refs).toEqual(['DSR-2026-00001', 'DSR-2026-00002'])
  })

  it('starts the clock on the London date of confirmation', async () => {
    ctx.setNow('2026-06-30T23:30:00Z') // already 1 July in London
    const agent = ctx.agent()
    await submit(agent, 'access', { email: 'late@example.org' })
    await confirmLatest(agent, 303)
    const [row] = await ctx.services.db('rights_requests')
    expect(row).toMatchObject({
      received_on: '2026-07-01',
      clock_start_on: '2026-07-01',
      due_on: '2026-08-03',
    })
  })

  it('shows a used link as used and offers a new status link by email', async () => {
    const agent = ctx.agent()
    await submit(agent, 'access', { email: 'jane@example.org' })
    await confirmLatest(agent, 303)
    const link = linkIn((await ctx.outbox())[0]?.text_body ?? null, 'confirm')
    const page = await agent.get(link).expect(410)
    expect(page.text).toContain('already been used')
    await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(410)
    await agent
      .post(`${link}/status-link`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    const sent = (await ctx.outbox()).filter((m) => m.kind === 'status-link')
    expect(sent).toHaveLength(1)
    expect(await ctx.services.db('rights_requests').where({ status: 'received' }).pluck('reference')).toEqual(
      ['DSR-2026-00001'],
    )
  })

  it('shows an expired link as expired and sends a new one that works', async () => {
    const agent = ctx.agent()
    await submit(agent, 'portability', { email: 'slow@example.org' })
    const oldLink = linkIn((await ctx.outbox())[0]?.text_body ?? null, 'confirm')
    ctx.advanceDays(6)
    const page = await agent.get(oldLink).expect(200)
    ctx.advanceDays(1.1)
    const expired = await agent.get(oldLink).expect(410)
    expect(expired.text).toContain('This link has expired')
    await agent
      .post(oldLink)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(410)
    await agent
      .post(`${oldLink}/new-link`)
      .type('form')
      .send({ _csrf: csrfFrom(expired.text) })
      .expect(303)
    const res = await confirmLatest(agent, 303)
    expect(res.headers.location).toMatch(/^\/status\//)
  })

  it('closes a second open request of the same type as a duplicate and points to the first', async () => {
    const first = ctx.agent()
    await submit(first, 'erasure', { email: 'twice@example.org' })
    await confirmLatest(first, 303)
    ctx.advanceDays(3)
    const second = ctx.agent()
    await submit(second, 'erasure', { email: 'twice@example.org' })
    const res = await confirmLatest(second, 303)
    const statusPage = await second.get(res.headers.location as string).expect(200)
    expect(statusPage.text).toContain('DSR-2026-00001')
    expect(statusPage.text).toContain('You already have an open request')
    const rows = await ctx.services.db('rights_requests').orderBy('created_at')
    expect(rows.map((r: { status: string }) => r.status)).toEqual(['received', 'duplicate'])
    expect(rows[1].reference).toBeNull()
    const pointer = (await ctx.outbox()).find((m) => m.kind === 'duplicate-request')
    expect(pointer?.text_body).toContain('DSR-2026-00001')
  })

  it('treats a different type for the same address as a new request', async () => {
    for (const type of ['access', 'erasure']) {
      const agent = ctx.agent()
      await submit(agent, type, { email: 'both@example.org' })
      await confirmLatest(agent, 303)
    }
    const statuses = await ctx.services.db('rights_requests').pluck('status')
    expect(statuses).toEqual(['received', 'received'])
  })

  it('answers a made-up link with a not-valid page', async () => {
    const res = await ctx
      .agent()
      .get(`/confirm/${'A'.repeat(43)}`)
      .expect(404)
    expect(res.text).toContain('This link is not valid')
  })
})

describe('withdrawing a request', () => {
  it('asks first, then closes the request, stops the clock and emails the person', async () => {
    const agent = ctx.agent()
    await submit(agent, 'objection', { email: 'jane@example.org', processing: 'direct_marketing' })
    const confirmed = await confirmLatest(agent, 303)
    const statusPath = confirmed.headers.location as string
    const ask = await agent.get(`${statusPath}/withdraw`).expect(200)
    expect(ask.text).toContain('Are you sure')
    expect((await ctx.services.db('rights_requests').first()).status).toBe('received')
    await agent
      .post(`${statusPath}/withdraw`)
      .type('form')
      .send({ _csrf: csrfFrom(ask.text) })
      .expect(303)
      .expect('Location', statusPath)
    const page = await agent.get(statusPath).expect(200)
    expect(page.text).toContain('Withdrawn')
    expect(page.text).toContain('the time limit no longer runs')
    expect(page.text).not.toContain('Withdraw this request')
    const row = await ctx.services.db('rights_requests').first()
    expect(row).toMatchObject({ status: 'withdrawn', close_reason: 'withdrawn' })
    expect((await ctx.outbox()).some((m) => m.kind === 'request-withdrawn')).toBe(true)
  })

  it('rejects a withdrawal without a CSRF token', async () => {
    const agent = ctx.agent()
    await submit(agent, 'access', { email: 'jane@example.org' })
    const confirmed = await confirmLatest(agent, 303)
    await agent
      .post(`${confirmed.headers.location as string}/withdraw`)
      .type('form')
      .send({})
      .expect(403)
    expect((await ctx.services.db('rights_requests').first()).status).toBe('received')
  })
})

describe('lapsed unconfirmed requests', () => {
  it('closes them as unverified after 7 days and removes what the person typed', async () => {
    await submit(ctx.agent(), 'rectification', {
      email: 'gone@example.org',
      name: 'Gone',
      categories: 'email',
      inaccurate: 'old',
      correction: 'new',
    })
    ctx.advanceDays(6)
    expect(await ctx.services.intake.closeLapsedUnconfirmed()).toBe(0)
    ctx.advanceDays(1.01)
    expect(await ctx.services.intake.closeLapsedUnconfirmed()).toBe(1)
    const row = await ctx.services.db('rights_requests').first()
    expect(row).toMatchObject({
      status: 'unverified',
      email: null,
      email_hmac: null,
      requester_name: null,
      details: null,
    })
    const [mail] = await ctx.outbox()
    expect(mail).toMatchObject({ to_address: null, text_body: null, status: 'cancelled' })
    expect(await ctx.services.intake.closeLapsedUnconfirmed()).toBe(0)
  })
})

describe('errors', () => {
  it('shows a 500 page that reveals nothing internal', async () => {
    const agent = ctx.agent()
    await ctx.services.db.destroy()
    const res = await agent.get('/').expect(500)
    expect(res.text).toContain('Sorry, there is a problem with the service')
    expect(res.text).not.toMatch(/knex|sqlite|at .*\.ts/i)
    await ctx.agent().get('/readyz').expect(503)
  })
})

describe('asking for new links', () => {
  it('is limited per address as well as per IP', async () => {
    const agent = ctx.agent()
    await submit(agent, 'access', { email: 'again@example.org' })
    await confirmLatest(agent, 303)
    const link = linkIn((await ctx.outbox())[0]?.text_body ?? null, 'confirm')
    const page = await agent.get(link).expect(410)
    for (let i = 0; i < 3; i++) {
      await agent
        .post(`${link}/status-link`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(303)
    }
    await agent
      .post(`${link}/status-link`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(429)
    expect((await ctx.outbox()).filter((m) => m.kind === 'status-link')).toHaveLength(3)
  })
})
