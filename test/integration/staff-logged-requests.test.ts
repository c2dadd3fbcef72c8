import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2025-09-10T09:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const formPath = '/staff/requests/new/erasure?study=increasing-diversity-in-social-work-management'

async function logRequest(agent: ReturnType<TestContext['agent']>, fields: Record<string, string>) {
  const page = await agent.get(formPath).expect(200)
  return agent
    .post(formPath)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields })
}

describe('requests logged by staff', () => {
  it('starts the clock from the date received when identity is already established', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const choose = await agent.get('/staff/requests/new').expect(200)
    await agent
      .post('/staff/requests/new')
      .type('form')
      .send({ _csrf: csrfFrom(choose.text), type: 'erasure' })
      .expect(303)
      .expect('Location', formPath)
    const res = await logRequest(agent, {
      channel: 'email',
      receivedOn: '2025-09-03',
      email: 'jane@example.org',
      reason: 'I no longer want to take part',
      identity: 'established',
      identityNote: 'Wrote from jane@example.org, the address we hold',
    })
    expect(res.status).toBe(303)
    const row = await ctx.services.db('rights_requests').first()
    expect(row).toMatchObject({
      channel: 'email',
      received_on: '2025-09-03',
      clock_start_on: '2025-09-03',
      due_on: '2025-10-03',
      status: 'received',
    })
    expect(res.headers.location).toBe(`/staff/requests/${row.id}`)
    expect((await ctx.outbox()).map((m) => m.kind)).toEqual(['request-received'])
    const note = await ctx.services.db('request_notes').first()
    expect(note.body).toContain('Wrote from jane@example.org')
    const events = await ctx.services.db('events').where({ subject_id: row.id }).pluck('data')
    expect(events.join()).not.toContain('jane@example.org')
    const page = await agent.get(res.headers.location as string).expect(200)
    expect(page.text).toContain('Email')
    expect(page.text).toContain('3 October 2025')
  })

  it('emails a confirmation link otherwise, and staff can record identity by other means', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, {
      channel: 'post',
      receivedOn: '2025-09-08',
      email: 'bob@example.org',
      identity: 'send_link',
    })
    expect(res.status).toBe(303)
    const row = await ctx.services.db('rights_requests').first()
    expect(row).toMatchObject({ status: 'unconfirmed', channel: 'post', received_on: '2025-09-08' })
    expect((await ctx.outbox()).map((m) => m.kind)).toEqual(['confirm-request'])
    const casePage = await agent.get(`/staff/requests/${row.id}`).expect(200)
    await agent
      .post(`/staff/requests/${row.id}/verify`)
      .type('form')
      .send({ _csrf: csrfFrom(casePage.text), identityNote: '' })
      .expect(400)
    await agent
      .post(`/staff/requests/${row.id}/verify`)
      .type('form')
      .send({ _csrf: csrfFrom(casePage.text), identityNote: 'Called them back on the number we hold' })
      .expect(303)
    // Identity established on 10 September, after receipt on the 8th: the later date is the relevant time.
    expect(await ctx.services.db('rights_requests').first()).toMatchObject({
      status: 'received',
      clock_start_on: '2025-09-10',
      due_on: '2025-10-10',
    })
  })

  it('rejects a future received date, a missing channel and a missing identity note, keeping what was typed', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, {
      receivedOn: '2025-09-11',
      email: 'x@example.org',
      reason: 'Please delete',
      identity: 'established',
    })
    expect(res.status).toBe(400)
    for (const field of ['channel', 'receivedOn', 'identityNote'])
      expect(res.text).toContain(`href="#${field}"`)
    expect(res.text).toContain('Please delete')
    expect(await ctx.services.db('rights_requests').count({ n: '*' })).toEqual([{ n: expect.anything() }])
    expect(Number((await ctx.services.db('rights_requests').count({ n: '*' }))[0]?.n)).toBe(0)
  })

  it('is for staff who handle requests, not auditors', async () => {
    const { agent } = await signedInAgent(ctx, 'auditor')
    await agent.get('/staff/requests/new').expect(403)
    await agent.get(formPath).expect(403)
  })
})
