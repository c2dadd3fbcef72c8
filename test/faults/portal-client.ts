import request from 'supertest'
import type TestAgent from 'supertest/lib/agent.js'
import { expect } from 'vitest'
import type { Db } from '../../src/db/knex.js'
import { csrfFrom } from '../helpers/context.js'
import { staffPassword } from '../helpers/staff.js'
import { runCli } from '../helpers/processes.js'

export type PortalAgent = TestAgent

/** A browser-like client of a portal process, keeping its cookies. */
export function portalAgent(url: string): PortalAgent {
  return request.agent(url)
}

/** Makes a request through the public form, as a person would; resolves once the portal answered. */
export async function submitRequest(
  url: string,
  email: string,
  type: 'access' | 'erasure' = 'access',
): Promise<{ elapsedMs: number }> {
  const agent = portalAgent(url)
  const form = await agent.get(`/request/${type}`).expect(200)
  const started = performance.now()
  await agent
    .post(`/request/${type}`)
    .type('form')
    .send({
      _csrf: csrfFrom(form.text),
      email,
      description: 'Everything you hold',
      reason: 'Please delete it',
    })
    .expect(303)
    .expect('Location', '/request/check-your-email')
  return { elapsedMs: performance.now() - started }
}

/** Confirms the newest request of the address with the link its confirmation email carries. */
export async function confirmRequest(url: string, db: Db, requestId: string): Promise<void> {
  const mail = await db('outbox')
    .where({ request_id: requestId, kind: 'confirm-request' })
    .first<{ text_body: string }>()
  const path = /http:\/\/portal\.test(\/confirm\/[A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!path) throw new Error('No confirmation link')
  const agent = portalAgent(url)
  const page = await agent.get(path).expect(200)
  await agent
    .post(path)
    .type('form')
    .send({ _csrf: csrfFrom(page.text) })
    .expect(303)
}

/** Creates a staff account with the CLI, as an operator would, and signs it in over HTTP. */
export async function staffAgent(
  url: string,
  env: Record<string, string>,
  email: string,
  role: 'admin' | 'dpo' | 'auditor' = 'dpo',
): Promise<PortalAgent> {
  const created = await runCli(['create-user', '--email', email, '--role', role], env, staffPassword)
  expect(created.code, created.output).toBe(0)
  const agent = portalAgent(url)
  const page = await agent.get('/staff/login').expect(200)
  await agent
    .post('/staff/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), email, password: staffPassword })
    .expect(303)
  return agent
}
