import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent, staffPassword } from '../helpers/staff.js'

const newPassword = 'purple elephant umbrella lighthouse'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

async function login(agent: Agent, email: string, password: string) {
  const page = await agent.get('/staff/login').expect(200)
  return agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password })
}

/** An administrator and a DPO, each signed in. */
async function staff() {
  const admin = await signedInAgent(ctx, 'admin')
  const dpo = await signedInAgent(ctx, 'dpo')
  return { admin, dpo }
}

async function sendLink(admin: Agent, userId: string) {
  const page = await admin.get(`/staff/users/${userId}`)
  if (page.status !== 200) throw new Error(page.text)
  return admin
    .post(`/staff/users/${userId}/password-link`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
}

async function links(): Promise<string[]> {
  return (await ctx.outbox())
    .filter((m) => m.kind === 'staff-password-link')
    .map(
      (m) =>
        /http:\/\/portal\.test(\/staff\/password\/[A-Za-z0-9_-]{43})/.exec(m.text_body ?? '')?.[1] as string,
    )
}

async function setPassword(path: string, password: string) {
  const agent = ctx.agent()
  const page = await agent.get(path)
  if (page.status !== 200) return page
  return agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), password })
}

/** An event's data: text on SQLite, already parsed on PostgreSQL. */
const dataOf = (data: unknown): unknown => (typeof data === 'string' ? JSON.parse(data) : data)

async function events(kind: string) {
  return ctx.services.db('events').where({ kind }).select('actor_id', 'subject_id', 'data')
}

