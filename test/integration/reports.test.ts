import { parse } from 'csv-parse/sync'
import type { Test } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { columnsFor, csvCell, type RequestLogRow } from '../../src/reports/request-log.js'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { requestRow, type RequestRowInput } from '../helpers/request-rows.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

/**
 * A hand-computed fixture of fourteen logged requests (and two never confirmed), seen on
 * Thursday 2 April 2026. Deadlines: one calendar month from the clock's start, rolled to a working
 * day; 12 April 2026 is a Sunday, 5 and 6 April are Easter.
 */
const today = '2026-04-02T09:00:00Z'
const at = (date: string) => `${date}T10:00:00Z`

let ctx: TestContext
let agents: Record<'admin' | 'dpo' | 'auditor', ReturnType<TestContext['agent']>>
let seedStudyId: string
let ref: Record<string, string>

type Fixture = Omit<RequestRowInput, 'receivedAt'> & { key: string; received: string }

beforeAll(async () => {
  ctx = await createTestContext({ now: '2026-03-31T23:30:00Z' })
  const db = ctx.services.db
  const seed = (await ctx.services.studies.listAll())[0]
  if (!seed) throw new Error('No seed study')
  seedStudyId = seed.id
  // Filed through the portal at 23:30 UTC on 31 March: already 1 April in London.
  const { requestId: r11 } = await fileConfirmedRequest(ctx, { email: 'eleven@example.org' })
  ctx.setNow(today)

  const dpo = await signedInAgent(ctx, 'dpo')
  const admin = await signedInAgent(ctx, 'admin')
  const auditor = await signedInAgent(ctx, 'auditor')
  agents = { dpo: dpo.agent, admin: admin.agent, auditor: auditor.agent }

  const otherStudy = newId()
  await db('studies').insert({
    id: otherStudy,
    slug: 'closed-study',
    title: 'A closed study',
    controller_name: seed.controllerName,
    controller_address: seed.controllerAddress,
    dpo_email: seed.dpoEmail,
    privacy_notice_text: 'Notice',
    privacy_notice_date: '2024-01-01',
    survey_closes_on: '2024-06-30',
    survey_extension_months: 0,
    accepting_requests: false,
    created_at: today,
    updated_at: today,
  })
  const recordId = newId()
  await db('email_records').insert({
    id: recordId,
    study_id: seedStudyId,
    email: null,
    email_hmac: 'a'.repeat(64),
    participated_on: '2021-06-15',
    erased_on: '2026-02-01',
    erasure_reason: 'erasure_request',
    created_at: today,
    updated_at: today,
  })

  const ids: Record<string, string> = Object.fromEntries(
    ['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7', 'R8', 'R9', 'R10', 'R12', 'R13', 'R14', 'R15', 'R16'].map(
      (k) => [k, newId()],
    ),
  )
  const fixture: Fixture[] = [
    {
      key: 'R1',
      type: 'access',
      received: '2026-01-05',
      status: 'completed',
      outcome: 'fulfilled',
      closedAt: at('2026-01-20'),
      assigneeId: dpo.user.id,
      recordId,
      snapshotState: 'retained',
      name: 'Ruth One',
      email: 'one@example.org',
    },
    {
      key: 'R2',
      type: 'erasure',
      received: '2026-01-12',
      status: 'refused',
      outcome: 'refused',
      outcomeReason: 'manifestly_unfounded',
      closedAt: at('2026-01-14'),
      name: '=HYPERLINK("http://evil.example","x")',
      email: 'two@example.org',
    },
    {
      key: 'R3',
      type: 'access',
      received: '2026-01-20',
      status: 'completed',
      outcome: 'fulfilled',
      extended: true,
      closedAt: at('2026-03-10'),
      name: 'Zoë "Z" O’Neil, Jr',
      email: 'three@example.org',
    },
    {
      key: 'R4',
      type: 'rectification',
      received: '2026-02-02',
      status: 'completed',
      outcome: 'partly_fulfilled',
      outcomeReason: 'Answers already anonymised',
      closedAt: at('2026-03-05'),
    },
    {
      key: 'R5',
      type: 'objection',
      received: '2026-02-10',
      status: 'refused',
      outcome: 'refused',
      outcomeReason: 'manifestly_excessive',
      closedAt: at('2026-02-12'),
    },
    {
      key: 'R6',
      type: 'portability',
      received: '2026-02-16',
      status: 'withdrawn',
      closedAt: at('2026-02-20'),
    },
    { key: 'R7', type: 'access', received: '2026-03-02' },
    { key: 'R8', type: 'erasure', received: '2026-02-20' },
    { key: 'R9', type: 'restriction', received: '2026-03-20' },
    {
      key: 'R10',
      type: 'access',
      received: '2026-03-24',
      status: 'awaiting_identity',
      pause: { kind: 'identity', since: '2026-03-24' },
    },
    { key: 'R12', type: 'withdraw_consent', received: '2026-03-16', extended: true },
    { key: 'R13', type: 'access', received: '2026-03-12', outcome: null },
    {
      key: 'R14',
      type: 'access',
      received: '2026-03-05',
      status: 'duplicate',
      reference: null,
      clockStartOn: null,
      duplicateOf: ids.R7,
      closedAt: at('2026-03-05'),
    },
    { key: 'R15', type: 'access', received: '2026-03-25', confirmed: false },
    {
      key: 'R16',
      type: 'erasure',
      received: '2026-01-02',
      confirmed: false,
      status: 'unverified',
      closedAt: at('2026-01-09'),
    },
  ]
  ref = {}
  let n = 100
  const rows = fixture.map(({ key, received, ...input }) => {
    const reference =
      input.reference === null || input.confirmed === false
        ? null
        : `DSR-2026-${String(n++).padStart(5, '0')}`
    if (reference) ref[key] = reference
    return requestRow(key === 'R5' ? otherStudy : seedStudyId, {
      ...input,
      id: ids[key],
      reference,
      receivedAt: at(received),
    })
  })
  // R7 first: R14 duplicates it.
  await db.batchInsert('rights_requests', rows, 50)
  ref.R11 = (await db('rights_requests').where({ id: r11 }).first('reference')).reference as string
})

