import { stringify } from 'csv-stringify/sync'
import { describe, expect, it } from 'vitest'
import { retentionStateAt, type RecordFacts } from '../../src/domain/retention.js'
import {
  columnsFor,
  csvCell,
  csvLine,
  csvRecord,
  deadlinesOf,
  neutraliseFormula,
  parseLogFilters,
  requestLogRow,
  type RequestLogSource,
} from '../../src/reports/request-log.js'

const policy = { surveyClosesOn: '2021-08-31', platformMonthsAfterClose: 6, voucherMonthsAfterSent: 2 }

/** An access request confirmed on Monday 5 January 2026: due Thursday 5 February. */
function source(overrides: Partial<RequestLogSource> = {}): RequestLogSource {
  return {
    id: 'r1',
    reference: 'DSR-2026-00001',
    type: 'access',
    status: 'received',
    channel: 'web',
    studySlug: 'seed-study',
    policy,
    receivedOn: '2026-01-05',
    clockStartOn: '2026-01-05',
    pausedDays: 0,
    extended: false,
    pause: null,
    closedAt: null,
    outcome: null,
    outcomeReason: null,
    duplicateOfReference: null,
    assigneeRole: null,
    snapshot: null,
    record: null,
    requesterName: 'Jane Doe',
    email: 'jane@example.org',
    ...overrides,
  }
}

