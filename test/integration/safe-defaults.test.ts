import { afterEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'

let ctx: TestContext | undefined

afterEach(async () => {
  await ctx?.destroy()
  ctx = undefined
})

/** Makes the home page's first query fail with an error that quotes its SQL. */
async function breakTheHomePage(context: TestContext): Promise<void> {
  await context.services.db.schema.renameTable('studies', 'studies_moved')
}

const internals = /select|from\s+["`]?studies|no such table|does not exist|studies_moved|\.[jt]s:\d+/i

describe('the error page', () => {
  it('under the default NODE_ENV shows neither the error nor a stack', async () => {
    ctx = await createTestContext({ env: { NODE_ENV: '' } })
    expect(ctx.config.env).toBe('development')
    await breakTheHomePage(ctx)
    const res = await ctx.agent().get('/').expect(500)
    expect(res.text).toContain('Sorry, there is a problem with the service')
    expect(res.text).not.toMatch(internals)
  })

  it('shows the detail only when asked for in development', async () => {
    ctx = await createTestContext({ env: { NODE_ENV: 'development', SHOW_ERROR_DETAILS: 'true' } })
    await breakTheHomePage(ctx)
    const res = await ctx.agent().get('/').expect(500)
    expect(res.text).toMatch(internals)
  })
})

describe('behind a proxy', () => {
  it('counts a rate limit against the address the trusted proxy saw, whatever the client adds', async () => {
    ctx = await createTestContext({ env: { TRUST_PROXY: '1' } })
    const agent = ctx.agent()
    const page = await agent.get('/staff/login').expect(200)
    // The proxy appends the address it saw; anything before it came from the client.
    for (const forwardedFor of ['198.51.100.66, 203.0.113.7', '198.51.100.99, 203.0.113.7', '203.0.113.7']) {
      await agent
        .post('/staff/login')
        .set('X-Forwarded-For', forwardedFor)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: 'someone@portal.test', password: 'not the password' })
        .expect(400)
    }
    const counters = await ctx.services
      .db('rate_limit_counters')
      .where('key', 'like', 'login:ip:%')
      .select('key', 'hits')
    expect(counters.map((c) => ({ key: c.key, hits: Number(c.hits) }))).toEqual([
      { key: 'login:ip:203.0.113.7', hits: 3 },
    ])
  })
})

describe('public files', () => {
  it('are served by their file names, and a page address never reaches the disk', async () => {
    ctx = await createTestContext()
    const agent = ctx.agent()
    const robots = await agent.get('/robots.txt').expect(200)
    expect(robots.headers['content-type']).toMatch(/^text\/plain/)
    await agent.get('/images/favicon.svg').expect(200)
    await agent.get('/images/missing.svg').expect(404)
    // A page whose name is also a folder under public/ is still the page (here: not found).
    await agent.get('/stylesheets').expect(404)
  })
})
