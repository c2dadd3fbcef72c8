import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { createStaff, signedInAgent, staffPassword } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

async function login(agent: ReturnType<TestContext['agent']>, email: string, password: string) {
  const page = await agent.get('/staff/login').expect(200)
  return agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password })
}

describe('first run', () => {
  it('issues a one-time setup link only while no staff account exists', async () => {
    const link = await ctx.services.accounts.issueSetupLink()
    expect(link).toMatch(/^http:\/\/portal\.test\/staff\/setup\/[A-Za-z0-9_-]{43}$/)
    const path = new URL(link as string).pathname
    const agent = ctx.agent()
    const page = await agent.get(path).expect(200)
    const weak = await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        displayName: 'Ada',
        email: 'ada@portal.test',
        password: 'password1234',
      })
      .expect(400)
    expect(weak.text).toContain('href="#password"')
    expect(weak.text).toContain('value="ada@portal.test"')
    await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(weak.text),
        displayName: 'Ada',
        email: 'Ada@Portal.test',
        password: staffPassword,
      })
      .expect(303)
      .expect('Location', '/staff/password-set')
    const [user] = await ctx.services.db('staff_users')
    expect(user).toMatchObject({ email: 'ada@portal.test', role: 'admin' })
    expect(user.password_hash).toMatch(/^\$argon2id\$/)
    await ctx.agent().get(path).expect(410)
    expect(await ctx.services.accounts.issueSetupLink()).toBeUndefined()
  })

  it('expires the setup link after an hour', async () => {
    const path = new URL((await ctx.services.accounts.issueSetupLink()) as string).pathname
    ctx.setNow('2026-03-02T11:00:01Z')
    await ctx.agent().get(path).expect(410)
  })
})

describe('signing in', () => {
  it('signs in with the right password and regenerates the session', async () => {
    await createStaff(ctx, 'dpo')
    const agent = ctx.agent()
    const before = await agent.get('/staff/login')
    const cookieBefore = String(before.headers['set-cookie'])
    const res = await agent
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrfFrom(before.text), email: 'DPO@portal.test', password: staffPassword })
      .expect(303)
    expect(res.headers.location).toBe('/staff')
    expect(String(res.headers['set-cookie'])).not.toBe(cookieBefore)
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i)
    expect(String(res.headers['set-cookie'])).toMatch(/SameSite=Lax/i)
    await agent.get('/staff/requests').expect(200)
  })

  it('gives the same answer for an unknown account and a wrong password', async () => {
    await createStaff(ctx, 'dpo')
    const wrong = await login(ctx.agent(), 'dpo@portal.test', 'not the password at all')
    const unknown = await login(ctx.agent(), 'nobody@portal.test', 'not the password at all')
    expect(wrong.status).toBe(400)
    expect(unknown.status).toBe(400)
    const strip = (html: string) => html.replace(/value="[^"]*"/g, '').replace(/nonce="[^"]+"/g, '')
    expect(strip(wrong.text)).toBe(strip(unknown.text))
    const events = await ctx.services.db('events').where({ kind: 'staff.login_failed' })
    expect(events).toHaveLength(2)
    expect(JSON.stringify(events)).not.toContain('portal.test')
  })

  it('locks an account after 5 failures until an admin clears it, saying until when', async () => {
    const { agent: admin } = await signedInAgent(ctx, 'admin')
    const user = await createStaff(ctx, 'dpo')
    for (let i = 0; i < 4; i++)
      expect((await login(ctx.agent(), 'dpo@portal.test', 'wrong password here')).status).toBe(400)
    expect((await login(ctx.agent(), 'dpo@portal.test', 'wrong password here')).status).toBe(429)
    const locked = await login(ctx.agent(), 'dpo@portal.test', staffPassword)
    expect(locked.status).toBe(429)
    expect(locked.text).toContain('You can try again in 15 minutes, at 10:15am.')
    const page = await admin.get(`/staff/users/${user.id}`).expect(200)
    expect(page.text).toContain('Locked')
    await admin
      .post(`/staff/users/${user.id}/reset-lockout`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    expect((await login(ctx.agent(), 'dpo@portal.test', staffPassword)).status).toBe(303)
  })

  it('ends a session after 30 idle minutes and after 12 hours in all', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    ctx.setNow('2026-03-02T10:29:00Z')
    await agent.get('/staff/requests').expect(200)
    ctx.setNow('2026-03-02T11:00:00Z')
    await agent.get('/staff/requests').expect(303).expect('Location', '/staff/login')
    const { agent: busy } = await signedInAgent(ctx, 'auditor')
    for (let minutes = 25; minutes <= 12 * 60; minutes += 25) {
      ctx.setNow(new Date(Date.parse('2026-03-02T11:00:00Z') + minutes * 60_000))
      const res = await busy.get('/staff/requests')
      if (minutes <= 12 * 60 - 25) expect(res.status).toBe(200)
    }
    ctx.setNow('2026-03-02T23:01:00Z')
    await busy.get('/staff/requests').expect(303)
  })

  it('signs out with a POST that needs the CSRF token', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await agent.post('/staff/logout').type('form').send({}).expect(403)
    const page = await agent.get('/staff/requests').expect(200)
    await agent
      .post('/staff/logout')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
      .expect('Location', '/staff/signed-out')
    await agent.get('/staff/requests').expect(303)
  })

  it('does not count sign-ins that succeed against the account', async () => {
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 11; i++)
      expect((await login(ctx.agent(), 'dpo@portal.test', staffPassword)).status).toBe(303)
  })
})

