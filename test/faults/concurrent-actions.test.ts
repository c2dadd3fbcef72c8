import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/knex.js'
import { csrfFrom } from '../helpers/context.js'
import {
  portalFolder,
  runCli,
  startPortalProcess,
  stopProcess,
  type PortalProcess,
} from '../helpers/processes.js'
import { confirmRequest, staffAgent, submitRequest, type PortalAgent } from './portal-client.js'

/**
 * Staff acting on one case at the same moment, each from the case page as they loaded it: one
 * action wins, every other gets a clean conflict page, and the trail records the winner alone.
 */

const slug = 'increasing-diversity-in-social-work-management'

let folder: ReturnType<typeof portalFolder>
let portal: PortalProcess | undefined
let db: Db
let staff: PortalAgent[]

beforeAll(async () => {
  folder = portalFolder('concurrent')
  const env = folder.env()
  const file = path.join(folder.dataDir, 'export.csv')
  writeFileSync(file, 'email,participated,voucher sent\nerase.me@example.org,2026-01-10,2026-01-20\n')
  const imported = await runCli(['import-records', '--study', slug, file], env)
  expect(imported.code, imported.output).toBe(0)
  portal = await startPortalProcess(env)
  db = folder.db()
  staff = []
  for (const name of ['ana', 'ben', 'cat'])
    staff.push(await staffAgent(portal.url, env, `${name}@portal.test`))
}, 120_000)

afterAll(async () => {
  await stopProcess(portal)
  await db?.destroy()
  folder?.remove()
})

/** A confirmed request of the type from the address, as the person made it. */
async function confirmedRequest(type: 'access' | 'erasure', email: string): Promise<string> {
  await submitRequest(portal!.url, email, type)
  const row = await db('rights_requests')
    .where({ email })
    .orderBy('created_at', 'desc')
    .first<{ id: string }>('id')
  await confirmRequest(portal!.url, db, row.id)
  return row.id
}

/** The case page as one member of staff has it open: its token and the version its forms carry. */
async function openCase(agent: PortalAgent, requestId: string) {
  const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
  return { csrf: csrfFrom(page.text), version: /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '' }
}

/** Every member of staff sends their action from the page they opened, all at once. */
async function allAtOnce(
  requestId: string,
  actions: { agent: PortalAgent; action: string; fields: Record<string, string> }[],
) {
  const opened = await Promise.all(actions.map((a) => openCase(a.agent, requestId)))
  expect(new Set(opened.map((o) => o.version)).size, 'everyone opened the same version').toBe(1)
  return Promise.all(
    actions.map((a, i) =>
      a.agent
        .post(`/staff/requests/${requestId}/${a.action}`)
        .type('form')
        .send({ _csrf: opened[i]!.csrf, version: opened[i]!.version, ...a.fields }),
    ),
  )
}

function expectOneWinner(responses: { status: number; text: string }[]) {
  expect(responses.map((r) => r.status).sort()).toEqual([303, ...Array(responses.length - 1).fill(409)])
  for (const loser of responses.filter((r) => r.status === 409)) {
    expect(loser.text).toContain('govuk-')
    expect(loser.text).not.toMatch(/SQLITE_|\.js:\d+|Error:/)
  }
  return responses.findIndex((r) => r.status === 303)
}

const kinds = async (subjectId: string) =>
  (await db('events').where({ subject_id: subjectId }).orderBy('seq').pluck('kind')) as string[]

describe('conflicting actions on one case', () => {
  it('completes or refuses it once: two completions and a refusal at the same moment', async () => {
    const requestId = await confirmedRequest('access', 'nobody.known@example.org')
    const ready = await openCase(staff[0]!, requestId)
    await staff[0]!
      .post(`/staff/requests/${requestId}/prepare-answer`)
      .type('form')
      .send({ _csrf: ready.csrf, version: ready.version })
      .expect(303)

    const responses = await allAtOnce(requestId, [
      { agent: staff[0]!, action: 'complete', fields: { letter: 'We hold nothing about you.' } },
      { agent: staff[1]!, action: 'complete', fields: { letter: 'We hold no data about you.' } },
      {
        agent: staff[2]!,
        action: 'refuse',
        fields: { ground: 'manifestly_excessive', letter: 'A repeat request.' },
      },
    ])
    const winner = expectOneWinner(responses)
    const events = await kinds(requestId)
    const closing = events.filter((k) => k === 'case.completed' || k === 'case.refused')
    expect(closing).toEqual([winner === 2 ? 'case.refused' : 'case.completed'])
    const request = await db('rights_requests').where({ id: requestId }).first<{ status: string }>('status')
    expect(request.status).toBe(winner === 2 ? 'refused' : 'completed')
    const letters = await db('outbox')
      .where({ request_id: requestId })
      .whereIn('kind', ['case-completion', 'case-refusal'])
      .pluck('kind')
    expect(letters, 'one letter told the person').toEqual([winner === 2 ? 'case-refusal' : 'case-completion'])
  })

  it('erases the record once: two erasures at the same moment', async () => {
    const requestId = await confirmedRequest('erasure', 'erase.me@example.org')
    const responses = await allAtOnce(requestId, [
      { agent: staff[0]!, action: 'erase-record', fields: { confirm: 'yes' } },
      { agent: staff[1]!, action: 'erase-record', fields: { confirm: 'yes' } },
    ])
    expectOneWinner(responses)
    const record = await db('email_records').first<{ id: string; email: string | null }>('id', 'email')
    expect(record.email).toBeNull()
    const recordEvents = await kinds(record.id)
    expect(recordEvents.filter((k) => k === 'record.erased')).toHaveLength(1)
    expect(recordEvents.filter((k) => k === 'record.holding_deleted')).toHaveLength(2)
    expect(await db('record_tasks').where({ record_id: record.id })).toHaveLength(2)
  })

  it('assigns it once: three assignments at the same moment', async () => {
    const requestId = await confirmedRequest('access', 'assign.me@example.org')
    const users = await db('staff_users').orderBy('email').pluck('id')
    const responses = await allAtOnce(
      requestId,
      staff.map((agent, i) => ({ agent, action: 'assign', fields: { assignee: String(users[i]) } })),
    )
    const winner = expectOneWinner(responses)
    const request = await db('rights_requests')
      .where({ id: requestId })
      .first<{ assignee_id: string }>('assignee_id')
    expect(request.assignee_id).toBe(users[winner])
    expect((await kinds(requestId)).filter((k) => k === 'case.assigned')).toHaveLength(1)
  })
})