afterAll(async () => {
  await ctx.destroy()
})

function asText(test: Test): Test {
  return test.buffer(true).parse((res, done) => {
    let text = ''
    res.setEncoding('utf8')
    res.on('data', (chunk: string) => (text += chunk))
    res.on('end', () => done(null, text))
  })
}

async function csvOf(test: Test): Promise<{ raw: string; rows: Record<string, string>[] }> {
  const res = await asText(test)
  expect(res.status).toBe(200)
  const raw = res.body as string
  return { raw, rows: parse(raw, { bom: true, columns: true }) }
}

async function ndjsonOf(test: Test): Promise<RequestLogRow[]> {
  const res = await asText(test)
  expect(res.status).toBe(200)
  return (res.body as string)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RequestLogRow)
}

const byRef = (rows: Record<string, string>[], reference: string) =>
  rows.find((r) => r.reference === reference)

async function events(kind: string) {
  const rows = await ctx.services.db('events').where({ kind }).orderBy('seq')
  return rows.map((row: { actor_id: string; data: string }) => ({
    actorId: row.actor_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }))
}

describe('request log export', () => {
  it('has one row per confirmed request, in the order received, without identities', async () => {
    const { raw, rows } = await csvOf(agents.auditor.get('/staff/exports/requests.csv'))
    expect(raw.startsWith('\uFEFF')).toBe(true)
    expect(raw.split('\r\n')[0]).toBe(`\uFEFF${columnsFor(false).join(',')}`)
    expect(raw.endsWith('\r\n')).toBe(true)
    expect(raw).not.toMatch(/[^\r]\n/)
    expect(rows.map((r) => r.reference || `duplicate of ${r.duplicate_of}`)).toEqual([
      ref.R1,
      ref.R2,
      ref.R3,
      ref.R4,
      ref.R5,
      ref.R6,
      ref.R8,
      ref.R7,
      `duplicate of ${ref.R7}`,
      ref.R13,
      ref.R12,
      ref.R9,
      ref.R10,
      ref.R11,
    ])
    expect(raw).not.toContain('@example.org')
    expect(raw).not.toContain('Ruth One')
    expect(raw).not.toContain('Answers already anonymised')
  })

  it('shows how each request was handled against its deadline', async () => {
    const { rows } = await csvOf(agents.auditor.get('/staff/exports/requests.csv'))
    expect(byRef(rows, ref.R1!)).toMatchObject({
      type: 'access',
      study: 'increasing-diversity-in-social-work-management',
      received: '2026-01-05',
      clock_start: '2026-01-05',
      due: '2026-02-05',
      extended_due: '',
      closed: '2026-01-20',
      status: 'completed',
      outcome: 'fulfilled',
      days_taken: '15',
      on_time: 'yes',
      extended: 'no',
      paused_days: '0',
      assignee_role: 'dpo',
      record_state_when_confirmed: 'retained',
      record_state_now: 'erased',
    })
    expect(byRef(rows, ref.R3!)).toMatchObject({
      due: '2026-02-20',
      extended_due: '2026-04-20',
      days_taken: '49',
      on_time: 'yes',
      extended: 'yes',
    })
    expect(byRef(rows, ref.R4!)).toMatchObject({
      due: '2026-03-02',
      days_taken: '31',
      on_time: 'no',
      refusal_ground: '',
    })
    expect(byRef(rows, ref.R2!)).toMatchObject({ refusal_ground: 'manifestly_unfounded', on_time: 'yes' })
    expect(byRef(rows, ref.R5!)).toMatchObject({ study: 'closed-study' })
    expect(byRef(rows, ref.R8!)).toMatchObject({
      status: 'received',
      due: '2026-03-20',
      on_time: 'no',
      days_taken: '',
    })
    expect(byRef(rows, ref.R10!)).toMatchObject({ status: 'awaiting_identity', due: '', on_time: '' })
    expect(byRef(rows, ref.R13!)).toMatchObject({ due: '2026-04-13', on_time: '' })
    // Filed through the portal at 23:30 UTC on 31 March: received 1 April in London.
    expect(byRef(rows, ref.R11!)).toMatchObject({
      received: '2026-04-01',
      due: '2026-05-01',
      record_state_when_confirmed: 'no_record',
      record_state_now: 'no_record',
    })
  })

  it('reads back the same in CSV and NDJSON', async () => {
    const { rows } = await csvOf(agents.auditor.get('/staff/exports/requests.csv'))
    const lines = await ndjsonOf(agents.auditor.get('/staff/exports/requests.ndjson'))
    const columns = columnsFor(false)
    expect(lines).toHaveLength(14)
    expect(Object.keys(lines[0]!)).toEqual(columns)
    expect(rows).toEqual(lines.map((line) => Object.fromEntries(columns.map((c) => [c, csvCell(line[c])]))))
    expect(lines.find((l) => l.reference === ref.R3)).toMatchObject({
      days_taken: 49,
      on_time: true,
      extended: true,
    })
  })

  it('sends a dated attachment that is never cached', async () => {
    const res = await asText(agents.auditor.get('/staff/exports/requests.csv'))
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="request-log-2026-04-02.csv"')
    expect(res.headers['cache-control']).toBe('no-store')
    const ndjson = await asText(agents.auditor.get('/staff/exports/requests?format=ndjson'))
    expect(ndjson.headers['content-type']).toBe('application/x-ndjson; charset=utf-8')
    expect(ndjson.headers['content-disposition']).toBe('attachment; filename="request-log-2026-04-02.ndjson"')
  })

  it('filters by dates received, type, study, outcome and status', async () => {
    const refs = async (query: string) =>
      (await ndjsonOf(agents.auditor.get(`/staff/exports/requests.ndjson?${query}`))).map(
        (r) => r.reference ?? `dup:${r.duplicate_of}`,
      )
    expect(await refs('from=2026-02-01&to=2026-02-28')).toEqual([ref.R4, ref.R5, ref.R6, ref.R8])
    expect(await refs('from=2026-04-01')).toEqual([ref.R11])
    expect(await refs('to=2026-01-12')).toEqual([ref.R1, ref.R2])
    expect(await refs('type=erasure')).toEqual([ref.R2, ref.R8])
    expect(await refs('study=closed-study')).toEqual([ref.R5])
    expect(await refs('outcome=refused')).toEqual([ref.R2, ref.R5])
    expect(await refs('outcome=partly_fulfilled')).toEqual([ref.R4])
    expect(await refs('status=received')).toEqual([ref.R8, ref.R7, ref.R13, ref.R12, ref.R9, ref.R11])
    expect(await refs('status=duplicate')).toEqual([`dup:${ref.R7}`])
    expect(await refs('type=access&status=completed&from=2026-01-06')).toEqual([ref.R3])
    expect(await refs('from=2027-01-01')).toEqual([])
    const empty = await csvOf(agents.auditor.get('/staff/exports/requests.csv?from=2027-01-01'))
    expect(empty.raw).toBe(`\uFEFF${columnsFor(false).join(',')}\r\n`)
  })

  it('re-renders the form with each problem and what was typed when a filter is wrong (400)', async () => {
    const before = (await events('export.request_log')).length
    const res = await agents.auditor.get(
      '/staff/exports/requests.csv?from=2026-02-30&type=gossip&study=closed-study',
    )
    expect(res.status).toBe(400)
    expect(res.headers['content-disposition']).toBeUndefined()
    expect(res.text).toContain('govuk-error-summary')
    expect(res.text).toContain('href="#from"')
    expect(res.text).toContain('href="#type"')
    expect(res.text).toContain('value="2026-02-30"')
    expect(res.text).toMatch(/<option value="closed-study" selected>/)
    const format = await agents.auditor.get('/staff/exports/requests?format=xml')
    expect(format.status).toBe(400)
    expect(format.text).toContain('href="#format"')
    const backwards = await agents.auditor.get('/staff/exports/requests.csv?from=2026-03-01&to=2026-02-01')
    expect(backwards.status).toBe(400)
    expect((await events('export.request_log')).length).toBe(before)
  })

  it('a HEAD request exports and records nothing', async () => {
    const before = (await events('export.request_log')).length
    const res = await agents.auditor.head('/staff/exports/requests.csv')
    expect(res.status).toBe(200)
    expect((await events('export.request_log')).length).toBe(before)
  })

  it('records every export with its format, filters and rows', async () => {
    await asText(agents.auditor.get('/staff/exports/requests.ndjson?type=erasure&from=2026-01-01'))
    const last = (await events('export.request_log')).at(-1)
    expect(last?.data).toEqual({
      format: 'ndjson',
      filters: { receivedFrom: '2026-01-01', type: 'erasure' },
      rows: 2,
      identitiesIncluded: false,
    })
  })
})