describe('a request log row', () => {
  it('answered within the month: days taken and on time', () => {
    const row = requestLogRow(
      source({
        status: 'completed',
        outcome: 'fulfilled',
        closedAt: '2026-02-03T10:00:00Z',
        assigneeRole: 'dpo',
      }),
      '2026-03-01',
    )
    expect(row).toMatchObject({
      reference: 'DSR-2026-00001',
      received: '2026-01-05',
      clock_start: '2026-01-05',
      due: '2026-02-05',
      extended_due: null,
      closed: '2026-02-03',
      status: 'completed',
      outcome: 'fulfilled',
      refusal_ground: null,
      days_taken: 29,
      on_time: true,
      extended: false,
      assignee_role: 'dpo',
    })
  })

  it('leaves requester identities out unless asked for', () => {
    const row = requestLogRow(source(), '2026-01-10')
    expect(row).not.toHaveProperty('requester_name')
    expect(row).not.toHaveProperty('requester_email')
    expect(JSON.stringify(row)).not.toContain('jane@example.org')
    const withIdentities = requestLogRow(source(), '2026-01-10', { includeIdentities: true })
    expect(withIdentities).toMatchObject({ requester_name: 'Jane Doe', requester_email: 'jane@example.org' })
  })

  it('extended: three months from the same start, rolled past Easter; judged on the London date of the answer', () => {
    // 5 April 2026 is Easter Sunday and 6 April Easter Monday: due Tuesday 7 April.
    const extended = source({ extended: true, status: 'completed', outcome: 'fulfilled' })
    expect(deadlinesOf(extended, '2026-04-01')).toEqual({ due: '2026-02-05', extendedDue: '2026-04-07' })
    const lateEvening = requestLogRow({ ...extended, closedAt: '2026-04-07T22:30:00Z' }, '2026-05-01')
    expect(lateEvening).toMatchObject({ closed: '2026-04-07', on_time: true, days_taken: 92 })
    // 23:30 UTC in April is half past midnight in London: the next day, and a day late.
    const pastMidnight = requestLogRow({ ...extended, closedAt: '2026-04-07T23:30:00Z' }, '2026-05-01')
    expect(pastMidnight).toMatchObject({ closed: '2026-04-08', on_time: false, days_taken: 93 })
  })

  it('clarification days move the deadline, including an open pause up to today', () => {
    expect(deadlinesOf(source({ pausedDays: 5 }), '2026-01-10').due).toBe('2026-02-10')
    const paused = source({
      status: 'awaiting_clarification',
      pause: { kind: 'clarification', since: '2026-02-01' },
    })
    // Three days so far (1, 2 and 3 February): 8 February is a Sunday, so Monday 9 February.
    expect(deadlinesOf(paused, '2026-02-03').due).toBe('2026-02-09')
  })

  it('while waiting for identity or a fee the clock is stopped: no deadline, no verdict', () => {
    const row = requestLogRow(
      source({ status: 'awaiting_identity', pause: { kind: 'identity', since: '2026-01-06' } }),
      '2026-06-01',
    )
    expect(row).toMatchObject({ due: null, extended_due: null, on_time: null, days_taken: null })
  })

  it('a case closed while its clock was stopped still has no deadline', () => {
    const closed = source({
      status: 'withdrawn',
      pause: { kind: 'fee', since: '2026-01-06' },
      closedAt: '2026-01-20T10:00:00.000Z',
    })
    expect(deadlinesOf(closed, '2026-06-01')).toEqual({ due: null, extendedDue: null })
  })

  it('an open request past its deadline is already not on time', () => {
    expect(requestLogRow(source(), '2026-02-05').on_time).toBeNull()
    expect(requestLogRow(source(), '2026-02-06').on_time).toBe(false)
  })

  it('gives the ground of a refusal, never the free-text reasons of a completion', () => {
    const refused = requestLogRow(
      source({
        status: 'refused',
        outcome: 'refused',
        outcomeReason: 'manifestly_unfounded',
        closedAt: '2026-01-07T09:00:00Z',
      }),
      '2026-02-01',
    )
    expect(refused).toMatchObject({ refusal_ground: 'manifestly_unfounded', days_taken: 2, on_time: true })
    const partly = requestLogRow(
      source({
        status: 'completed',
        outcome: 'partly_fulfilled',
        outcomeReason: 'Jane asked about her answers',
        closedAt: '2026-01-07T09:00:00Z',
      }),
      '2026-02-01',
    )
    expect(partly.refusal_ground).toBeNull()
    expect(JSON.stringify(partly)).not.toContain('Jane')
  })

  it('withdrawn and duplicate requests are closed but not answered', () => {
    const withdrawn = requestLogRow(
      source({ status: 'withdrawn', closedAt: '2026-01-09T12:00:00Z' }),
      '2026-03-01',
    )
    expect(withdrawn).toMatchObject({ closed: '2026-01-09', days_taken: null, on_time: null })
    const duplicate = requestLogRow(
      source({
        reference: null,
        status: 'duplicate',
        clockStartOn: null,
        closedAt: '2026-01-09T12:00:00Z',
        duplicateOfReference: 'DSR-2026-00001',
      }),
      '2026-03-01',
    )
    expect(duplicate).toMatchObject({ reference: null, due: null, duplicate_of: 'DSR-2026-00001' })
  })

  it('shows the record state when confirmed (the snapshot) and now (computed today)', () => {
    const snapshot = {
      recordId: 'e1',
      takenOn: '2021-09-01',
      state: 'active' as const,
      rule: '',
      answersLinked: true,
      holdings: [],
    }
    const facts = {
      voucherSentOn: null,
      extractedOn: null,
      deletedHoldings: {},
      erased: null,
      restriction: null,
    }
    // The platform keeps the address six months after the survey closed on 31 August 2021.
    expect(requestLogRow(source({ snapshot, record: facts }), '2022-02-28').record_state_now).toBe('retained')
    expect(requestLogRow(source({ snapshot, record: facts }), '2022-03-01').record_state_now).toBe(
      'due_for_deletion',
    )
    const erased = { ...facts, erased: { on: '2022-03-02', reason: 'retention_schedule' as const } }
    expect(requestLogRow(source({ snapshot, record: erased }), '2022-04-01')).toMatchObject({
      record_state_when_confirmed: 'active',
      record_state_now: 'erased',
    })
    const none = { ...snapshot, recordId: null, state: 'no_record' as const }
    expect(requestLogRow(source({ snapshot: none }), '2022-04-01')).toMatchObject({
      record_state_when_confirmed: 'no_record',
      record_state_now: 'no_record',
    })
  })
})

