import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { postCaseAction } from '../helpers/cases.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-12-01T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const slug = 'increasing-diversity-in-social-work-management'

async function upload(agent: ReturnType<TestContext['agent']>, csv: string | null) {
  const page = await agent.get('/staff/records/import').expect(200)
  const action = /action="(\/staff\/records\/import\?study=[^"]+)"/
    .exec(page.text)?.[1]
    ?.replace(/&amp;/g, '&') as string
  const req = agent.post(action)
  return csv === null ? req.field('nothing', 'here') : req.attach('file', Buffer.from(csv), 'export.csv')
}

describe('email record pages', () => {
  it('an admin imports an export, and staff find a record only by its whole address, in any capitals', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const bad = await upload(agent, 'email,participated\nnope,2021-06-01\n')
    expect(bad.status).toBe(400)
    expect(bad.text).toContain('Nothing was imported')
    expect(bad.text).toContain('bad email address')
    const none = await upload(agent, null)
    expect(none.status).toBe(400)
    expect(none.text).toContain('Choose a CSV file')
    const good = await upload(
      agent,
      'email,participated,voucher sent\nJane@example.org,2021-06-01,2021-10-10\n',
    )
    expect(good.status).toBe(200)
    expect(good.text).toContain('Records imported')

    const partial = await agent.get('/staff/records?email=jane').expect(400)
    expect(partial.text).toContain('href="#email"')
    const lowerCase = await agent.get('/staff/records?email=jane%40example.org').expect(200)
    expect(lowerCase.text).toContain('Retained')
    const otherAddress = await agent.get('/staff/records?email=janet%40example.org').expect(200)
    expect(otherAddress.text).toContain('No record for this address')
    const found = await agent.get('/staff/records?email=Jane%40EXAMPLE.org').expect(200)
    expect(found.text).toContain('Retained')
    const id = /href="\/staff\/records\/([0-9a-f-]{36})"/.exec(found.text)?.[1] as string
    const record = await agent.get(`/staff/records/${id}`).expect(200)
    expect(record.text).toContain('Jane@example.org')
    expect(record.text).toContain('Voucher correspondence')
    expect(record.text).toContain('10 December 2021')
    expect(record.text).toContain('Still linked to this address')
  })

  it('lists the requests made from the address on its record', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await upload(agent, 'email\nasker@example.org\n')
    await fileConfirmedRequest(ctx, { email: 'asker@example.org' })
    const found = await agent.get('/staff/records?email=asker%40example.org').expect(200)
    const id = /href="\/staff\/records\/([0-9a-f-]{36})"/.exec(found.text)?.[1] as string
    const record = await agent.get(`/staff/records/${id}`).expect(200)
    expect(record.text).toContain('DSR-2021-00001')
  })

  it('keeps a holding held when its task outside the portal is a correction, not a deletion', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await upload(agent, 'email\nfix@example.org\n')
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'fix@example.org', type: 'rectification' })
    await postCaseAction(agent, requestId, 'rectify-address', { correctedEmail: 'fixed@example.org' }, 303)
    const task = await ctx.services.db('record_tasks').first()
    expect(task).toMatchObject({ holding: 'survey_platform', purpose: 'other', done_at: null })
    const record = await agent.get(`/staff/records/${task.record_id}`).expect(200)
    expect(record.text).toContain('fixed@example.org')
    expect(record.text).toMatch(/Survey platform<\/td>[^]*?<strong class="govuk-tag govuk-tag--blue">Held</)
  })

  it('answers a malformed or cut-off upload with 400 and keeps serving', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = await agent.get('/staff/records/import').expect(200)
    const action = /action="(\/staff\/records\/import\?study=[^"]+)"/
      .exec(page.text)?.[1]
      ?.replace(/&amp;/g, '&') as string
    await agent.post(action).set('Content-Type', 'multipart/form-data').send('garbage').expect(400)
    await agent
      .post(action)
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send(
        '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\nemail\na@example.org',
      )
      .expect(400)
    await agent.get('/staff/records/import').expect(200)
    expect(Number((await ctx.services.db('email_records').count({ n: '*' }))[0]?.n)).toBe(0)
  })

  it('refuses an upload without the CSRF token, and imports only for admins', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await agent
      .post(`/staff/records/import?study=${slug}`)
      .attach('file', Buffer.from('email\na@example.org\n'), 'x.csv')
      .expect(403)
    const { agent: dpo } = await signedInAgent(ctx, 'dpo')
    await dpo.get('/staff/records/import').expect(403)
    const page = await dpo.get('/staff/records').expect(200)
    await dpo
      .post(`/staff/records/import?study=${slug}&_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
      .attach('file', Buffer.from('email\na@example.org\n'), 'x.csv')
      .expect(403)
    expect(Number((await ctx.services.db('email_records').count({ n: '*' }))[0]?.n)).toBe(0)
  })
})
