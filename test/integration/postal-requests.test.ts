import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { purgeClosedRequestContacts } from '../../src/requests/contact-retention.js'
import { postCaseAction, tickOffTasks } from '../helpers/cases.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({
    now: '2025-09-10T09:00:00Z',
    env: { ORGANISATION_ADDRESS: '1 Example Street, London, EC1A 1BB' },
  })
})
afterEach(async () => {
  await ctx.destroy()
})

const study = 'increasing-diversity-in-social-work-management'
const formPath = (type: string) => `/staff/requests/new/${type}?study=${study}`
type Agent = ReturnType<TestContext['agent']>

async function logRequest(agent: Agent, type: string, fields: Record<string, string>) {
  const page = await agent.get(formPath(type)).expect(200)
  return agent
    .post(formPath(type))
    .type('form')
    .send({ _csrf: csrfFrom(page.text), ...fields })
}

const postal = {
  channel: 'post',
  receivedOn: '2025-09-03',
  name: 'Pat Letter',
  addressLine1: '12 Acacia Avenue',
  addressLine2: 'Flat 3',
  town: 'Leeds',
  postcode: 'ls1 4ap',
  identity: 'established',
  identityNote: 'Signed letter matching the name on the consent form',
}

/** The error summary's links, in the order the page lists them. */
const summaryHrefs = (html: string) =>
  [...(/govuk-error-summary__list[\s\S]*?<\/ul>/.exec(html)?.[0] ?? '').matchAll(/href="#([^"]+)"/g)].map(
    (m) => m[1],
  )

/** The one request the test logged. */
const firstRequest = async () =>
  await ctx.services.db('rights_requests').first<{ id: string; reference: string | null }>()

const countRequests = async () => Number((await ctx.services.db('rights_requests').count({ n: '*' }))[0]?.n)