describe('requester identities in the export', () => {
  async function exportForm(role: 'admin' | 'dpo' | 'auditor') {
    const page = await agents[role].get('/staff/exports')
    expect(page.status).toBe(200)
    return page
  }

  it('are offered to a DPO or administrator only, on a POST form', async () => {
    const auditorPage = await exportForm('auditor')
    expect(auditorPage.text).toContain('method="get" action="/staff/exports/requests"')
    expect(auditorPage.text).not.toContain('name="identities"')
    expect(auditorPage.text).not.toContain('name="reason"')
    expect(auditorPage.text).toContain('href="/staff/audit/trail.ndjson"')
    for (const role of ['dpo', 'admin'] as const) {
      const page = await exportForm(role)
      expect(page.text).toContain('method="post" action="/staff/exports/requests"')
      expect(page.text).toContain('name="identities"')
      expect(page.text).toContain('name="reason"')
    }
  })

  it('come only with a stated reason, recorded with the filters and the row count, never the addresses', async () => {
    const page = await exportForm('dpo')
    const res = await asText(
      agents.dpo
        .post('/staff/exports/requests')
        .type('form')
        .send({
          _csrf: csrfFrom(page.text),
          to: '2026-01-31',
          format: 'csv',
          identities: 'yes',
          reason: 'ICO complaint 12345: the complainant asked which of their requests we hold',
        }),
    )
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="request-log-with-identities-2026-04-02.csv"',
    )
    const rows = parse<Record<string, string>>(res.body as string, { bom: true, columns: true })
    expect(rows.map((r) => r.reference)).toEqual([ref.R1, ref.R2, ref.R3])
    expect(byRef(rows, ref.R1!)).toMatchObject({
      requester_name: 'Ruth One',
      requester_email: 'one@example.org',
    })
    // A name that would run as a formula is made text; quotes, commas and accents survive.
    expect(byRef(rows, ref.R2!)?.requester_name).toBe(`'=HYPERLINK("http://evil.example","x")`)
    expect(byRef(rows, ref.R3!)?.requester_name).toBe('Zoë "Z" O’Neil, Jr')

    const included = (await events('export.identities_included')).at(-1)
    expect(included?.data).toEqual({
      reason: 'ICO complaint 12345: the complainant asked which of their requests we hold',
      format: 'csv',
      filters: { receivedTo: '2026-01-31' },
      rows: 3,
    })
    const logged = (await events('export.request_log')).at(-1)
    expect(logged?.data).toMatchObject({ identitiesIncluded: true, rows: 3 })
    expect(included?.actorId).toBe(logged?.actorId)
    const all = await ctx.services.db('events').where('kind', 'like', 'export.%')
    expect(JSON.stringify(all)).not.toContain('@example.org')
  })

  it('a DPO posting without identities gets the plain log', async () => {
    const page = await exportForm('admin')
    const res = await asText(
      agents.admin
        .post('/staff/exports/requests')
        .type('form')
        .send({ _csrf: csrfFrom(page.text), format: 'ndjson', reason: '' }),
    )
    expect(res.status).toBe(200)
    expect(res.body as string).not.toContain('requester_email')
  })

  it('without a reason: the form again (400) with what was typed, and nothing recorded', async () => {
    const before = (await events('export.identities_included')).length
    const beforeLog = (await events('export.request_log')).length
    const page = await exportForm('dpo')
    const res = await agents.dpo
      .post('/staff/exports/requests')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        from: '2026-01-01',
        type: 'erasure',
        format: 'csv',
        identities: 'yes',
        reason: '  ',
      })
    expect(res.status).toBe(400)
    expect(res.headers['content-disposition']).toBeUndefined()
    expect(res.text).toContain('href="#reason"')
    expect(res.text).toContain('value="2026-01-01"')
    expect(res.text).toMatch(/<option value="erasure" selected>/)
    expect(res.text).toMatch(/name="identities" type="checkbox" value="yes" checked/)
    const withAddress = await agents.dpo
      .post('/staff/exports/requests')
      .type('form')
      .send({
        _csrf: csrfFrom(page.text),
        format: 'csv',
        identities: 'yes',
        reason: 'Asked by someone@example.org',
      })
    expect(withAddress.status).toBe(400)
    expect(withAddress.text).toContain('href="#reason"')
    expect(withAddress.text).toContain('Asked by someone@example.org')
    expect((await events('export.identities_included')).length).toBe(before)
    expect((await events('export.request_log')).length).toBe(beforeLog)
  })

  it('an auditor cannot include them (403), and nothing is recorded', async () => {
    const before = (await events('export.request_log')).length
    const page = await exportForm('auditor')
    const res = await agents.auditor
      .post('/staff/exports/requests')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), format: 'csv', identities: 'yes', reason: 'Curious' })
    expect(res.status).toBe(403)
    expect(res.text).not.toContain('one@example.org')
    const noReason = await agents.auditor
      .post('/staff/exports/requests')
      .type('form')
      .send({ _csrf: csrfFrom(page.text), format: 'csv', identities: 'yes' })
    expect(noReason.status).toBe(403)
    expect((await events('export.request_log')).length).toBe(before)
  })

  it('the POST needs the form’s CSRF token', async () => {
    const res = await agents.dpo
      .post('/staff/exports/requests')
      .type('form')
      .send({ format: 'csv', identities: 'yes', reason: 'A reason' })
    expect(res.status).toBe(403)
    expect(res.headers['content-disposition']).toBeUndefined()
    const forged = await agents.dpo
      .post('/staff/exports/requests')
      .type('form')
      .send({ _csrf: 'forged', format: 'csv', identities: 'yes', reason: 'A reason' })
    expect(forged.status).toBe(403)
  })
})

