import { generateSync } from 'otplib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { createStaff, signedInAgent, staffPassword } from '../helpers/staff.js'

type Agent = ReturnType<TestContext['agent']>

let ctx: TestContext
beforeEach(async () => {
  // Behind a proxy on loopback, so each test request can say which network it comes from.
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z', env: { TRUST_PROXY: 'loopback' } })
})
afterEach(async () => {
  await ctx.destroy()
})

const office = '198.51.100.20'
const attacker = '203.0.113.7'

async function signIn(agent: Agent, email: string, password: string, from = office) {
  const page = await agent.get('/staff/login').set('X-Forwarded-For', from).expect(200)
  return agent
    .post('/staff/login')
    .set('X-Forwarded-For', from)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password })
}

async function signOut(agent: Agent) {
  const page = await agent.get('/staff/account').set('X-Forwarded-For', office).expect(200)
  return agent
    .post('/staff/logout')
    .set('X-Forwarded-For', office)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
}

const later = (seconds: number) => new Date(ctx.now().getTime() + seconds * 1000)

/** What the participant-facing too-many-requests page says, never shown to staff signing in. */
const participantWording = 'make any data rights request by email'

function expectPausedPage(res: { status: number; text: string; headers: Record<string, string> }) {
  expect(res.status).toBe(429)
  expect(res.text).toContain('Signing in is paused')
  expect(res.text).not.toContain(participantWording)
  const retryAfter = Number(res.headers['retry-after'])
  expect(retryAfter).toBeGreaterThan(0)
  return retryAfter
}

describe('staff sign-in counts only what fails', () => {
  it('lets one person sign in and out 12 times in a row within 15 minutes', async () => {
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 12; i++) {
      const agent = ctx.agent()
      const res = await signIn(agent, 'dpo@portal.test', staffPassword)
      expect(res.status).toBe(303)
      expect(res.headers.location).toBe('/staff')
      expect((await signOut(agent)).headers.location).toBe('/staff/signed-out')
      ctx.setNow(later(60))
    }
  })

  it('lets an office behind one address sign in more than 30 times in 15 minutes', async () => {
    for (const role of ['dpo', 'admin', 'auditor'] as const) await createStaff(ctx, role)
    for (let i = 0; i < 33; i++) {
      const role = (['dpo', 'admin', 'auditor'] as const)[i % 3]
      expect((await signIn(ctx.agent(), `${role}@portal.test`, staffPassword)).status).toBe(303)
    }
  })

  it('still pauses a network after 30 failed sign-ins, however many succeed in between', async () => {
    await createStaff(ctx, 'dpo')
    // Unknown addresses, so no account's own lock comes first.
    for (let i = 0; i < 29; i++)
      expect((await signIn(ctx.agent(), `guess${i}@portal.test`, 'wrong password', attacker)).status).toBe(
        400,
      )
    for (let i = 0; i < 3; i++)
      expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)).status).toBe(303)
    expect((await signIn(ctx.agent(), 'guess29@portal.test', 'wrong password', attacker)).status).toBe(400)

    const paused = await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)
    const retryAfter = expectPausedPage(paused)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
    expect(paused.text).toContain('too many failed sign-ins from your network')
    // Another network is not paused.
    expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, office)).status).toBe(303)
    // The window runs out, and the network may try again.
    ctx.setNow(later(retryAfter))
    expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)).status).toBe(303)
  })

  it('pauses an account from a network at the fifth wrong password, with a page for staff', async () => {
    // Summer time: the page's times are UK times, an hour ahead of UTC.
    ctx.setNow('2026-06-01T09:00:00Z')
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 4; i++)
      expect((await signIn(ctx.agent(), 'dpo@portal.test', `wrong ${i}`, attacker)).status).toBe(400)
    const fifth = await signIn(ctx.agent(), 'dpo@portal.test', 'wrong 4', attacker)
    expectPausedPage(fifth)

    const paused = await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)
    const retryAfter = expectPausedPage(paused)
    expect(retryAfter).toBeGreaterThan(14 * 60)
    expect(retryAfter).toBeLessThanOrEqual(15 * 60)
    expect(paused.text).toContain('You can try again in 15 minutes, at 10:15am.')
    expect(paused.text).toContain('ask an administrator to unlock your account')
    expect(paused.text).toContain('href="/staff/login"')
    expect(paused.headers['cache-control']).toContain('no-store')
    expect(paused.text).not.toContain('unlock-user')

    // The owner elsewhere is not kept out, and their sign-in does not lift the pause here.
    expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, office)).status).toBe(303)
    expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)).status).toBe(429)
    ctx.setNow(later(retryAfter))
    expect((await signIn(ctx.agent(), 'dpo@portal.test', staffPassword, attacker)).status).toBe(303)
  })
})

