import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importEmailRecords } from '../../src/records/import.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-11-01T10:00:00Z' })
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () =>
        Readable.from([
          'email,participated,extracted\nlinked@example.org,2021-06-01,\nextracted@example.org,2021-06-01,2021-09-15\ngone@example.org,2021-06-01,\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
  await ctx.services
    .db('email_records')
    .where({ email_hmac: ctx.services.emailKey('gone@example.org') })
    .update({ email: null, erased_on: '2021-10-03', erasure_reason: 'retention_schedule' })
})
afterEach(async () => {
  await ctx.destroy()
})

const request = (id: string) => ctx.services.db('rights_requests').where({ id }).first()

describe('a confirmed request meets the email record', () => {
  it('links the record and keeps its state at confirmation as evidence', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    const row = await request(requestId)
    expect(row.record_id).toBeTruthy()
    expect(JSON.parse(String(row.record_snapshot))).toMatchObject({
      state: 'retained',
      answersLinked: true,
      takenOn: '2021-11-01',
    })
    expect(row.record_answer).toBeNull()
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).toContain('Email record')
    expect(page.text).toContain('What the law says this right reaches, by category')
    expect(page.text).toContain('Art. 17(3)(b)') // survey answers: public task
    expect(page.text).toContain('Applies, with limits') // email: legitimate interests
  })

  it('says the survey answers can no longer be identified once extracted', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'extracted@example.org', type: 'access' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).toContain('Cannot be identified')
    expect(page.text).toContain('Art. 11(2)')
  })

  it('finds the tombstone of an erased address and flags the request in the queue', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'gone@example.org', type: 'erasure' })
    expect(await request(requestId)).toMatchObject({ record_answer: 'address erased on 3 October 2021' })
    expect(JSON.parse(String((await request(requestId)).record_snapshot)).rule).toContain(
      'erased on 3 October 2021 under the retention schedule',
    )
    const { agent } = await signedInAgent(ctx, 'dpo')
    const queue = await agent.get('/staff/requests').expect(200)
    expect(queue.text).toContain('Record answers it: address erased on 3 October 2021')
  })

  it('flags a request for an address with no record', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'stranger@example.org' })
    expect(await request(requestId)).toMatchObject({
      record_id: null,
      record_answer: 'no record of this address',
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).toContain('No email record of this address was found')
  })
})

