import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createApp } from '../../src/app.js'
import { KnexSessionStore } from '../../src/web/session-store.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { createStaff, staffPassword } from '../helpers/staff.js'

let ctx: TestContext

beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const sessionRows = async () => Number((await ctx.services.db('sessions').count({ n: '*' }))[0]?.n ?? 0)

describe('sessions', () => {
  it.each(['/', '/accessibility'])(
    'starts none for visitors who only read %s, a page without a form',
    async (path) => {
      // Templates compiled once, as in production: the test is about sessions, not rendering.
      ctx.app.enable('view cache')
      for (let i = 0; i < 50; i++) {
        const res = await request(ctx.app).get(path).expect(200)
        expect(res.headers['set-cookie']).toBeUndefined()
      }
      expect(await sessionRows()).toBe(0)
    },
  )

  it('starts none for a visitor who opens a form, and accepts that form with the token bound to their cookie', async () => {
    const agent = ctx.agent()
    await agent.get('/').expect(200)
    const page = await agent.get('/request').expect(200)
    const cookies = ([] as string[]).concat(page.headers['set-cookie'] ?? [])
    expect(cookies.map((c) => c.split('=')[0])).toEqual(['portal.csrf'])
    expect(cookies[0]).toMatch(/HttpOnly/i)
    expect(cookies[0]).toMatch(/SameSite=Lax/i)
    expect(await sessionRows()).toBe(0)
    // The same browser keeps its key: a second form carries the same token.
    expect(csrfFrom((await agent.get('/request').expect(200)).text)).toBe(csrfFrom(page.text))

    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), type: 'access' })
      .expect(303)
    expect(await sessionRows()).toBe(0)
  })

  it('names the visitor cookie __Host- and marks it Secure when the portal is served over HTTPS', async () => {
    const app = createApp({ ...ctx.services, config: { ...ctx.services.config, secureCookies: true } })
    const page = await request(app).get('/request').expect(200)
    const [cookie = ''] = ([] as string[]).concat(page.headers['set-cookie'] ?? [])
    expect(cookie).toMatch(/^__Host-portal\.csrf=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/)
  })

  it('refuses a visitor token without its cookie, with another browser’s cookie, or altered', async () => {
    const first = ctx.agent()
    const token = csrfFrom((await first.get('/request').expect(200)).text)
    const second = ctx.agent()
    const otherToken = csrfFrom((await second.get('/request').expect(200)).text)
    expect(otherToken).not.toBe(token)

    await request(ctx.app).post('/request').type('form').send({ _csrf: token, type: 'access' }).expect(403)
    await second.post('/request').type('form').send({ _csrf: token, type: 'access' }).expect(403)
    await first
      .post('/request')
      .type('form')
      .send({ _csrf: `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, type: 'access' })
      .expect(403)
    await first.post('/request').type('form').send({ type: 'access' }).expect(403)
    await first.post('/request').type('form').send({ _csrf: token, type: 'access' }).expect(303)
  })

  it('starts a session when a posted form needs one, and keeps the same token for its next form', async () => {
    const agent = ctx.agent()
    const page = await agent.get('/request/access').expect(200)
    await agent
      .post('/request/access')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), email: 'sam@example.org' })
      .expect(303)
    expect(await sessionRows()).toBe(1)
    const next = await agent.get('/request/check-your-email').expect(200)
    expect(csrfFrom(next.text)).toBe(csrfFrom(page.text))
  })

  it('gives staff a token kept in their session once they sign in: a visitor token no longer acts', async () => {
    await createStaff(ctx, 'dpo')
    const staff = ctx.agent()
    const login = await staff.get('/staff/login').expect(200)
    const visitorToken = csrfFrom(login.text)
    await staff
      .post('/staff/login')
      .type('form')
      .send({ _csrf: visitorToken, email: 'dpo@portal.test', password: staffPassword })
      .expect(303)
    const signedIn = await staff.get('/staff/account').expect(200)
    const staffToken = csrfFrom(signedIn.text)
    expect(staffToken).not.toBe(visitorToken)
    await staff.post('/staff/logout').type('form').send({ _csrf: visitorToken }).expect(403)
    await staff.get('/staff/requests').expect(200)
    await staff.post('/staff/logout').type('form').send({ _csrf: staffToken }).expect(303)
  })

  it('stays within its limit under a flood of new visitors, removing expired ones and keeping staff signed in', async () => {
    const limits = { maxSessions: 6, checkEvery: 4 }
    const store = new KnexSessionStore(ctx.services.db, ctx.services.now, undefined, limits)
    const app = createApp({ ...ctx.services, sessionStore: store })
    await ctx.services.db('sessions').insert(
      ['a', 'b', 'c'].map((sid) => ({
        sid: `expired-${sid}`,
        sess: '{}',
        expires_at: '2026-03-01T00:00:00.000Z',
      })),
    )

    await createStaff(ctx, 'dpo')
    const staff = request.agent(app)
    const login = await staff.get('/staff/login').expect(200)
    await staff
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: 'dpo@portal.test', password: staffPassword })
      .expect(303)

    // People each sending a request (as many as one network may in an hour): each post starts a session.
    for (let i = 0; i < 18; i++) {
      const visitor = request.agent(app)
      const page = await visitor.get('/request/access').expect(200)
      await visitor
        .post('/request/access')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), email: `person${i}@example.org` })
        .expect(303)
    }

    expect(await sessionRows()).toBeLessThanOrEqual(limits.maxSessions + limits.checkEvery)
    expect(await ctx.services.db('sessions').where('sid', 'like', 'expired-%')).toEqual([])
    await staff.get('/staff/requests').expect(200)
  })
})