describe('a limit on failures only', () => {
  const rule = { limit: 3, windowSeconds: 60 }
  const tryOnce = (key: string) =>
    ctx.services.limiter.attempt(key, rule).then(
      (count) => count,
      () => undefined,
    )

  it('lets no more parallel attempts through than the limit, and gives back those that work', async () => {
    const counts = await Promise.all(Array.from({ length: 8 }, () => tryOnce('test:parallel')))
    const counted = counts.filter((count) => count !== undefined)
    expect(counted.length).toBeGreaterThan(0)
    expect(counted.length).toBeLessThanOrEqual(3)
    for (const count of counted) await count.succeeded()
    // Those that worked, and those refused, count for nothing: three more may be tried.
    const again = []
    for (let i = 0; i < 4; i++) again.push(await tryOnce('test:parallel'))
    expect(again.map(Boolean)).toEqual([true, true, true, false])
  })

  it('never takes back a hit from a later window than the one it was counted in', async () => {
    const early = await tryOnce('test:windows')
    ctx.setNow(later(61))
    for (let i = 0; i < 3; i++) expect(await tryOnce('test:windows')).toBeDefined()
    await early?.succeeded()
    expect(await tryOnce('test:windows')).toBeUndefined()
  })
})

describe('the two-factor code step counts only wrong codes', () => {
  const codeFor = (secret: string) => generateSync({ secret, epoch: Math.floor(ctx.now().getTime() / 1000) })

  async function withTwoFactor() {
    const { agent, user } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get('/staff/account').expect(200)
    const secret = /class="app-secret">([A-Z2-7]+)</.exec(page.text)?.[1] as string
    await agent
      .post('/staff/account/two-factor')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), code: codeFor(secret) })
      .expect(303)
    return { secret, user }
  }

  async function passwordStep() {
    const agent = ctx.agent()
    const res = await signIn(agent, 'dpo@portal.test', staffPassword)
    expect(res.headers.location).toBe('/staff/login/code')
    const page = await agent.get('/staff/login/code').expect(200)
    return { agent, csrf: csrfFrom(page.text) }
  }

  const sendCode = (step: { agent: Agent; csrf: string }, code: string) =>
    step.agent.post('/staff/login/code').type('form').send({ _csrf: step.csrf, code })

  it('lets a right code through 12 times in a row within 15 minutes', async () => {
    const { secret } = await withTwoFactor()
    for (let i = 0; i < 12; i++) {
      // Each code can be used once: the next sign-in waits for the app's next code.
      ctx.setNow(later(30))
      const step = await passwordStep()
      const res = await sendCode(step, codeFor(secret))
      expect(res.status).toBe(303)
      await step.agent.get('/staff/account').expect(200)
    }
  })

  it('pauses after 10 wrong codes, forgets them after a right one, and an administrator can lift it', async () => {
    const { secret, user } = await withTwoFactor()
    ctx.setNow(later(30))
    let step = await passwordStep()
    for (let i = 0; i < 9; i++) expect((await sendCode(step, '000000')).status).toBe(400)
    expect((await sendCode(step, codeFor(secret))).status).toBe(303)

    // The right code cleared the count: ten more wrong codes are allowed before the pause.
    ctx.setNow(later(30))
    step = await passwordStep()
    for (let i = 0; i < 10; i++) expect((await sendCode(step, '000000')).status).toBe(400)
    const paused = await sendCode(step, codeFor(secret))
    expectPausedPage(paused)
    expect(paused.text).toContain('too many wrong codes')
    expect(paused.text).toContain('ask an administrator to unlock your account')
    await step.agent.get('/staff/account').expect(303)

    const { agent: admin } = await signedInAgent(ctx, 'admin')
    const page = await admin.get(`/staff/users/${user.id}`).expect(200)
    await admin
      .post(`/staff/users/${user.id}/reset-lockout`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    expect((await sendCode(step, codeFor(secret))).status).toBe(303)
  })
})

