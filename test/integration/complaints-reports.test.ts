import { parse } from 'csv-parse/sync'
import type { Test } from 'supertest'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StaffUser } from '../../src/domain/staff-user.js'
import { complaintLogColumns, type ComplaintLogRow } from '../../src/reports/complaint-log.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { logComplaint } from '../helpers/complaints.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

/**
 * A hand-worked fixture of five complaints (and one never confirmed), seen on Sunday 15 March 2026.
 * Acknowledgement due: the 30th day from the day after receipt, moved to the next working day.
 *
 *   C1  5 Jan  post   data_use          due 4 Feb   acknowledged 20 Jan (on time)  upheld 4 Feb (30 days)
 *   C2  20 Jan phone  breach    study   due 19 Feb  acknowledged 25 Feb (late)     not upheld 1 Mar (40 days)
 *   C3  10 Feb email  request_handling  due 12 Mar  not acknowledged: overdue      open, about a request
 *   C4  2 Mar  post   other             due 1 Apr   not acknowledged: still due    open
 *   C5  15 Feb email  data_use          due 17 Mar  by the outcome, 10 Mar        partly upheld (23 days)
 */
let ctx: TestContext
let dpo: ReturnType<TestContext['agent']>
let auditor: ReturnType<TestContext['agent']>
let ref: Record<string, string>
let requestReference: string
let studySlug: string

