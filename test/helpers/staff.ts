import type { StaffRole } from '../../src/domain/roles.js'
import { csrfFrom, type TestContext } from './context.js'

export const staffPassword = 'correct horse battery staple'

export async function createStaff(ctx: TestContext, role: StaffRole, email = `${role}@portal.test`) {
  return ctx.services.accounts.createUser({
    email,
    role,
    displayName: `Test ${role}`,
    password: staffPassword,
  })
}

/** An agent signed in as a new account of the role, through the real login form. */
export async function signedInAgent(ctx: TestContext, role: StaffRole, email = `${role}@portal.test`) {
  const user = await createStaff(ctx, role, email)
  const agent = ctx.agent()
  const page = await agent.get('/staff/login')
  const res = await agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password: staffPassword })
  if (res.status !== 303) throw new Error(`Sign-in failed with ${res.status}`)
  return { agent, user }
}