describe('a request received by post, without an email address', () => {
  it('is logged with its postal address, and the case page says there is no email address', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, 'erasure', { ...postal, reason: 'I have left the study' })
    expect(res.status).toBe(303)
    const row = await ctx.services.db('rights_requests').first()
    expect(row).toMatchObject({
      channel: 'post',
      email: null,
      email_hmac: null,
      status: 'received',
      clock_start_on: '2025-09-03',
      record_id: null,
    })
    expect(JSON.parse(String(row.postal_address))).toEqual({
      line1: '12 Acacia Avenue',
      line2: 'Flat 3',
      town: 'Leeds',
      postcode: 'LS1 4AP',
    })
    // Nothing is emailed: the acknowledgement is a letter kept on the case to post.
    expect(await ctx.outbox()).toEqual([])
    const letters = await ctx.services.db('request_messages').where({ request_id: row.id })
    expect(letters.map((l: { kind: string }) => l.kind)).toEqual(['receipt'])
    expect(letters[0].body).toContain('We must answer by: 3 October 2025')
    expect(letters[0].body).not.toContain('http')

    const page = await agent.get(`/staff/requests/${row.id}`).expect(200)
    expect(page.text).toContain('Pat Letter – no email address: letters are posted')
    expect(page.text).toContain('12 Acacia Avenue, Flat 3, Leeds, LS1 4AP')
    expect(page.text).toContain('No email address was given, so no email record can be linked')
    expect(page.text).toContain('Letters to post')
    expect(page.text).toContain('To post')
    expect(page.text).toContain(`href="/staff/requests/${row.id}/letters/${letters[0].id}"`)

    // The postal address is personal data: no event carries it.
    const events: string[] = await ctx.services.db('events').where({ subject_id: row.id }).pluck('data')
    expect(events.join()).not.toMatch(/Acacia|LS1|Leeds|Pat Letter/)
  })

  it('goes through its whole life without an email address, and nothing is ever queued', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await logRequest(agent, 'erasure', postal).then((r) => expect(r.status).toBe(303))
    const { id } = await firstRequest()
    await postCaseAction(agent, id, 'message', { body: 'We are looking into your request.' }, 303)
    await postCaseAction(agent, id, 'tasks', { title: 'Search the paper records by name' }, 303)
    await tickOffTasks(ctx, agent, id)
    await postCaseAction(agent, id, 'complete', { letter: 'We hold nothing about you to delete.' }, 303)
    expect(await ctx.services.db('rights_requests').where({ id }).first()).toMatchObject({
      status: 'completed',
    })
    await postCaseAction(agent, id, 'reopen', { reopenReason: 'Closed before the platform replied' }, 303)
    await postCaseAction(
      agent,
      id,
      'close',
      { as: 'withdrawn', note: 'They phoned to withdraw', confirm: 'yes' },
      303,
    )
    expect(await ctx.services.db('rights_requests').where({ id }).first()).toMatchObject({
      status: 'withdrawn',
    })
    expect(await ctx.services.db('outbox')).toEqual([])
    const kinds: string[] = await ctx.services
      .db('request_messages')
      .where({ request_id: id, direction: 'to_person' })
      .orderBy('created_at')
      .pluck('kind')
    expect(kinds).toEqual(['receipt', 'message', 'completion', 'reopened'])
  })

  it('never says a letter was sent when it waits to be posted', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await logRequest(agent, 'access', postal).then((r) => expect(r.status).toBe(303))
    const { id } = await firstRequest()
    const before = await agent.get(`/staff/requests/${id}`).expect(200)
    expect(before.text).toContain('the answer is a letter to print and post')
    expect(before.text).not.toContain('download it from their request page')
    expect(before.text).toContain('No email address was given, so no email record can be linked.')
    expect(before.text).not.toContain('No email record of this address was found.')
    await postCaseAction(agent, id, 'message', { body: 'We are looking into your request.' }, 303)
    const after = await agent.get(`/staff/requests/${id}`).expect(200)
    expect(after.text).toContain('The letter is ready to print and post, under Letters to post.')
    expect(after.text).not.toContain('Message sent.')
  })

  it('answers an access request by post, the draft saying why no record could be matched', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await logRequest(agent, 'access', { ...postal, channel: 'phone' }).then((r) => expect(r.status).toBe(303))
    const { id } = await firstRequest()
    const page = await agent.get(`/staff/requests/${id}`).expect(200)
    expect(page.text).toContain('You did not give us one, so we could not match you to any of them')
    expect(page.text).not.toContain('found no record of your email address')
    await postCaseAction(agent, id, 'complete', { letter: 'We hold nothing we can link to you.' }, 303)
    expect(await ctx.services.db('rights_requests').where({ id }).first()).toMatchObject({
      status: 'completed',
      outcome: 'no_data_held',
    })
    expect(await ctx.services.db('outbox')).toEqual([])
    const answer = await ctx.services
      .db('request_messages')
      .where({ request_id: id, kind: 'completion' })
      .first()
    const printed = await agent.get(`/staff/requests/${id}/letters/${answer.id}`).expect(200)
    expect(printed.text).toContain('We hold nothing we can link to you.')
  })

  it('prints each letter with the postal address, the organisation, the date and the text', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await logRequest(agent, 'access', postal).then((r) => expect(r.status).toBe(303))
    const { id, reference } = await firstRequest()
    const letter = await ctx.services.db('request_messages').where({ request_id: id }).first()
    const page = await agent.get(`/staff/requests/${id}/letters/${letter.id}`).expect(200)
    const text = page.text.replace(/\s+/g, ' ')
    expect(text).toMatch(
      /class="app-letter__recipient">\s*Pat Letter<br>12 Acacia Avenue<br>Flat 3<br>Leeds<br>LS1 4AP<br>/,
    )
    expect(text).toContain('1 Example Street<br>London<br>EC1A 1BB<br>')
    expect(text).toContain('10 September 2025')
    expect(text).toContain(`Our reference: ${String(reference)}`)
    expect(text).toContain('Dear Pat Letter,')
    expect(text).toContain('Print this letter')
    expect(page.text).not.toMatch(/<script(?![^>]*(nonce|src))/)
    await agent.get(`/staff/requests/${id}/letters/not-a-letter`).expect(404)

    const { agent: auditor } = await signedInAgent(ctx, 'auditor')
    await auditor.get(`/staff/requests/${id}/letters/${letter.id}`).expect(403)
    await ctx.agent().get(`/staff/requests/${id}/letters/${letter.id}`).expect(303)
  })

  it('loses its postal address with the name when the contact details are removed', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    await logRequest(agent, 'erasure', postal).then((r) => expect(r.status).toBe(303))
    const { id } = await firstRequest()
    await postCaseAction(
      agent,
      id,
      'message',
      { body: 'We will write to you at 12 Acacia Avenue, LS1 4AP.' },
      303,
    )
    await postCaseAction(
      agent,
      id,
      'close',
      { as: 'withdrawn', note: 'Withdrawn by letter', confirm: 'yes' },
      303,
    )
    ctx.setNow('2027-10-01T09:00:00Z')
    const { db, requests, now } = ctx.services
    expect(await purgeClosedRequestContacts({ db, requests, now, months: 24 })).toBe(1)
    const row = await db('rights_requests').where({ id }).first()
    expect(row).toMatchObject({ postal_address: null, requester_name: null, email: null })
    const bodies: string[] = await db('request_messages').where({ request_id: id }).pluck('body')
    expect(bodies.join()).not.toMatch(/Acacia|LS1 ?4AP|Pat Letter/)
    expect(bodies.join()).toContain('[address removed]')
    const event = await db('events').where({ kind: 'request.contact_purged', subject_id: id }).first()
    expect(JSON.parse(String(event.data)).removed).toEqual(['email', 'name', 'postalAddress'])
  })
})