beforeAll(async () => {
  ctx = await createTestContext({ now: '2026-01-05T10:00:00Z' })
  const staff: StaffUser = await createStaff(ctx, 'dpo', 'handler@portal.test')
  const handling = ctx.services.complaintHandling
  const study = (await ctx.services.studies.listAll())[0]
  if (!study) throw new Error('No study')
  studySlug = study.slug
  const { requestId } = await fileConfirmedRequest(ctx, { email: 'pat@example.org' })
  requestReference = (await ctx.services.requests.findById(requestId))?.reference ?? ''
  const version = async (id: string) =>
    Number((await ctx.services.db('complaints').where({ id }).first()).version)
  const at = (date: string) => ctx.setNow(`${date}T11:00:00Z`)

  const c1 = await logComplaint(ctx, staff, { receivedOn: '2026-01-05', subject: 'data_use' })
  at('2026-01-20')
  const c2 = await logComplaint(ctx, staff, {
    receivedOn: '2026-01-20',
    channel: 'phone',
    subject: 'breach',
    studyId: study.id,
  })
  await handling.acknowledge(staff, c1.complaintId, await version(c1.complaintId), 'We have your complaint.')
  at('2026-02-04')
  await handling.close(staff, c1.complaintId, await version(c1.complaintId), {
    outcome: 'upheld',
    changes: 'No more reminders.',
    letter: 'You were right.',
  })
  at('2026-02-10')
  const c3 = await logComplaint(ctx, staff, {
    receivedOn: '2026-02-10',
    channel: 'email',
    email: 'casey@example.org',
    subject: 'request_handling',
    requestId,
    studyId: study.id,
  })
  at('2026-02-15')
  const c5 = await logComplaint(ctx, staff, {
    receivedOn: '2026-02-15',
    channel: 'email',
    email: 'sam@example.org',
    name: 'Sam Jones',
    subject: 'data_use',
  })
  at('2026-02-25')
  await handling.acknowledge(staff, c2.complaintId, await version(c2.complaintId), 'We have your complaint.')
  at('2026-03-01')
  await handling.close(staff, c2.complaintId, await version(c2.complaintId), {
    outcome: 'not_upheld',
    changes: '',
    letter: 'We found no breach.',
  })
  at('2026-03-02')
  const c4 = await logComplaint(ctx, staff, { receivedOn: '2026-03-02', subject: 'other' })
  at('2026-03-10')
  await handling.close(staff, c5.complaintId, await version(c5.complaintId), {
    outcome: 'partly_upheld',
    changes: 'Better notices.',
    letter: 'Partly right.',
  })
  // Made on the form and never confirmed: not a complaint yet.
  await ctx.services.complaints.submit({
    subject: 'other',
    whatHappened: 'Never confirmed.',
    desiredOutcome: null,
    email: 'ghost@example.org',
    name: null,
    studyId: null,
    requestId: null,
  })
  ref = { C1: c1.reference, C2: c2.reference, C3: c3.reference, C4: c4.reference, C5: c5.reference }

  ctx.setNow('2026-03-15T09:00:00Z')
  dpo = (await signedInAgent(ctx, 'dpo')).agent
  auditor = (await signedInAgent(ctx, 'auditor')).agent
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

async function ndjsonOf(test: Test): Promise<ComplaintLogRow[]> {
  const res = await asText(test)
  expect(res.status).toBe(200)
  return (res.body as string)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as ComplaintLogRow)
}

async function events(kind: string) {
  const rows = await ctx.services.db('events').where({ kind }).orderBy('seq')
  return rows.map((row: { actor_id: string; data: string }) => ({
    actorId: row.actor_id,
    data: JSON.parse(row.data) as Record<string, unknown>,
  }))
}

/** The [label, value] rows of the table with this caption. */
function table(html: string, caption: string): [string, string][] {
  const start = html.indexOf(
    `<caption class="govuk-table__caption govuk-table__caption--s">${caption}</caption>`,
  )
  expect(start, caption).toBeGreaterThan(-1)
  const body = html.slice(start, html.indexOf('</table>', start))
  return [
    ...body.matchAll(/<th scope="row" class="govuk-table__header">([^<]*)<\/th><td[^>]*>(\d+)<\/td>/g),
  ].map((m) => [m[1] ?? '', m[2] ?? ''])
}

describe('complaints on the dashboard', () => {
  it('counts them by month, subject and outcome, with the acknowledgements on time and the days to outcome', async () => {
    const { complaints } = await ctx.services.reports.dashboard({})
    expect(complaints.total).toBe(5)
    expect(complaints.open).toBe(2)
    expect(complaints.byMonth.map((m) => [m.month, m.count])).toEqual([
      ['2026-01', 2],
      ['2026-02', 2],
      ['2026-03', 1],
    ])
    expect(complaints.bySubject.map((s) => [s.subject, s.count])).toEqual([
      ['request_handling', 1],
      ['data_use', 2],
      ['breach', 1],
      ['other', 1],
    ])
    expect(complaints.byOutcome.map((o) => [o.outcome, o.count])).toEqual([
      ['upheld', 1],
      ['partly_upheld', 1],
      ['not_upheld', 1],
    ])
    // C1 and C5 on time, C2 late, C3 overdue; C4 not yet due.
    expect(complaints.acknowledgement).toEqual({ onTime: 2, late: 1, overdue: 1, onTimeRate: 0.5 })
    // 23, 30 and 40 days: the median is 30, the mean 31.
    expect(complaints.outcomeTimes).toEqual({ closed: 3, medianDays: 30, meanDays: 31 })
  })

  it('takes the same dates received as the requests', async () => {
    const { complaints } = await ctx.services.reports.dashboard({
      receivedFrom: '2026-02-01',
      receivedTo: '2026-02-28',
    })
    expect(complaints.total).toBe(2)
    expect(complaints.acknowledgement).toEqual({ onTime: 1, late: 0, overdue: 1, onTimeRate: 0.5 })
    expect(complaints.outcomeTimes).toEqual({ closed: 1, medianDays: 23, meanDays: 23 })

    const page = await auditor
      .get('/staff/dashboard?from-year=2026&from-month=2&from-day=1&to-year=2026&to-month=2&to-day=28')
      .expect(200)
    expect(table(page.text, 'Complaints by month received')).toEqual([['February 2026', '2']])
    const none = await auditor.get('/staff/dashboard?from-year=2027&from-month=1&from-day=1').expect(200)
    expect(none.text).toContain('No complaint was received from 1 January 2027')
  })

  it('shows them as charts beside tables of the same figures', async () => {
    const page = await auditor.get('/staff/dashboard').expect(200)
    expect(table(page.text, 'Complaints by subject')).toEqual([
      ['How we handled a request about your data', '1'],
      ['How the study uses your data', '2'],
      ['A concern that your data was lost, shared or seen by someone it should not have been', '1'],
      ['Something else about your personal data', '1'],
    ])
    expect(table(page.text, 'Closed complaints by outcome')).toEqual([
      ['Upheld', '1'],
      ['Partly upheld', '1'],
      ['Not upheld', '1'],
    ])
    expect(page.text).toContain('acknowledged within 30 days (2 of 4)')
    expect(page.text).toContain('30 days</span> <span class="app-figures__label">median time to the outcome')
    expect(page.text).toContain('31 days</span> <span class="app-figures__label">mean time to the outcome')
    expect(
      page.text.match(/<svg class="app-chart[^>]*aria-labelledby="chart-complaints-[^"]+"/g),
    ).toHaveLength(3)
  })
})

describe('the complaints log export', () => {
  it('streams one row per opened complaint as CSV, in the order received, with no identities', async () => {
    const res = await asText(auditor.get('/staff/exports/complaints.csv'))
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8')
    expect(res.headers['content-disposition']).toBe('attachment; filename="complaints-log-2026-03-15.csv"')
    const { raw, rows } = await csvOf(auditor.get('/staff/exports/complaints.csv'))
    expect(raw.startsWith('\ufeff')).toBe(true)
    expect(raw).toContain('\r\n')
    expect(raw).not.toContain('@example.org')
    expect(Object.keys(rows[0] ?? {})).toEqual([...complaintLogColumns])
    expect(rows.map((r) => r.reference)).toEqual([ref.C1, ref.C2, ref.C3, ref.C5, ref.C4])
    expect(rows[0]).toEqual({
      reference: ref.C1,
      study: '',
      subject: 'data_use',
      channel: 'post',
      status: 'closed',
      received: '2026-01-05',
      acknowledgement_due: '2026-02-04',
      acknowledged: '2026-01-20',
      acknowledged_on_time: 'yes',
      response_target: '2026-02-04',
      closed: '2026-02-04',
      outcome: 'upheld',
      days_to_outcome: '30',
      request_reference: '',
    })
    expect(rows[1]).toMatchObject({ study: studySlug, acknowledged_on_time: 'no', outcome: 'not_upheld' })
    expect(rows[2]).toMatchObject({
      status: 'open',
      acknowledgement_due: '2026-03-12',
      acknowledged: '',
      acknowledged_on_time: 'no',
      request_reference: requestReference,
      outcome: '',
    })
    expect(rows[3]).toMatchObject({
      acknowledged: '2026-03-10',
      acknowledged_on_time: 'yes',
      days_to_outcome: '23',
    })
    expect(rows[4]).toMatchObject({ acknowledged_on_time: '', acknowledgement_due: '2026-04-01' })
    const [recorded] = (await events('export.complaint_log')).slice(-1)
    expect(recorded?.data).toEqual({ format: 'csv', filters: {}, rows: 5, identitiesIncluded: false })
  })

  it('gives the same rows as NDJSON, filtered like the form says', async () => {
    const all = await ndjsonOf(dpo.get('/staff/exports/complaints.ndjson'))
    expect(all).toHaveLength(5)
    expect(all.every((row) => !('requester_email' in row))).toBe(true)
    expect(all[3]).toMatchObject({
      reference: ref.C5,
      acknowledged_on_time: true,
      days_to_outcome: 23,
      outcome: 'partly_upheld',
    })
    const dataUse = await ndjsonOf(dpo.get('/staff/exports/complaints.ndjson?subject=data_use'))
    expect(dataUse.map((r) => r.reference)).toEqual([ref.C1, ref.C5])
    const february = await ndjsonOf(
      dpo.get('/staff/exports/complaints.ndjson?from=2026-02-01&to=2026-02-28&outcome=partly_upheld'),
    )
    expect(february.map((r) => r.reference)).toEqual([ref.C5])
    const byStudy = await ndjsonOf(dpo.get(`/staff/exports/complaints.ndjson?study=${studySlug}`))
    expect(byStudy.map((r) => r.reference)).toEqual([ref.C2, ref.C3])
  })

  it('refuses unknown filters on the form and exports nothing', async () => {
    const before = (await events('export.complaint_log')).length
    const res = await auditor.get('/staff/exports/complaints.csv?subject=gossip&from=2026-02-30').expect(400)
    expect(res.text).toContain('href="#complaint-subject"')
    expect(res.text).toContain('href="#complaint-from"')
    expect(res.text).toContain('value="2026-02-30"')
    expect((await events('export.complaint_log')).length).toBe(before)
  })

  it('includes names and addresses only with a reason, recorded in the audit trail', async () => {
    const page = await dpo.get('/staff/exports').expect(200)
    expect(page.text).toContain('Complaints log')
    const csrf = csrfFrom(page.text)
    const before = (await events('export.complaint_log')).length
    const noReason = await dpo
      .post('/staff/exports/complaints')
      .type('form')
      .send({ _csrf: csrf, format: 'csv', identities: 'yes', reason: ' ' })
      .expect(400)
    expect(noReason.text).toContain('href="#complaint-reason"')
    expect((await events('export.complaint_log')).length).toBe(before)

    const res = await asText(
      dpo.post('/staff/exports/complaints').type('form').send({
        _csrf: csrf,
        format: 'csv',
        identities: 'yes',
        reason: 'The ICO asked for the complainants of 2026.',
      }),
    )
    expect(res.status).toBe(200)
    expect(res.headers['content-disposition']).toBe(
      'attachment; filename="complaints-log-with-identities-2026-03-15.csv"',
    )
    const rows: Record<string, string>[] = parse(res.body as string, { bom: true, columns: true })
    expect(rows.find((r) => r.reference === ref.C5)).toMatchObject({
      requester_name: 'Sam Jones',
      requester_email: 'sam@example.org',
    })
    const [included] = (await events('export.identities_included')).slice(-1)
    expect(included?.data).toEqual({
      reason: 'The ICO asked for the complainants of 2026.',
      format: 'csv',
      filters: {},
      rows: 5,
      log: 'complaints',
    })

    // Without the box ticked, a POST leaves them out.
    const plain = await ndjsonOf(
      dpo.post('/staff/exports/complaints').type('form').send({ _csrf: csrf, format: 'ndjson' }),
    )
    expect(plain).toHaveLength(5)
    expect(JSON.stringify(plain)).not.toContain('@example.org')
  })

  it('is the auditor’s to read but not to widen: no identities for them', async () => {
    const page = await auditor.get('/staff/exports').expect(200)
    expect(page.text).not.toContain('Include complainants’ names')
    const csrf = csrfFrom((await auditor.get('/staff/requests')).text)
    await auditor
      .post('/staff/exports/complaints')
      .type('form')
      .send({ _csrf: csrf, format: 'csv', identities: 'yes', reason: 'Curious' })
      .expect(403)
  })
})
