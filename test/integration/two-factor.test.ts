import { generateSync } from 'otplib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent, staffPassword } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const codeFor = (secret: string) => generateSync({ secret, epoch: Math.floor(ctx.now().getTime() / 1000) })

async function turnOn(agent: ReturnType<TestContext['agent']>) {
  const page = await agent.get('/staff/account').expect(200)
  const secret = /class="app-secret">([A-Z2-7]+)</.exec(page.text)?.[1] as string
  const wrong = await agent
    .post('/staff/account/two-factor')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code: '000000' })
  expect(wrong.status).toBe(400)
  await agent
    .post('/staff/account/two-factor')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code: codeFor(secret) })
    .expect(303)
  return secret
}

describe('two-factor sign-in', () => {
  it('asks for a code after the password once turned on, and refuses a reused code', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const secret = await turnOn(agent)
    const stored = await ctx.services.db('staff_users').first()
    expect(stored.totp_enabled).toBeTruthy()
    expect(stored.totp_secret).not.toContain(secret)

    ctx.setNow('2026-03-02T10:05:00Z')
    const next = ctx.agent()
    const login = await next.get('/staff/login')
    await next
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrfFrom(login.text), email: 'dpo@portal.test', password: staffPassword })
      .expect(303)
      .expect('Location', '/staff/login/code')
    await next.get('/staff/requests').expect(303).expect('Location', '/staff/login')
    const codePage = await next.get('/staff/login/code').expect(200)
    await next
      .post('/staff/login/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code: '123456' })
      .expect(400)
    const code = codeFor(secret)
    await next
      .post('/staff/login/code')
      .type('form')
      .send({ _csrf: csrfFrom(codePage.text), code })
      .expect(303)
    await next.get('/staff/requests').expect(200)

    const replay = ctx.agent()
    const again = await replay.get('/staff/login')
    await replay
      .post('/staff/login')
      .type('form')
      .send({ _csrf: csrfFrom(again.text), email: 'dpo@portal.test', password: staffPassword })
    const replayPage = await replay.get('/staff/login/code').expect(200)
    await replay
      .post('/staff/login/code')
      .type('form')
      .send({ _csrf: csrfFrom(replayPage.text), code })
      .expect(400)
  })

  it('when required, sends an administrator without it to set it up before anything else', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const settings = await agent.get('/staff/settings').expect(200)
    await agent
      .post('/staff/settings')
      .type('form')
      .send({ _csrf: csrfFrom(settings.text), requireAdminTwoFactor: 'yes' })
      .expect(303)
    await agent.get('/staff/requests').expect(303).expect('Location', '/staff/account')
    const page = await agent.get('/staff/account').expect(200)
    expect(page.text).toContain('Set up two-factor sign-in to continue')
    await turnOn(agent)
    await agent.get('/staff/requests').expect(200)
    const account = await agent.get('/staff/account').expect(200)
    expect(account.text).toContain('cannot be turned off')
    expect(
      await ctx.services.db('events').where({ kind: 'settings.changed' }).count({ n: '*' }),
    ).toHaveLength(1)
  })

  it('lets an administrator reset a colleague’s second factor', async () => {
    const { agent: admin } = await signedInAgent(ctx, 'admin')
    const { agent: dpo, user } = await signedInAgent(ctx, 'dpo')
    await turnOn(dpo)
    const page = await admin.get(`/staff/users/${user.id}`).expect(200)
    await admin
      .post(`/staff/users/${user.id}/reset-two-factor`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    const row = await ctx.services.db('staff_users').where({ id: user.id }).first()
    expect(row).toMatchObject({ totp_secret: null })
    expect(row.totp_enabled).toBeFalsy()
  })
})
