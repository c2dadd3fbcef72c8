import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2025-09-03T09:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

describe('letter templates', () => {
  it('an admin edits a template and the case page drafts from it, filled in', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const list = await agent.get('/staff/templates').expect(200)
    expect(list.text).toContain('Completion: Erasure')
    const page = await agent.get('/staff/templates/clarification').expect(200)
    const typo = await agent
      .post('/staff/templates/clarification')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), body: 'About {refrence}: what do you mean?' })
      .expect(400)
    expect(typo.text).toContain('{refrence}')
    expect(typo.text).toContain('About {refrence}: what do you mean?')
    await agent
      .post('/staff/templates/clarification')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), body: 'About {reference}, received {received}: what do you mean?' })
      .expect(303)
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'x@example.org' })
    const casePage = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(casePage.text).toContain('About DSR-2025-00001, received 3 September 2025: what do you mean?')
    expect(
      await ctx.services.db('events').where({ kind: 'settings.template_changed' }).pluck('subject_id'),
    ).toEqual(['clarification'])

    const edited = await agent.get('/staff/templates/clarification').expect(200)
    await agent
      .post('/staff/templates/clarification/reset')
      .type('form')
      .send({ _csrf: csrfFrom(edited.text) })
      .expect(303)
    const again = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(again.text).toContain('we need to understand better')
  })

  it('answers an unknown template with 404 and keeps templates to admins', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await agent.get('/staff/templates/nonsense').expect(404)
    const { agent: dpo } = await signedInAgent(ctx, 'dpo')
    await dpo.get('/staff/templates').expect(403)
  })
})

describe('the receipt', () => {
  it('opens with the wording an admin set, filled in for the request', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = await agent.get('/staff/templates/receipt').expect(200)
    await agent
      .post('/staff/templates/receipt')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), body: 'Dear {name}, request {reference} is due by {due}.' })
      .expect(303)
    await fileConfirmedRequest(ctx, { email: 'r@example.org' })
    const receipt = (await ctx.outbox()).find((m) => m.kind === 'request-received')
    expect(receipt?.text_body).toContain('Dear you, request DSR-2025-00001 is due by 3 October 2025.')
  })
})
