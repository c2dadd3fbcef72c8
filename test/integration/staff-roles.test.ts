import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaffRole } from '../../src/domain/roles.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent } from '../helpers/staff.js'

/** Every staff route, with the roles allowed to use it. Adding a route means adding it here. */
const routes: { method: 'get' | 'post'; path: (ids: Ids) => string; allowed: StaffRole[] }[] = [
  { method: 'get', path: () => '/staff/requests', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: (ids) => `/staff/requests/${ids.request}`, allowed: ['admin', 'dpo', 'auditor'] },
  ...[
    'assign',
    'ask',
    'arrival',
    'extend',
    'message',
    'refuse',
    'complete',
    'close',
    'notes',
    'tasks',
    'erase-record',
    'restrict-record',
    'lift-restriction',
    'restriction-lift-notice',
    'decide',
    'decide/withdraw',
    'searches',
    'withdraw-consent',
    'decide-objection',
    'rectify-address',
  ].map((action) => ({
    method: 'post' as const,
    path: (ids: Ids) => `/staff/requests/${ids.request}/${action}`,
    allowed: ['admin', 'dpo'] as StaffRole[],
  })),
  {
    method: 'post',
    path: (ids) => `/staff/requests/${ids.request}/tasks/no-such-task/done`,
    allowed: ['admin', 'dpo'],
  },
  { method: 'post', path: () => '/staff/requests/bulk', allowed: ['admin', 'dpo'] },
  { method: 'get', path: () => '/staff/requests/new', allowed: ['admin', 'dpo'] },
  { method: 'post', path: () => '/staff/requests/new', allowed: ['admin', 'dpo'] },
  { method: 'get', path: () => `/staff/requests/new/access?study=${studySlug}`, allowed: ['admin', 'dpo'] },
  { method: 'post', path: () => `/staff/requests/new/access?study=${studySlug}`, allowed: ['admin', 'dpo'] },
  { method: 'post', path: (ids) => `/staff/requests/${ids.request}/verify`, allowed: ['admin', 'dpo'] },
  { method: 'get', path: () => '/staff/templates', allowed: ['admin'] },
  { method: 'get', path: () => '/staff/templates/refusal', allowed: ['admin'] },
  { method: 'post', path: () => '/staff/templates/refusal', allowed: ['admin'] },
  { method: 'post', path: () => '/staff/templates/refusal/reset', allowed: ['admin'] },
  { method: 'get', path: () => '/staff/account', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/settings', allowed: ['admin'] },
  { method: 'post', path: () => '/staff/settings', allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/reset-two-factor`, allowed: ['admin'] },
  { method: 'get', path: () => '/staff/records', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/records/import', allowed: ['admin'] },
  { method: 'get', path: () => '/staff/records/tasks', allowed: ['admin', 'dpo'] },
  { method: 'post', path: () => '/staff/records/tasks/no-such-task/done', allowed: ['admin', 'dpo'] },
  { method: 'post', path: () => `/staff/records/import?study=${studySlug}`, allowed: ['admin'] },
  { method: 'get', path: () => '/staff/records/no-such-record', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/users', allowed: ['admin'] },
  { method: 'get', path: () => '/staff/users/new', allowed: ['admin'] },
  { method: 'post', path: () => '/staff/users/new', allowed: ['admin'] },
  { method: 'get', path: (ids) => `/staff/users/${ids.target}`, allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/role`, allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/disable`, allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/enable`, allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/reset-lockout`, allowed: ['admin'] },
  { method: 'post', path: (ids) => `/staff/users/${ids.target}/password-link`, allowed: ['admin'] },
  { method: 'get', path: () => '/staff/audit', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'post', path: () => '/staff/audit/verify', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/audit/trail.ndjson', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/dashboard', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/exports', allowed: ['admin', 'dpo', 'auditor'] },
  { method: 'get', path: () => '/staff/exports/requests.csv', allowed: ['admin', 'dpo', 'auditor'] },
  {
    method: 'get',
    path: () => '/staff/exports/requests?format=ndjson',
    allowed: ['admin', 'dpo', 'auditor'],
  },
  { method: 'post', path: () => '/staff/exports/requests', allowed: ['admin', 'dpo'] },
]

const studySlug = 'increasing-diversity-in-social-work-management'

interface Ids {
  request: string
  target: string
}

let ctx: TestContext
let ids: Ids
const agents = new Map<StaffRole, Awaited<ReturnType<typeof signedInAgent>>['agent']>()

beforeAll(async () => {
  ctx = await createTestContext()
  for (const role of ['admin', 'dpo', 'auditor'] as const)
    agents.set(role, (await signedInAgent(ctx, role)).agent)
  const target = await ctx.services.accounts.createUser({
    email: 'target@portal.test',
    role: 'dpo',
    displayName: 'Target',
    password: 'correct horse battery staple',
  })
  const study = (await ctx.services.studies.listAccepting())[0]
  const { requestId } = await ctx.services.intake.submit({
    study: study!,
    type: 'access',
    details: { type: 'access' },
    email: 'p@example.org',
    name: null,
  })
  ids = { request: requestId, target: target.id }
})
afterAll(async () => {
  await ctx.destroy()
})

describe('role checks on every staff route', () => {
  for (const route of routes) {
    for (const role of ['admin', 'dpo', 'auditor'] as const) {
      const allowed = route.allowed.includes(role)
      it(`${route.method.toUpperCase()} ${route.path({ request: ':id', target: ':id' })} as ${role} is ${allowed ? 'allowed' : 'forbidden (403)'}`, async () => {
        const agent = agents.get(role)!
        const page = await agent.get('/staff/requests')
        const res =
          route.method === 'get'
            ? await agent.get(route.path(ids))
            : await agent
                .post(route.path(ids))
                .type('form')
                .send({ _csrf: csrfFrom(page.text) })
        if (allowed) expect(res.status).not.toBe(403)
        else expect(res.status).toBe(403)
      })
    }
    it(`${route.method.toUpperCase()} ${route.path({ request: ':id', target: ':id' })} signed out goes to sign-in`, async () => {
      const agent = ctx.agent()
      if (route.method === 'get') {
        await agent.get(route.path(ids)).expect(303).expect('Location', '/staff/login')
      } else {
        const page = await agent.get('/staff/login')
        await agent
          .post(route.path(ids))
          .type('form')
          .send({ _csrf: csrfFrom(page.text) })
          .expect(303)
          .expect('Location', '/staff/login')
      }
    })
  }
})
