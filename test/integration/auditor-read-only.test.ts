import type { Express } from 'express'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPostgres } from '../../src/db/knex.js'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest, insertOpenRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

/**
 * SPEC §1: the auditor "reads everything, changes nothing". Every staff POST route the app has,
 * found by walking its router (so a new route is covered the day it is added), must answer an
 * auditor with 403 and leave the database as it was. These are the exceptions, each with its reason.
 */
const auditorMayPost: Record<string, string> = {
  '/staff/login': 'signing in happens before any role applies',
  '/staff/login/code': 'the second step of signing in',
  '/staff/logout': 'anyone signed in may sign out',
  '/staff/setup/:token': 'creating the first administrator by a one-time link; no account is involved',
  '/staff/invite/:token': 'accepting an invitation by its link, before signing in',
  '/staff/password/:token': 'setting a new password by an emailed link, before signing in',
  '/staff/account/two-factor': 'the auditor’s own sign-in security',
  '/staff/account/two-factor/disable': 'the auditor’s own sign-in security',
  '/staff/audit/verify': 'checking the audit trail is intact is the auditor’s job (SPEC §6)',
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> }
  handle?: { stack?: Layer[] }
}

/** Every POST route path, from the app's router and the routers mounted on it. */
function postRoutes(app: Express): string[] {
  const found: string[] = []
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route?.methods.post) found.push(...[layer.route.path].flat())
      else if (layer.handle?.stack) walk(layer.handle.stack)
    }
  }
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack)
  return found
}

const staffPostRoutes = (app: Express) => postRoutes(app).filter((path) => path.startsWith('/staff'))

let ctx: TestContext
let auditor: ReturnType<TestContext['agent']>
let csrf: string
let ids: Record<string, string>
let before: Record<string, string>

/** Every table but the session store (each request touches the auditor's own session). */
async function snapshot(): Promise<Record<string, string>> {
  const db = ctx.services.db
  const tables: string[] = isPostgres(db)
    ? await db('information_schema.tables').whereRaw('table_schema = current_schema()').pluck('table_name')
    : await db('sqlite_master').where({ type: 'table' }).whereNot('name', 'like', 'sqlite_%').pluck('name')
  const dump: Record<string, string> = {}
  for (const table of tables.filter((t) => t !== 'sessions').sort()) {
    dump[table] = JSON.stringify((await db(table).select()).map((row) => JSON.stringify(row)).sort())
  }
  return dump
}

beforeAll(async () => {
  ctx = await createTestContext()
  const dpo = await signedInAgent(ctx, 'dpo')
  const signedIn = await signedInAgent(ctx, 'auditor')
  auditor = signedIn.agent
  csrf = csrfFrom((await auditor.get('/staff/requests')).text)
  const { requestId } = await fileConfirmedRequest(ctx, { email: 'person@example.org' })
  const taskId = newId()
  await ctx.services.db('request_tasks').insert({
    id: taskId,
    request_id: requestId,
    title: 'Ask the survey platform',
    created_by: dpo.user.id,
    created_at: ctx.now().toISOString(),
  })
  // The same person's second access request, for closing as a duplicate of the first.
  const repeat = await insertOpenRequest(ctx, { email: 'person@example.org', reference: 'DSR-2026-00090' })
  const reference = (await ctx.services.db('rights_requests').where({ id: requestId }).first()).reference
  ids = { request: requestId, user: dpo.user.id, task: taskId, repeat, reference }
  before = await snapshot()
})

afterAll(async () => {
  await ctx.destroy()
})

/** A real target for each parameter, so a missing role check would have something to change. */
function concrete(path: string): string {
  const study = 'increasing-diversity-in-social-work-management'
  const filled = path
    .replace(/^\/staff\/users\/:id/, `/staff/users/${ids.user}`)
    .replace(':id', ids.request!)
    .replace(':taskId', ids.task!)
    .replace(':slug', study)
    .replace(/\/categories\/:key/, '/categories/email')
    .replace(':key', 'refusal')
    .replace(':type', 'access')
    .replace(/:\w+/g, 'no-such-thing')
  return /^\/staff\/(records\/import|requests\/new\/)/.test(filled) ? `${filled}?study=${study}` : filled
}

/** Enough of every form that, were the role check missing, most routes would act. */
const plausibleForm = () => ({
  _csrf: csrf,
  version: '1',
  assignee: ids.user,
  role: 'admin',
  body: 'A message',
  note: 'A note',
  letter: 'A letter',
  part: 'email',
  reasoning: 'Reasons',
  ground: 'manifestly_unfounded',
  as: 'withdrawn',
  duplicateOf: ids.reference,
  kind: 'clarification',
  title: 'A task',
  taskNote: 'Done',
  format: 'csv',
  identities: 'yes',
  reason: 'A reason',
  requireAdminTwoFactor: 'yes',
  email: 'new-person@example.org',
  displayName: 'New person',
  ids: ids.repeat,
  action: 'duplicate',
  bulkDuplicateOf: ids.reference,
})

describe('the auditor changes nothing', () => {
  it('finds the staff POST routes by walking the router', () => {
    const routes = staffPostRoutes(ctx.app)
    expect(routes.length).toBeGreaterThan(30)
    expect(routes).toContain('/staff/requests/:id/complete')
    expect(routes).toContain('/staff/exports/requests')
    for (const exception of Object.keys(auditorMayPost)) expect(routes, exception).toContain(exception)
  })

  it('every staff POST route but the exceptions answers 403', async () => {
    const answers: Record<string, number> = {}
    for (const path of staffPostRoutes(ctx.app).filter((p) => !Object.hasOwn(auditorMayPost, p))) {
      const res = await auditor.post(concrete(path)).type('form').send(plausibleForm())
      answers[path] = res.status
    }
    expect(Object.entries(answers).filter(([, status]) => status !== 403)).toEqual([])
    // Still signed in: the 403s were role checks, not a lost session.
    expect((await auditor.get('/staff/dashboard')).status).toBe(200)
  })

  it('and the database is as it was', async () => {
    const after = await snapshot()
    expect(Object.keys(after)).toEqual(Object.keys(before))
    expect(Object.keys(after).filter((table) => after[table] !== before[table])).toEqual([])
  })
})