describe('a link to set a new password', () => {
  it('is sent by an administrator to the account, once, with a link', async () => {
    const { admin, dpo } = await staff()
    const page = await admin.agent.get(`/staff/users/${dpo.user.id}`).expect(200)
    expect(page.text).toContain('Send a link to set a new password')
    const sent = await sendLink(admin.agent, dpo.user.id)
    expect(sent.status).toBe(303)
    expect(sent.headers.location).toBe(`/staff/users/${dpo.user.id}`)
    const mails = (await ctx.outbox()).filter((m) => m.kind === 'staff-password-link')
    expect(await links()).toEqual([expect.stringMatching(/^\/staff\/password\//)])
    expect(mails).toHaveLength(1)
    expect(mails[0]).toMatchObject({ to_address: 'dpo@portal.test' })
    expect(mails[0]?.subject).toContain('Set a new password')
    expect(mails[0]?.text_body).toContain('Dear Test dpo')
    const html = await ctx.services.db('outbox').where({ kind: 'staff-password-link' }).first()
    expect(html.html_body).toContain(`http://portal.test${(await links())[0]}`)
    const after = await admin.agent.get(`/staff/users/${dpo.user.id}`).expect(200)
    expect(after.text).toContain('Link to set a new password sent')
  })

  it('sets a new password, ends the account’s sessions and forgets its failed sign-ins', async () => {
    const { admin, dpo } = await staff()
    await dpo.agent.get('/staff/account').expect(200)
    for (let i = 0; i < 3; i++) await ctx.services.accounts.login('dpo@portal.test', 'wrong guess')
    expect((await ctx.services.db('staff_users').where({ id: dpo.user.id }).first()).failed_logins).toBe(3)
    expect(
      (await ctx.services.db('staff_sign_in_failures').where({ user_id: dpo.user.id })).length,
    ).toBeGreaterThan(0)

    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [path] = await links()
    const colleague = ctx.agent()
    const page = await colleague.get(path as string).expect(200)
    expect(page.text).toContain('Set a new password')
    expect(page.text).toContain('dpo@portal.test')
    const weak = await colleague
      .post(path as string)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), password: 'short' })
      .expect(400)
    expect(weak.text).toContain('href="#password"')
    await colleague
      .post(path as string)
      .type('form')
      .send({ _csrf: csrfFrom(weak.text), password: newPassword })
      .expect(303)
      .expect('Location', '/staff/password-set')
    const done = await colleague.get('/staff/password-set').expect(200)
    expect(done.text).toContain('Your password is set')

    const account = await dpo.agent.get('/staff/account')
    expect(account.status).toBe(303)
    expect(account.headers.location).toMatch(/^\/staff\/login/)
    const row = await ctx.services.db('staff_users').where({ id: dpo.user.id }).first()
    expect(row.failed_logins).toBe(0)
    expect(await ctx.services.db('staff_sign_in_failures').where({ user_id: dpo.user.id })).toHaveLength(0)
    // The administrator who sent it stays signed in.
    await admin.agent.get(`/staff/users/${dpo.user.id}`).expect(200)

    expect((await login(ctx.agent(), 'dpo@portal.test', staffPassword)).status).toBe(400)
    expect((await login(ctx.agent(), 'dpo@portal.test', newPassword)).status).toBe(303)
  })

  it('ends a session begun before the reset even when a request in flight saves it again', async () => {
    const { admin, dpo } = await staff()
    await dpo.agent.get('/staff/account').expect(200)
    const sessions = await ctx.services.db('sessions').select()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [path] = await links()
    expect((await setPassword(path as string, newPassword)).status).toBe(303)
    // The DPO's session row, written back as a response that was under way would write it.
    for (const session of sessions) {
      await ctx.services.db('sessions').insert(session).onConflict('sid').merge()
    }
    const account = await dpo.agent.get('/staff/account')
    expect(account.status).toBe(303)
    expect(account.headers.location).toMatch(/^\/staff\/login/)
    // Signing in again with the new password works.
    const fresh = ctx.agent()
    expect((await login(fresh, 'dpo@portal.test', newPassword)).status).toBe(303)
    await fresh.get('/staff/account').expect(200)
  })

  it('works once', async () => {
    const { admin, dpo } = await staff()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [path] = await links()
    expect((await setPassword(path as string, newPassword)).status).toBe(303)
    const again = await ctx
      .agent()
      .get(path as string)
      .expect(410)
    expect(again.text).toContain('This link to set a new password does not work')
    expect((await setPassword(path as string, 'another long passphrase 2026')).status).toBe(410)
    expect((await login(ctx.agent(), 'dpo@portal.test', newPassword)).status).toBe(303)
  })

  it('stops an earlier link working when a new one is sent', async () => {
    const { admin, dpo } = await staff()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [first, second] = await links()
    expect(first).not.toEqual(second)
    await ctx
      .agent()
      .get(first as string)
      .expect(410)
    expect((await setPassword(second as string, newPassword)).status).toBe(303)
  })

  it('expires after as long as an invitation lasts', async () => {
    const { admin, dpo } = await staff()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [path] = await links()
    ctx.setNow('2026-03-05T09:59:00Z')
    await ctx
      .agent()
      .get(path as string)
      .expect(200)
    ctx.setNow('2026-03-05T10:00:01Z')
    await ctx
      .agent()
      .get(path as string)
      .expect(410)
    expect((await setPassword(path as string, newPassword)).status).toBe(410)
    expect((await login(ctx.agent(), 'dpo@portal.test', staffPassword)).status).toBe(303)
  })

  it('is not sent to a disabled account, which gets a clear error', async () => {
    const { admin, dpo } = await staff()
    const page = await admin.agent.get(`/staff/users/${dpo.user.id}`).expect(200)
    await admin.agent
      .post(`/staff/users/${dpo.user.id}/disable`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    const disabled = await admin.agent.get(`/staff/users/${dpo.user.id}`).expect(200)
    expect(disabled.text).not.toContain('Send a link to set a new password')
    const refused = await admin.agent
      .post(`/staff/users/${dpo.user.id}/password-link`)
      .type('form')
      .send({ _csrf: csrfFrom(disabled.text) })
      .expect(400)
    expect(refused.text).toContain('govuk-error-summary')
    expect(refused.text).toContain('href="#password-link"')
    expect(refused.text).toContain('Enable the account first')
    expect(refused.text).toContain('govuk-error-message')
    expect(await links()).toEqual([])
    expect(await events('staff.password_link_sent')).toEqual([])
  })

  it('stops working if the account is disabled after it was sent', async () => {
    const { admin, dpo } = await staff()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    await ctx.services.accounts.setDisabled(admin.user, dpo.user.id, true)
    const [path] = await links()
    await ctx
      .agent()
      .get(path as string)
      .expect(410)
    // Nor once the account is enabled again: disabling retired it.
    await ctx.services.accounts.setDisabled(admin.user, dpo.user.id, false)
    await ctx
      .agent()
      .get(path as string)
      .expect(410)
  })

  it('can be sent only by an administrator, and only with the form’s CSRF token', async () => {
    const { admin, dpo } = await staff()
    const auditor = await signedInAgent(ctx, 'auditor')
    for (const who of [dpo, auditor]) {
      const page = await who.agent.get('/staff/account').expect(200)
      await who.agent
        .post(`/staff/users/${admin.user.id}/password-link`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(403)
    }
    await admin.agent.post(`/staff/users/${dpo.user.id}/password-link`).type('form').send({}).expect(403)
    expect(await links()).toEqual([])
  })

  it('leaves audit events with ids only, never the link or the address', async () => {
    const { admin, dpo } = await staff()
    expect((await sendLink(admin.agent, dpo.user.id)).status).toBe(303)
    const [path] = await links()
    expect((await setPassword(path as string, newPassword)).status).toBe(303)
    const sent = await events('staff.password_link_sent')
    const reset = await events('staff.password_reset')
    expect(sent).toEqual([{ actor_id: admin.user.id, subject_id: dpo.user.id, data: expect.anything() }])
    expect(dataOf(sent[0]?.data)).toEqual({})
    expect(reset).toHaveLength(1)
    expect(reset[0]).toMatchObject({ actor_id: dpo.user.id, subject_id: dpo.user.id })
    expect(dataOf(reset[0]?.data)).toEqual({ sessionsEnded: 1, locksCleared: 0 })
    const token = (path as string).split('/').at(-1) as string
    const all = JSON.stringify(
      await ctx.services.db('events').whereIn('kind', ['staff.password_link_sent', 'staff.password_reset']),
    )
    expect(all).not.toContain(token)
    expect(all).not.toContain('dpo@portal.test')
    expect(all).not.toContain('portal.test/staff/password')
  })
})