describe('the log form', () => {
  it('needs an email address or a postal address, keeps what was typed and creates nothing', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, 'erasure', {
      channel: 'phone',
      receivedOn: '2025-09-09',
      name: 'Phoned In',
      reason: 'Please delete me',
      identity: 'send_link',
    })
    expect(res.status).toBe(400)
    expect(res.text).toContain('Enter their email address or their postal address, so that we can reply')
    expect(res.text).toContain('Without an email address no confirmation link can be sent')
    expect(res.text).toContain('value="Phoned In"')
    expect(res.text).toContain('Please delete me')
    expect(await countRequests()).toBe(0)
    expect(await ctx.outbox()).toEqual([])
  })

  it('asks for a whole, real UK address once any of it is typed', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, 'erasure', {
      ...postal,
      addressLine1: '',
      town: '',
      postcode: 'NOT A CODE',
    })
    expect(res.status).toBe(400)
    expect(summaryHrefs(res.text)).toEqual(['addressLine1', 'town', 'postcode'])
    expect(res.text).toContain('Enter a real postcode, like SW1A 1AA')
    expect(res.text).toContain('value="Flat 3"')
    expect(await countRequests()).toBe(0)
  })

  it('still requires an email address for a request that arrived by email', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, 'erasure', { ...postal, channel: 'email' })
    expect(res.status).toBe(400)
    expect(summaryHrefs(res.text)).toEqual(['email'])
    expect(res.text).toContain('Enter their email address')
  })

  it('lists its errors in the order of the fields on the page', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await logRequest(agent, 'rectification', {
      receivedOn: '2099-01-01',
      email: 'not-an-address',
      postcode: 'XYZ',
      identity: 'established',
    })
    expect(res.status).toBe(400)
    expect(summaryHrefs(res.text)).toEqual([
      'channel',
      'receivedOn',
      'categories',
      'inaccurate',
      'correction',
      'email',
      'addressLine1',
      'town',
      'postcode',
      'identityNote',
    ])
  })

  it('speaks to staff about the requester, while the public form speaks to the person', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const staff = await agent.get(formPath('restriction')).expect(200)
    expect(staff.text).toContain('<title>Log a restriction request')
    expect(staff.text).toContain('They think the data is not accurate')
    expect(staff.text).toContain('Why do they want their data restricted?')
    expect(staff.text).not.toMatch(/You think|your data/)
    const access = await agent.get(formPath('access')).expect(200)
    expect(access.text).toContain('<h1 class="govuk-heading-l">Log an access request</h1>')
    const rectification = await agent.get(formPath('rectification')).expect(200)
    expect(rectification.text).toContain('What the requester says is wrong or incomplete')
    expect(rectification.text).not.toMatch(/you gave|held for you|your statement/)

    const participant = await ctx.agent().get(`/request/restriction?study=${study}`).expect(200)
    expect(participant.text).toContain('You think the data is not accurate')
    expect(participant.text).toContain('Why do you want us to limit how we use your data?')
    expect(participant.text).not.toContain('They think the data is not accurate')
  })
})
