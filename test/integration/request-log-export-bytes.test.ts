import { Writable } from 'node:stream'
import { stringify } from 'csv-stringify/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RecordFacts, RetentionPolicy } from '../../src/domain/retention.js'
import type { StaffUser } from '../../src/domain/staff-user.js'
import {
  columnsFor,
  csvRecord,
  requestLogRow,
  type ExportFormat,
  type RequestLogSource,
} from '../../src/reports/request-log.js'
import { reportsService } from '../../src/reports/service.js'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { requestRow, type RequestRowInput } from '../helpers/request-rows.js'

/**
 * The export's file, byte for byte, against the log's rows worked out from what was stored: each
 * request shaped by `requestLogRow`, the CSV written by csv-stringify (RFC 4180 line ends, a
 * byte-order mark) and the NDJSON one JSON object a line. Pages of four requests, so rows cross
 * page boundaries; awkward names and every kind of linked record.
 */
const now = '2026-07-15T08:00:00Z'
const today = '2026-07-15'

let ctx: TestContext
let auditor: StaffUser
let dpo: StaffUser
let sources: RequestLogSource[]

type Fixture = Omit<RequestRowInput, 'receivedAt' | 'recordId'> & {
  received: string
  /** Which of `recordFacts` the request is linked to. */
  record?: string
  /** A snapshot as confirmation writes it, rule in words and all, instead of the helper's. */
  fullSnapshot?: boolean
  assignee?: 'dpo'
  /** The reference of the request this one duplicates. */
  duplicate?: string
}

const noFacts: RecordFacts = {
  voucherSentOn: null,
  extractedOn: null,
  deletedHoldings: {},
  erased: null,
  restriction: null,
}

/** The linked records, as the log reads their facts. */
const recordFacts: Record<string, RecordFacts> = {
  retained: { ...noFacts, voucherSentOn: '2026-05-01' },
  voucherDue: { ...noFacts, voucherSentOn: '2025-01-10', extractedOn: '2025-02-01' },
  platformGone: { ...noFacts, deletedHoldings: { survey_platform: '2026-03-01' } },
  bothGone: {
    ...noFacts,
    voucherSentOn: '2025-01-10',
    deletedHoldings: { survey_platform: '2026-03-01', voucher_correspondence: '2026-03-02' },
  },
  restricted: { ...noFacts, voucherSentOn: '2025-01-10', restriction: { since: '2026-06-01' } },
  erased: { ...noFacts, erased: { on: '2026-04-01', reason: 'erasure_request' } },
  erasedOnSchedule: { ...noFacts, erased: { on: '2026-04-02', reason: 'retention_schedule' } },
}