describe('rights that act on the record', () => {
  async function casePage(agent: ReturnType<TestContext['agent']>, requestId: string) {
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    return {
      page,
      csrf: csrfFrom(page.text),
      version: /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '',
    }
  }

  it('erasure erases the address now, keeps a tombstone and creates tasks for outside copies', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { csrf, version } = await casePage(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/erase-record`)
      .type('form')
      .send({ _csrf: csrf, version, confirm: 'yes' })
      .expect(303)
    const record = await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('linked@example.org') })
      .first()
    expect(record).toMatchObject({ email: null, erasure_reason: 'erasure_request', erased_on: '2021-11-01' })
    expect(await ctx.services.db('record_tasks').pluck('holding')).toEqual(['survey_platform'])
    const after = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(after.text).toContain('Delete the address from the survey platform')
    expect(after.text).toContain('at the person’s request')
    // The address is gone, so the survey answers left on the platform can no longer be linked.
    expect(after.text).toContain('Cannot be identified')
  })

  it('restriction sets a hold the sweep respects, and lifting it tells the person first', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, {
      email: 'linked@example.org',
      type: 'restriction',
      details: { type: 'restriction', ground: 'accuracy' },
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const form = await casePage(agent, requestId)
    // The restriction form speaks to staff about the person, not to the person.
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    expect(page.text).toContain('They think the data is not accurate (Article 18(1)(a))')
    expect(page.text).not.toContain('You think the data is not accurate')
    const past = await agent
      .post(`/staff/requests/${requestId}/restrict-record`)
      .type('form')
      .send({
        _csrf: form.csrf,
        version: form.version,
        restrictionGround: 'accuracy',
        reviewOn: '2021-10-01',
      })
      .expect(400)
    expect(past.text).toContain('href="#reviewOn"')
    await agent
      .post(`/staff/requests/${requestId}/restrict-record`)
      .type('form')
      .send({
        _csrf: form.csrf,
        version: form.version,
        restrictionGround: 'accuracy',
        reviewOn: '2022-02-01',
      })
      .expect(303)
    ctx.setNow('2022-03-01T10:00:00Z')
    const sweep = await ctx.services.sweep.run()
    expect(sweep.deferred.some((d) => d.reason.startsWith('restricted'))).toBe(true)

    const { agent: later } = await signedInAgent(ctx, 'dpo', 'later@portal.test')
    const send = async (agentNow: typeof later, action: string, fields: Record<string, string>) => {
      const f = await casePage(agentNow, requestId)
      return agentNow
        .post(`/staff/requests/${requestId}/${action}`)
        .type('form')
        .send({ _csrf: f.csrf, version: f.version, ...fields })
    }
    const restricted = () =>
      ctx.services
        .db('email_records')
        .where({ email_hmac: ctx.services.emailKey('linked@example.org') })
        .first<{ restricted_since: string | null; restriction_lift_notice_on: string | null }>()
    // Lifting comes only after the person has been told (Art. 18(3)).
    const unnoticed = await send(later, 'lift-restriction', {})
    expect(unnoticed.status).toBe(400)
    expect(unnoticed.text).toContain('href="#lift-agreed"')
    expect(unnoticed.text).toContain('Send the person the notice first')
    await send(later, 'restriction-lift-notice', { 'lift-letter': '' }).then((r) =>
      expect(r.status).toBe(400),
    )
    const unfinished = await send(later, 'restriction-lift-notice', {
      'lift-letter': 'We will lift it. [Say why, and what happens next.]',
    })
    expect(unfinished.status).toBe(400)
    expect(unfinished.text).toContain('href="#lift-letter"')
    expect((await restricted())?.restriction_lift_notice_on).toBeNull()
    await send(later, 'restriction-lift-notice', {
      'lift-letter': 'Your data is accurate, so we will lift the restriction.',
    }).then((r) => expect(r.status).toBe(303))
    expect((await ctx.outbox()).some((m) => m.kind === 'case-restriction-lift-notice')).toBe(true)
    expect(await restricted()).toMatchObject({
      restricted_since: '2021-11-01',
      restriction_lift_notice_on: '2022-03-01',
    })
    // Within the notice period only the person's agreement, with how they gave it, lets it go sooner.
    const early = await send(later, 'lift-restriction', {})
    expect(early.status).toBe(400)
    expect(early.text).toContain('can be lifted from 8 March 2022')
    const noHow = await send(later, 'lift-restriction', { 'lift-agreed': 'yes' })
    expect(noHow.status).toBe(400)
    expect(noHow.text).toContain('href="#lift-agreed-how"')
    expect((await restricted())?.restricted_since).toBe('2021-11-01')
    ctx.setNow('2022-03-08T10:00:00Z')
    const { agent: week } = await signedInAgent(ctx, 'dpo', 'week@portal.test')
    await send(week, 'lift-restriction', {}).then((r) => expect(r.status).toBe(303))
    const kinds = await ctx.services
      .db('events')
      .whereIn('kind', [
        'case.restriction_lift_notified',
        'record.restriction_lifted',
        'case.restriction_lifted',
      ])
      .orderBy('seq')
      .pluck('kind')
    expect(kinds).toEqual([
      'case.restriction_lift_notified',
      'record.restriction_lifted',
      'case.restriction_lifted',
    ])
    expect(
      await ctx.services
        .db('email_records')
        .where({ email_hmac: ctx.services.emailKey('linked@example.org') })
        .first(),
    ).toMatchObject({ restricted_since: null })
  })
})

describe('withdrawal and objection', () => {
  async function post(
    agent: ReturnType<TestContext['agent']>,
    requestId: string,
    action: string,
    fields: Record<string, string>,
  ) {
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? ''
    return agent
      .post(`/staff/requests/${requestId}/${action}`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), version, ...fields })
  }
  const record = (email: string) =>
    ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey(email) })
      .first()

  it('records a withdrawal of consent on the record', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, {
      email: 'linked@example.org',
      type: 'withdraw_consent',
      details: { type: 'withdraw_consent', consent: 'ethnicity' },
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    expect((await post(agent, requestId, 'withdraw-consent', {})).status).toBe(303)
    expect(await record('linked@example.org')).toMatchObject({ consent_withdrawn_on: '2021-11-01' })
  })

  it('treats a direct marketing objection as absolute, and needs the grounds to continue other processing', async () => {
    const { requestId: marketing } = await fileConfirmedRequest(ctx, {
      email: 'linked@example.org',
      type: 'objection',
      details: { type: 'objection', processing: 'direct_marketing' },
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const refused = await post(agent, marketing, 'decide-objection', {
      objectionDecision: 'compelling_grounds',
      objectionGrounds: 'We want to',
    })
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('absolute')
    expect((await post(agent, marketing, 'decide-objection', { objectionDecision: 'stopped' })).status).toBe(
      303,
    )
    expect(await record('linked@example.org')).toMatchObject({
      objection_decision: 'stopped',
      objection_processing: 'direct_marketing',
    })

    const { requestId: research } = await fileConfirmedRequest(ctx, {
      email: 'extracted@example.org',
      type: 'objection',
      details: { type: 'objection', processing: 'purpose:occupation' },
    })
    expect(
      (
        await post(agent, research, 'decide-objection', {
          objectionDecision: 'compelling_grounds',
          objectionGrounds: '',
        })
      ).status,
    ).toBe(400)
    expect(
      (
        await post(agent, research, 'decide-objection', {
          objectionDecision: 'compelling_grounds',
          objectionGrounds: 'The research is in the public interest and the data is anonymised.',
        })
      ).status,
    ).toBe(303)
    expect(await record('extracted@example.org')).toMatchObject({ objection_decision: 'compelling_grounds' })
  })
})

describe('rectification of the address', () => {
  it('corrects the record, keeps the old address only as an HMAC and creates the platform task', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, {
      email: 'linked@example.org',
      type: 'rectification',
      details: { type: 'rectification', inaccurate: 'typo', correction: 'linked@example.org.uk' },
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const send = async (correctedEmail: string) => {
      const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
      const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? ''
      return agent
        .post(`/staff/requests/${requestId}/rectify-address`)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), version, correctedEmail })
    }
    expect((await send('not an address')).status).toBe(400)
    expect((await send('extracted@example.org')).text).toContain(
      'Another record in this study already holds this address',
    )
    expect((await send('linked@example.org.uk')).status).toBe(303)
    const record = await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('linked@example.org.uk') })
      .first()
    expect(record.email).toBe('linked@example.org.uk')
    const event = await ctx.services.db('events').where({ kind: 'record.address_rectified' }).first()
    expect(String(event.data)).toContain(ctx.services.emailKey('linked@example.org'))
    expect(String(event.data)).not.toContain('example.org')
    expect(await ctx.services.db('record_tasks').pluck('title')).toEqual([
      'Correct the address on the survey platform',
    ])
  })
})