describe('CSV cells', () => {
  it('neutralise anything a spreadsheet would run as a formula', () => {
    expect(neutraliseFormula('=HYPERLINK("http://evil.example","click")')).toBe(
      `'=HYPERLINK("http://evil.example","click")`,
    )
    expect(neutraliseFormula('+44 20 7946 0000')).toBe("'+44 20 7946 0000")
    expect(neutraliseFormula('-2+3')).toBe("'-2+3")
    expect(neutraliseFormula('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(neutraliseFormula('\t=1')).toBe("'\t=1")
    expect(neutraliseFormula('\r=1')).toBe("'\r=1")
    expect(neutraliseFormula('Jane = Doe')).toBe('Jane = Doe')
    expect(neutraliseFormula('DSR-2026-00001')).toBe('DSR-2026-00001')
  })

  it('write nothing as empty, booleans as yes/no and numbers as digits', () => {
    expect(csvCell(null)).toBe('')
    expect(csvCell(undefined)).toBe('')
    expect(csvCell(true)).toBe('yes')
    expect(csvCell(false)).toBe('no')
    expect(csvCell(0)).toBe('0')
    expect(csvCell(49)).toBe('49')
  })

  it('follow the columns, with identities last when included', () => {
    const row = requestLogRow(source({ requesterName: '=cmd|calc' }), '2026-01-10', {
      includeIdentities: true,
    })
    const columns = columnsFor(true)
    expect(columns.slice(-2)).toEqual(['requester_name', 'requester_email'])
    const cells = csvRecord(row, columns)
    expect(cells).toHaveLength(columns.length)
    expect(cells.at(-2)).toBe("'=cmd|calc")
    expect(columnsFor(false)).not.toContain('requester_email')
  })
})

describe('export filters', () => {
  const known = { studies: ['seed-study'], outcomes: ['fulfilled', 'refused'] }

  it('accept real dates and known values', () => {
    const parsed = parseLogFilters(
      {
        from: '2026-01-01',
        to: '2026-03-31',
        type: 'erasure',
        study: 'seed-study',
        outcome: 'refused',
        status: 'refused',
      },
      known,
    )
    expect(parsed.errors).toEqual([])
    expect(parsed.filters).toEqual({
      receivedFrom: '2026-01-01',
      receivedTo: '2026-03-31',
      type: 'erasure',
      study: 'seed-study',
      outcome: 'refused',
      status: 'refused',
    })
  })

  it('name each field that is wrong and keep what was typed', () => {
    const parsed = parseLogFilters(
      {
        from: '2026-02-30',
        to: 'soon',
        type: 'gossip',
        study: 'nope',
        outcome: 'maybe',
        status: 'unconfirmed',
      },
      known,
    )
    expect(parsed.errors.map((e) => e.field)).toEqual(['from', 'to', 'type', 'study', 'outcome', 'status'])
    expect(parsed.values).toMatchObject({ from: '2026-02-30', to: 'soon', type: 'gossip' })
    expect(parsed.filters).toEqual({})
  })

  it('refuse a range that ends before it starts', () => {
    const parsed = parseLogFilters({ from: '2026-03-01', to: '2026-02-01' }, known)
    expect(parsed.errors.map((e) => e.field)).toEqual(['to'])
  })
})

describe('CSV lines', () => {
  const awkward = [
    '',
    'plain',
    'a,b',
    'say "hi"',
    '"',
    'line\r\nbreak',
    'lone\nfeed',
    'lone\rreturn',
    'ends with\r',
    '\r\n',
    ',',
    'Zoë O’Neil ✓',
    "'=1",
  ]

  it('are written as csv-stringify writes them, CRLF-ended', () => {
    const options = { record_delimiter: 'windows' } as const
    for (const cell of awkward) {
      expect(csvLine([cell])).toBe(stringify([[cell]], options))
      expect(csvLine([cell, cell, 'x'])).toBe(stringify([[cell, cell, 'x']], options))
    }
    expect(csvLine(awkward)).toBe(stringify([awkward], options))
  })
})

describe('the record state now', () => {
  const facts: RecordFacts[] = [
    { voucherSentOn: null, extractedOn: null, deletedHoldings: {}, erased: null, restriction: null },
    { voucherSentOn: '2021-08-01', extractedOn: null, deletedHoldings: {}, erased: null, restriction: null },
    {
      voucherSentOn: '2021-08-01',
      extractedOn: null,
      deletedHoldings: { survey_platform: '2022-03-01' },
      erased: null,
      restriction: null,
    },
    {
      voucherSentOn: null,
      extractedOn: null,
      deletedHoldings: { survey_platform: '2022-03-01' },
      erased: null,
      restriction: null,
    },
    {
      voucherSentOn: '2021-08-01',
      extractedOn: null,
      deletedHoldings: {},
      erased: null,
      restriction: { since: '2021-09-01' },
    },
    {
      voucherSentOn: null,
      extractedOn: null,
      deletedHoldings: {},
      erased: { on: '2022-03-05', reason: 'retention_schedule' },
      restriction: null,
    },
  ]

  it('is the retention state of each record on each day, however often the same facts recur', () => {
    for (const today of [
      '2021-08-31',
      '2021-10-01',
      '2022-02-28',
      '2022-03-01',
      '2022-03-01',
      '2023-01-01',
    ]) {
      for (const record of [...facts, ...facts]) {
        expect(requestLogRow(source({ record }), today).record_state_now).toBe(
          retentionStateAt(record, policy, today).state,
        )
      }
    }
  })
})