const fixtures: Fixture[] = [
  {
    received: '2026-06-01T09:00:00Z',
    reference: 'DSR-2026-000001',
    status: 'completed',
    outcome: 'fulfilled',
    closedAt: '2026-06-10T10:00:00Z',
    record: 'retained',
    snapshotState: 'retained',
    fullSnapshot: true,
    name: '=HYPERLINK("http://evil.example","x")',
    email: 'one@example.org',
  },
  {
    received: '2026-06-01T09:00:00Z',
    reference: 'DSR-2026-000002',
    type: 'erasure',
    status: 'refused',
    outcome: 'refused',
    outcomeReason: 'manifestly_unfounded',
    closedAt: '2026-06-03T22:30:00Z',
    record: 'erased',
    snapshotState: 'active',
    name: 'Smith, "Jo"',
    email: '+44@example.org',
  },
  {
    received: '2026-06-02T23:30:00Z',
    reference: 'DSR-2026-000003',
    type: 'rectification',
    status: 'completed',
    outcome: 'partly_fulfilled',
    outcomeReason: 'Answers, already "anonymised"',
    extended: true,
    closedAt: '2026-08-20T12:00:00Z',
    record: 'voucherDue',
    snapshotState: 'due_for_deletion',
    name: 'Line\r\nbreak',
    email: 'three@example.org',
  },
  {
    received: '2026-06-03T09:00:00Z',
    reference: 'DSR-2026-000004',
    status: 'received',
    assignee: 'dpo',
    record: 'restricted',
    snapshotState: 'restricted',
    name: 'Lone\nfeed and lone\rreturn',
    email: '-minus@example.org',
  },
  {
    received: '2026-06-10T09:00:00Z',
    reference: 'DSR-2026-000005',
    status: 'awaiting_clarification',
    pause: { kind: 'clarification', since: '2026-07-01' },
    pausedDays: 3,
    record: 'platformGone',
    snapshotState: 'retained',
    name: '\t=1',
    email: '@at@example.org',
  },
  {
    received: '2026-06-11T09:00:00Z',
    reference: 'DSR-2026-000006',
    type: 'objection',
    status: 'awaiting_identity',
    pause: { kind: 'identity', since: '2026-06-12' },
    record: 'bothGone',
    snapshotState: 'due_for_deletion',
    name: 'Zoë O’Neil ✓',
  },
  {
    received: '2026-06-12T09:00:00Z',
    reference: 'DSR-2026-000007',
    status: 'withdrawn',
    closedAt: '2026-06-13T09:00:00Z',
    snapshotState: 'no_record',
    name: '',
    email: 'seven@example.org',
  },
  {
    received: '2026-06-12T09:00:00Z',
    reference: null,
    status: 'duplicate',
    duplicate: 'DSR-2026-000007',
    closedAt: '2026-06-12T09:05:00Z',
    snapshotState: 'no_record',
  },
  {
    received: '2026-06-20T09:00:00Z',
    reference: 'DSR-2026-000009',
    type: 'access',
    status: 'completed',
    outcome: 'fulfilled',
    closedAt: '2026-07-14T09:00:00Z',
    record: 'erasedOnSchedule',
    snapshotState: 'erased',
    fullSnapshot: true,
    name: 'Doe, Jane',
  },
  {
    received: '2026-07-01T09:00:00Z',
    reference: 'DSR-2026-000010',
    status: 'received',
    pausedDays: 2,
    email: 'ten@example.org',
  },
]

function collector(): { writable: Writable; text: () => string } {
  const chunks: Buffer[] = []
  return {
    writable: new Writable({
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(Buffer.from(chunk))
        callback()
      },
    }),
    text: () => Buffer.concat(chunks).toString('utf8'),
  }
}

beforeAll(async () => {
  ctx = await createTestContext({ now })
  const db = ctx.services.db
  const study = await db('studies').orderBy('created_at').first<
    | {
        id: string
        slug: string
        survey_closes_on: string
        platform_retention_months: number | string
        voucher_retention_months: number | string
      }
    | undefined
  >()
  if (!study) throw new Error('The seed study is missing')
  const policy: RetentionPolicy = {
    surveyClosesOn: study.survey_closes_on,
    platformMonthsAfterClose: Number(study.platform_retention_months),
    voucherMonthsAfterSent: Number(study.voucher_retention_months),
  }
  const password = 'a long passphrase for the export test'
  auditor = await ctx.services.accounts.createUser({
    email: 'auditor@test.example',
    role: 'auditor',
    displayName: 'Auditor',
    password,
  })
  dpo = await ctx.services.accounts.createUser({
    email: 'dpo@test.example',
    role: 'dpo',
    displayName: 'Officer',
    password,
  })

  const recordIds = new Map<string, string>()
  for (const [key, facts] of Object.entries(recordFacts)) {
    const id = newId()
    recordIds.set(key, id)
    await db('email_records').insert({
      id,
      study_id: study.id,
      email: facts.erased ? null : `${key}@example.org`,
      email_hmac: newId(),
      participated_on: '2021-06-15',
      voucher_sent_on: facts.voucherSentOn,
      extracted_on: facts.extractedOn,
      platform_deleted_on: facts.deletedHoldings.survey_platform ?? null,
      voucher_deleted_on: facts.deletedHoldings.voucher_correspondence ?? null,
      erased_on: facts.erased?.on ?? null,
      erasure_reason: facts.erased?.reason ?? null,
      restricted_since: facts.restriction?.since ?? null,
      restriction_ground: facts.restriction ? 'accuracy' : null,
      created_at: now,
      updated_at: now,
      version: 1,
    })
  }

  const ids = new Map<string, string>()
  const logged: { receivedAt: string; source: RequestLogSource }[] = []
  for (const fixture of fixtures) {
    const { received, record, fullSnapshot, assignee, duplicate, ...input } = fixture
    const recordId = record ? (recordIds.get(record) ?? null) : null
    const row = requestRow(study.id, {
      ...input,
      receivedAt: received,
      recordId,
      assigneeId: assignee === 'dpo' ? dpo.id : null,
      duplicateOf: duplicate ? (ids.get(duplicate) ?? null) : null,
    })
    if (fullSnapshot) {
      // The rule in words may itself mention a state: only the snapshot's own counts.
      row.record_snapshot = JSON.stringify({
        recordId,
        takenOn: row.received_on,
        state: input.snapshotState,
        rule: 'Not "state":"erased" but kept, until 31 August 2027.',
        answersLinked: true,
        holdings: [{ key: 'survey_platform', keepUntil: '2027-08-31', status: 'held' }],
      })
    }
    await db('rights_requests').insert(row)
    if (row.reference) ids.set(row.reference, row.id)
    logged.push({
      receivedAt: received,
      source: {
        id: row.id,
        reference: row.reference,
        type: row.type,
        status: row.status,
        channel: row.channel,
        studySlug: study.slug,
        policy,
        receivedOn: row.received_on,
        clockStartOn: row.clock_start_on,
        pausedDays: row.paused_days,
        extended: input.extended ?? false,
        pause: input.pause ?? null,
        closedAt: row.closed_at ?? null,
        outcome: row.outcome ?? null,
        outcomeReason: row.outcome_reason ?? null,
        duplicateOfReference: duplicate ?? null,
        assigneeRole: assignee ?? null,
        snapshot: input.snapshotState ? { state: input.snapshotState } : null,
        record: record ? (recordFacts[record] ?? null) : null,
        requesterName: row.requester_name,
        email: row.email,
      },
    })
  }
  // The log's order: received, then id.
  const key = (entry: (typeof logged)[number]) => `${entry.receivedAt} ${entry.source.id}`
  sources = logged.sort((a, b) => (key(a) < key(b) ? -1 : 1)).map((entry) => entry.source)
}, 60_000)

