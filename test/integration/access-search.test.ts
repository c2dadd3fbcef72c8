import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importEmailRecords } from '../../src/records/import.js'
import { caseForm, postCaseAction } from '../helpers/cases.js'
import { createTestContext, testSecret, type TestContext } from '../helpers/context.js'
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
          'email,participated,voucher sent,extracted\nasker@example.org,2021-06-01,,2021-09-15\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
})

afterEach(async () => {
  await ctx.destroy()
})

const search = {
  place: 'Survey platform',
  searchedOn: '2021-11-01',
  found: 'No response linked to the address: the data was extracted on 15 September',
  limit: 'We did not search the anonymised archive, because it holds no addresses',
}

describe('the access search log', () => {
  it('keeps each search on the case, and the answer sets them out in plain words', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'asker@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await postCaseAction(agent, requestId, 'searches', search, 303)
    const rows: { id: string }[] = await ctx.services.db('request_searches').where({ request_id: requestId })
    expect(rows).toMatchObject([
      { place: 'Survey platform', searched_on: '2021-11-01', search_limit: search.limit },
    ])
    // The trail carries the search's id, never what was found.
    const event = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'case.search_logged' })
      .first<{ data: string }>()
    expect(JSON.parse(event?.data ?? '{}')).toEqual({ searchId: rows[0]?.id, searchedOn: '2021-11-01' })
    const { page } = await caseForm(agent, requestId)
    expect(page.text).toContain('Searches for the answer')
    expect(page.text).toContain(search.found)

    await postCaseAction(agent, requestId, 'prepare-answer', {}, 303)
    await postCaseAction(agent, requestId, 'complete', { letter: 'Your answer is ready.' }, 303)
    const person = ctx.agent()
    const status = await person.get(`/status/${statusToken}`).expect(200)
    const html = /href="(\/status\/[^"]+\/files\/[^"]+\/html)"/.exec(status.text)?.[1] as string
    const answer = await person.get(html).expect(200)
    expect(answer.text).toContain('How we searched for your data')
    expect(answer.text).toContain(
      'Survey platform, searched on 1 November 2021. What we found: No response linked',
    )
    expect(answer.text).toContain(
      'How we limited the search, and why: We did not search the anonymised archive',
    )
    // The portal's own records of the person's requests are personal data too.
    expect(answer.text).toContain('Your requests to us')
    expect(answer.text).toMatch(/DSR-2021-\d+/)
  })

  it('refuses a bad search on its fields and stores nothing', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'asker@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const res = await postCaseAction(
      agent,
      requestId,
      'searches',
      { place: '', searchedOn: '2021-11-02', found: '', limit: '' },
      400,
    )
    expect(res.text).toContain('href="#search-place"')
    expect(res.text).toContain('href="#search-searchedOn"')
    expect(res.text).toContain('href="#search-found"')
    expect(await ctx.services.db('request_searches').where({ request_id: requestId })).toEqual([])
  })

  it('is for access requests only, for staff who act, with a CSRF token', async () => {
    const erasure = await fileConfirmedRequest(ctx, { email: 'asker@example.org', type: 'erasure' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await postCaseAction(agent, erasure.requestId, 'searches', search, 409)
    const access = await fileConfirmedRequest(ctx, { email: 'other@example.org' })
    const auditor = (await signedInAgent(ctx, 'auditor', 'auditor@portal.test')).agent
    const { csrf, version } = await caseForm(auditor, access.requestId)
    await auditor
      .post(`/staff/requests/${access.requestId}/searches`)
      .type('form')
      .send({ _csrf: csrf, version, ...search })
      .expect(403)
    await agent.post(`/staff/requests/${access.requestId}/searches`).type('form').send(search).expect(403)
    expect(await ctx.services.db('request_searches')).toEqual([])
  })
})
