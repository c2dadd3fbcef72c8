import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { unlockUserCommand } from '../../src/cli/unlock-user.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { createStaff, signedInAgent, staffPassword } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  // Behind a proxy on loopback, so each test request can say which network it comes from.
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z', env: { TRUST_PROXY: 'loopback' } })
})
afterEach(async () => {
  await ctx.destroy()
})

const attacker = '203.0.113.7'
const owner = '198.51.100.20'

async function signIn(from: string, password: string, email = 'dpo@portal.test') {
  const agent = ctx.agent()
  const page = await agent.get('/staff/login').set('X-Forwarded-For', from).expect(200)
  const res = await agent
    .post('/staff/login')
    .set('X-Forwarded-For', from)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password })
  return res.status
}

/** The service's answer alone, for the tests that need many attempts quickly. */
const attempt = (from: string, password: string) =>
  ctx.services.accounts.login('dpo@portal.test', password, { ip: from }).then((result) => result.ok)

const events = (kind: string) =>
  ctx.services
    .db('events')
    .where({ kind })
    .orderBy('seq')
    .then((rows: { data: string | null; actor_type: string; actor_id: string | null }[]) =>
      rows.map((row) => ({
        actor: `${row.actor_type}:${row.actor_id ?? ''}`,
        data: JSON.parse(row.data ?? '{}') as Record<string, unknown>,
      })),
    )

const later = (minutes: number) => new Date(ctx.now().getTime() + minutes * 60_000)

describe('staff sign-in lockout', () => {
  it('locks out the network the wrong passwords come from, never the owner elsewhere', async () => {
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 5; i++) expect(await attempt(attacker, `wrong guess number ${i}`)).toBe(false)
    expect(await signIn(attacker, staffPassword)).toBe(429)
    expect(await signIn(owner, staffPassword)).toBe(303)
    // The owner's sign-in clears nothing for the attacker's network.
    expect(await signIn(attacker, staffPassword)).toBe(429)

    const locks = await events('staff.locked_out')
    expect(locks).toHaveLength(1)
    expect(locks[0]?.data).toMatchObject({ minutes: 15, lockout: 1 })
    const reasons = (await events('staff.login_failed')).map((e) => e.data.reason)
    expect(reasons).toEqual([...Array<string>(5).fill('wrong_password'), 'locked', 'locked'])
    expect(JSON.stringify(await ctx.services.db('staff_sign_in_failures'))).not.toContain(attacker)
  })

  it('lets parallel guesses from one network check no more than five passwords', async () => {
    await createStaff(ctx, 'dpo')
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => attempt(attacker, `parallel guess ${i}`)),
    )
    expect(results.every((ok) => !ok)).toBe(true)
    const reasons = (await events('staff.login_failed')).map((e) => e.data.reason)
    expect(reasons.filter((r) => r === 'wrong_password')).toHaveLength(5)
    expect(reasons).toHaveLength(8)
    expect(await events('staff.locked_out')).toHaveLength(1)
    expect(await attempt(attacker, staffPassword)).toBe(false)
  })

  it('forgets the failures when a lock runs out, and locks for longer the next time', async () => {
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 5; i++) expect(await attempt(attacker, `wrong ${i}`)).toBe(false)
    ctx.setNow(later(15))
    // One guess after the lock ran out does not lock the network again.
    expect(await attempt(attacker, 'one more wrong guess')).toBe(false)
    expect(await events('staff.locked_out')).toHaveLength(1)
    for (let i = 0; i < 4; i++) expect(await attempt(attacker, `wrong again ${i}`)).toBe(false)
    const locks = (await events('staff.locked_out')).map((e) => e.data.minutes)
    expect(locks).toEqual([15, 30])
    ctx.setNow(later(29))
    expect(await attempt(attacker, staffPassword)).toBe(false)
    ctx.setNow(later(1))
    expect(await attempt(attacker, staffPassword)).toBe(true)
  })

  it('never counts a correct password against the account', async () => {
    await createStaff(ctx, 'dpo')
    for (let i = 0; i < 4; i++) await attempt(owner, `typo ${i}`)
    expect(await attempt(owner, staffPassword)).toBe(true)
    for (let i = 0; i < 4; i++) await attempt(owner, `typo again ${i}`)
    expect(await attempt(owner, staffPassword)).toBe(true)
    expect(await events('staff.locked_out')).toHaveLength(0)
  })

  it('is cleared for every network by unlock-user, recorded as the command line', async () => {
    await createStaff(ctx, 'dpo')
    for (const from of [attacker, owner]) for (let i = 0; i < 5; i++) await attempt(from, `wrong ${i}`)
    expect(await attempt(owner, staffPassword)).toBe(false)

    const result = await unlockUserCommand(ctx.services.accounts, 'DPO@portal.test')
    expect(result).toMatchObject({ exitCode: 0, stderr: '' })
    expect(result.stdout).toContain('2 locked-out network(s) cleared')
    expect(await attempt(owner, staffPassword)).toBe(true)
    expect(await events('staff.unlocked')).toEqual([
      { actor: 'system:cli', data: { locksCleared: 2, failedSignIns: 10 } },
    ])
    expect(await unlockUserCommand(ctx.services.accounts, 'nobody@portal.test')).toMatchObject({
      exitCode: 1,
    })
  })

  it('shows an administrator which account is locked, and lets them unlock it', async () => {
    const { agent: admin, user: adminUser } = await signedInAgent(ctx, 'admin')
    const dpo = await createStaff(ctx, 'dpo')
    for (let i = 0; i < 5; i++) await attempt(attacker, `wrong ${i}`)
    const list = await admin.get('/staff/users').expect(200)
    expect(list.text).toContain('Locked')
    const page = await admin.get(`/staff/users/${dpo.id}`).expect(200)
    expect(page.text).toContain('Locked after failed sign-ins from a network, until 2026-03-02 10:15 UTC')
    await admin
      .post(`/staff/users/${dpo.id}/reset-lockout`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
    expect(await attempt(attacker, staffPassword)).toBe(true)
    expect(await events('staff.unlocked')).toEqual([
      { actor: `staff:${adminUser.id}`, data: { locksCleared: 1, failedSignIns: 5 } },
    ])
  })
})