describe('staff accounts', () => {
  it('invites a colleague who sets a password from the emailed link and signs in', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const form = await agent.get('/staff/users/new').expect(200)
    const bad = await agent
      .post('/staff/users/new')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), displayName: 'Bo', email: 'bo@', role: 'superuser' })
      .expect(400)
    expect(bad.text).toContain('href="#email"')
    expect(bad.text).toContain('href="#role"')
    await agent
      .post('/staff/users/new')
      .type('form')
      .send({ _csrf: csrfFrom(bad.text), displayName: 'Bo', email: 'bo@portal.test', role: 'auditor' })
      .expect(303)
    const invite = (await ctx.outbox()).find((m) => m.kind === 'staff-invite')
    const path = /http:\/\/portal\.test(\/staff\/invite\/[A-Za-z0-9_-]{43})/.exec(
      invite?.text_body ?? '',
    )?.[1] as string
    const colleague = ctx.agent()
    const page = await colleague.get(path).expect(200)
    await colleague
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: 'short' })
      .expect(400)
    await colleague
      .post(path)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: staffPassword })
      .expect(303)
    expect((await login(colleague, 'bo@portal.test', staffPassword)).status).toBe(303)
    await colleague.get(path).expect(410)
  })

  it('never disables or demotes the last administrator', async () => {
    const { agent, user } = await signedInAgent(ctx, 'admin')
    const page = await agent.get(`/staff/users/${user.id}`).expect(200)
    await agent
      .post(`/staff/users/${user.id}/disable`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(400)
    await agent
      .post(`/staff/users/${user.id}/role`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), role: 'dpo' })
      .expect(400)
    expect((await ctx.services.db('staff_users').first()).role).toBe('admin')
  })

  it('signs out a disabled account at its next request', async () => {
    const { agent: admin } = await signedInAgent(ctx, 'admin')
    const { agent: dpo, user } = await signedInAgent(ctx, 'dpo')
    await dpo.get('/staff/requests').expect(200)
    const page = await admin.get(`/staff/users/${user.id}`).expect(200)
    await admin
      .post(`/staff/users/${user.id}/disable`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    await dpo.get('/staff/requests').expect(303)
    expect((await login(ctx.agent(), 'dpo@portal.test', staffPassword)).status).toBe(400)
  })
})
