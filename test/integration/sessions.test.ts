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

  it('starts one when a page shows a form, and that form is accepted', async () => {
    const agent = ctx.agent()
    await agent.get('/').expect(200)
    const page = await agent.get('/request').expect(200)
    expect(await sessionRows()).toBe(1)
    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), type: 'access' })
      .expect(303)
    await request(ctx.app).post('/request').type('form').send({ type: 'access' }).expect(403)
    expect(await sessionRows()).toBe(1)
  })

  it('stays within its limit under a flood of new visitors, removing expired ones and keeping staff signed in', async () => {
    const limits = { maxSessions: 20, checkEvery: 10 }
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

    for (let i = 0; i < 60; i++) await request(app).get('/request').expect(200)

    expect(await sessionRows()).toBeLessThanOrEqual(limits.maxSessions + limits.checkEvery)
    expect(await ctx.services.db('sessions').where('sid', 'like', 'expired-%')).toEqual([])
    await staff.get('/staff/requests').expect(200)
  })
})