afterAll(async () => {
  await ctx.destroy()
})

function expectedFile(format: ExportFormat, includeIdentities: boolean): string {
  const rows = sources.map((source) => requestLogRow(source, today, { includeIdentities }))
  if (format === 'ndjson') return rows.map((row) => `${JSON.stringify(row)}\n`).join('')
  const columns = columnsFor(includeIdentities)
  return stringify(
    rows.map((row) => csvRecord(row, columns)),
    { header: true, columns, bom: true, record_delimiter: 'windows' },
  )
}

describe('the request log file', () => {
  for (const format of ['csv', 'ndjson'] as const) {
    for (const includeIdentities of [false, true]) {
      it(`is exactly the log's rows as ${format}${includeIdentities ? ', with identities' : ''}`, async () => {
        const reports = reportsService({ db: ctx.services.db, now: ctx.services.now, batchSize: 4 })
        const job = await reports.exportRequestLog(includeIdentities ? dpo : auditor, {
          format,
          filters: {},
          ...(includeIdentities ? { identities: { reason: 'Checking the export' } } : {}),
        })
        const file = collector()
        await job.writeTo(file.writable)
        expect(job.rows).toBe(fixtures.length)
        expect(file.text()).toBe(expectedFile(format, includeIdentities))
      })
    }
  }

  it('holds only the filtered rows, in the same bytes', async () => {
    const reports = reportsService({ db: ctx.services.db, now: ctx.services.now, batchSize: 2 })
    const job = await reports.exportRequestLog(auditor, { format: 'csv', filters: { status: 'completed' } })
    const file = collector()
    await job.writeTo(file.writable)
    const columns = columnsFor(false)
    const expected = stringify(
      sources
        .filter((source) => source.status === 'completed')
        .map((source) => csvRecord(requestLogRow(source, today), columns)),
      { header: true, columns, bom: true, record_delimiter: 'windows' },
    )
    expect(job.rows).toBe(3)
    expect(file.text()).toBe(expected)
  })

  it('is a header alone when no request matches', async () => {
    const job = await ctx.services.reports.exportRequestLog(auditor, {
      format: 'csv',
      filters: { receivedFrom: '2030-01-01' },
    })
    const file = collector()
    await job.writeTo(file.writable)
    expect(job.rows).toBe(0)
    expect(file.text()).toBe(`\uFEFF${columnsFor(false).join(',')}\r\n`)
  })
})