describe('confirmation pages', () => {
  it('confirms a password set from an invitation, once, with a way to sign in', async () => {
    const { agent: admin } = await signedInAgent(ctx, 'admin')
    const form = await admin.get('/staff/users/new').expect(200)
    await admin
      .post('/staff/users/new')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), displayName: 'Bo', email: 'bo@portal.test', role: 'dpo' })
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
      .send({ _csrf: csrfFrom(page.text), password: staffPassword })
      .expect(303)
      .expect('Location', '/staff/password-set')
    const done = await colleague.get('/staff/password-set').expect(200)
    expect(done.text).toContain('govuk-panel--confirmation')
    expect(done.text).toContain('Your password is set')
    expect(done.text).toMatch(/href="\/staff\/login"[^>]*>\s*Sign in/)
    // Shown once: a second visit, or a visit from elsewhere, is sent to sign in.
    await colleague.get('/staff/password-set').expect(303).expect('Location', '/staff/login')
    await ctx.agent().get('/staff/password-set').expect(303).expect('Location', '/staff/login')
    expect((await signIn(colleague, 'bo@portal.test', staffPassword)).status).toBe(303)
  })

  it('confirms the first administrator’s account and offers the next steps', async () => {
    const path = new URL((await ctx.services.accounts.issueSetupLink()) as string).pathname
    const agent = ctx.agent()
    const page = await agent.get(path).expect(200)
    await agent
      .post(path)
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        displayName: 'Ada',
        email: 'ada@portal.test',
        password: staffPassword,
      })
      .expect(303)
      .expect('Location', '/staff/password-set')
    const done = await agent.get('/staff/password-set').expect(200)
    expect(done.text).toContain('Your account is set up')
    expect(done.text).toContain('href="/staff/users/new"')
    expect(done.text).toContain('Go to the queue')
    await agent.get('/staff/password-set').expect(303).expect('Location', '/staff')
  })

  it('signs out to a page that needs no session, and the old session is gone', async () => {
    const user = await createStaff(ctx, 'dpo')
    const agent = ctx.agent()
    const signedIn = await signIn(agent, 'dpo@portal.test', staffPassword)
    const cookie = String(signedIn.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? ''
    expect(cookie).toMatch(/^portal\.sid=./)
    const page = await agent.get('/staff/account').expect(200)
    const sessionsBefore = await ctx.services.db('sessions').count<{ n: number | string }[]>({ n: '*' })
    const res = await agent
      .post('/staff/logout')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
      .expect('Location', '/staff/signed-out')

    const signedOut = await agent.get('/staff/signed-out').expect(200)
    expect(signedOut.text).toContain('You have signed out')
    expect(signedOut.text).toContain('href="/staff/login"')
    expect(signedOut.text).not.toContain(user.email)
    expect(signedOut.text).not.toContain(user.displayName)
    expect(signedOut.text).not.toContain('Sign out')
    expect(signedOut.headers['cache-control']).toContain('no-store')
    expect(signedOut.headers['set-cookie']).toBeUndefined()

    // A visitor with no cookie at all sees the same page, and no session is made for them.
    const stranger = await ctx.agent().get('/staff/signed-out').expect(200)
    expect(stranger.text).toContain('You have signed out')
    expect(stranger.headers['set-cookie']).toBeUndefined()

    expect(String(res.headers['set-cookie'])).toMatch(/portal\.sid=;/)
    const sessionsAfter = await ctx.services.db('sessions').count<{ n: number | string }[]>({ n: '*' })
    expect(Number(sessionsAfter[0]?.n)).toBe(Number(sessionsBefore[0]?.n) - 1)
    // The old cookie, sent again, signs nobody in.
    await ctx
      .agent()
      .get('/staff/requests')
      .set('Cookie', cookie)
      .expect(303)
      .expect('Location', '/staff/login')
  })
})