/** The [label, value] rows of the table with this caption. */
function table(html: string, caption: string): [string, string][] {
  const start = html.indexOf(
    `<caption class="govuk-table__caption govuk-table__caption--s">${caption}</caption>`,
  )
  expect(start, caption).toBeGreaterThan(-1)
  const body = html.slice(start, html.indexOf('</table>', start))
  return [
    ...body.matchAll(/<th scope="row" class="govuk-table__header">([^<]*)<\/th><td[^>]*>(\d+)<\/td>/g),
  ].map((m) => [m[1]!, m[2]!])
}

describe('dashboard', () => {
  it('computes the figures of the hand-worked fixture', async () => {
    const figures = await ctx.services.reports.dashboard({})
    expect(figures.total).toBe(14)
    expect(figures.byType.map((t) => [t.type, t.count])).toEqual([
      ['access', 7],
      ['rectification', 1],
      ['erasure', 2],
      ['restriction', 1],
      ['objection', 1],
      ['portability', 1],
      ['withdraw_consent', 1],
    ])
    expect(figures.byMonth.map((m) => [m.month, m.count])).toEqual([
      ['2026-01', 3],
      ['2026-02', 4],
      ['2026-03', 6],
      ['2026-04', 1],
    ])
    // Answered in 15, 2, 49, 31 and 2 days; only R4 late.
    expect(figures.answered).toEqual({
      answered: 5,
      judged: 5,
      onTime: 4,
      late: 1,
      onTimeRate: 0.8,
      medianDays: 15,
      p90Days: 49,
    })
    expect(figures.extended).toBe(2)
    expect(figures.refusals.map((r) => [r.ground, r.count])).toEqual([
      ['manifestly_excessive', 1],
      ['manifestly_unfounded', 1],
    ])
    expect(figures.open.map((b) => [b.key, b.count])).toEqual([
      ['overdue', 1],
      ['0-7', 1],
      ['8-14', 1],
      ['15-30', 2],
      ['31+', 1],
      ['stopped', 1],
    ])
    expect(figures.openTotal).toBe(7)
  })

  it('shows them as charts with the same numbers in tables', async () => {
    const res = await agents.auditor.get('/staff/dashboard')
    expect(res.status).toBe(200)
    expect(res.text).toContain('80%')
    expect(res.text).toContain('15 days')
    expect(res.text).toContain('49 days')
    expect(table(res.text, 'Requests by month received')).toEqual([
      ['January 2026', '3'],
      ['February 2026', '4'],
      ['March 2026', '6'],
      ['April 2026', '1'],
    ])
    expect(table(res.text, 'Open requests by days left')).toEqual([
      ['Overdue', '1'],
      ['0 to 7 days', '1'],
      ['8 to 14 days', '1'],
      ['15 to 30 days', '2'],
      ['31 days or more', '1'],
      ['Clock stopped', '1'],
    ])
    expect(table(res.text, 'Requests by type')[0]).toEqual(['Access', '7'])
    expect(table(res.text, 'Refusals by reason')).toHaveLength(2)
    expect(
      res.text.match(/<svg class="app-chart[^>]*role="img" aria-labelledby="[^"]+-title [^"]+-desc"/g),
    ).toHaveLength(4)
    expect(res.text).not.toMatch(/ style="/)
  })

  it('narrows to a range received', async () => {
    const figures = await ctx.services.reports.dashboard({
      receivedFrom: '2026-02-01',
      receivedTo: '2026-02-28',
    })
    expect(figures.total).toBe(4)
    // R4 in 31 days (late) and R5 in 2: median rank 1 → 2, 90th rank 2 → 31.
    expect(figures.answered).toMatchObject({
      answered: 2,
      onTime: 1,
      onTimeRate: 0.5,
      medianDays: 2,
      p90Days: 31,
    })
    expect(figures.openTotal).toBe(1)
    const res = await agents.dpo.get(
      '/staff/dashboard?from-year=2026&from-month=2&from-day=1&to-year=2026&to-month=2&to-day=28',
    )
    expect(res.status).toBe(200)
    expect(table(res.text, 'Requests by month received')).toEqual([['February 2026', '4']])
  })

  it('says plainly when no request was received in the range', async () => {
    const res = await agents.admin.get('/staff/dashboard?from-year=2027&from-month=1&from-day=1')
    expect(res.status).toBe(200)
    expect(res.text).toContain('No requests in this period')
    expect(res.text).not.toContain('<svg class="app-chart')
  })

  it('re-renders with the problem when a date is wrong (400)', async () => {
    const res = await agents.auditor.get(
      '/staff/dashboard?from-day=1&from-month=13&from-year=2026&to-day=yesterday&to-month=1&to-year=2026',
    )
    expect(res.status).toBe(400)
    expect(res.text).toContain('href="#from-day"')
    expect(res.text).toContain('href="#to-day"')
    expect(res.text).toContain('value="yesterday"')
  })
})

describe('who can read the dashboard and the exports', () => {
  for (const path of ['/staff/dashboard', '/staff/exports', '/staff/exports/requests.csv']) {
    it(`${path}: admin, DPO and auditor; signed out goes to sign-in`, async () => {
      for (const role of ['admin', 'dpo', 'auditor'] as const) {
        expect((await asText(agents[role].get(path))).status, role).toBe(200)
      }
      const res = await ctx.agent().get(path)
      expect(res.status).toBe(303)
      expect(res.headers.location).toBe('/staff/login')
    })
  }

  it('the staff menu links to both', async () => {
    const res = await agents.auditor.get('/staff/exports')
    expect(res.text).toContain('href="/staff/dashboard">Dashboard</a>')
    expect(res.text).toContain('href="/staff/exports">Exports</a>')
  })

  it('an auditor lands on the dashboard; a DPO on the queue', async () => {
    expect((await agents.auditor.get('/staff')).headers.location).toBe('/staff/dashboard')
    expect((await agents.dpo.get('/staff')).headers.location).toBe('/staff/requests')
  })
})
