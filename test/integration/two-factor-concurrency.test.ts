import { generateSync } from 'otplib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newTotpSecret } from '../../src/accounts/two-factor.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { createStaff, staffPassword } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const codeNow = (secret: string) => generateSync({ secret, epoch: Math.floor(ctx.now().getTime() / 1000) })

/** A member of staff with two-factor sign-in on, a minute later so the next code is unused. */
async function staffWithTwoFactor() {
  const user = await createStaff(ctx, 'dpo')
  const secret = newTotpSecret()
  await ctx.services.accounts.enableTwoFactor(user, secret, codeNow(secret))
  ctx.setNow('2026-03-02T10:01:00Z')
  return { user, secret }
}

const passed = () => ctx.services.db('events').where({ kind: 'staff.two_factor_passed' })

describe('a two-factor code used several times at once', () => {
  it('signs in exactly one of six sessions that send it together', async () => {
    const { secret } = await staffWithTwoFactor()
    const sessions = []
    for (let i = 0; i < 6; i++) {
      const agent = ctx.agent()
      const login = await agent.get('/staff/login')
      await agent
        .post('/staff/login')
        .type('form')
        .send({ _csrf: csrfFrom(login.text), email: 'dpo@portal.test', password: staffPassword })
        .expect(303)
        .expect('Location', '/staff/login/code')
      const page = await agent.get('/staff/login/code').expect(200)
      sessions.push({ agent, csrf: csrfFrom(page.text) })
    }
    const code = codeNow(secret)
    const statuses = await Promise.all(
      sessions.map(({ agent, csrf }) =>
        agent
          .post('/staff/login/code')
          .type('form')
          .send({ _csrf: csrf, code })
          .then((res) => res.status),
      ),
    )
    expect(statuses.filter((status) => status === 303)).toHaveLength(1)
    expect(statuses.filter((status) => status === 400)).toHaveLength(5)
    expect(await passed()).toHaveLength(1)
  })

  it('is accepted by exactly one of several checks racing in the service', async () => {
    const { user, secret } = await staffWithTwoFactor()
    const code = codeNow(secret)
    const results = await Promise.all(
      Array.from({ length: 6 }, () => ctx.services.accounts.checkSignInCode(user.id, code)),
    )
    expect(results.filter(Boolean)).toHaveLength(1)
    expect(await passed()).toHaveLength(1)
    expect(await ctx.services.db('events').where({ kind: 'staff.two_factor_failed' })).toHaveLength(5)
  })
})
