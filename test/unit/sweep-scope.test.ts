import { describe, expect, it } from 'vitest'
import { addCalendarMonths, addDays, type IsoDate } from '../../src/domain/clock.js'
import {
  inSweepScope,
  retentionStateAt,
  sweepScope,
  type RecordFacts,
  type RetentionPolicy,
} from '../../src/domain/retention.js'

const policy: RetentionPolicy = {
  surveyClosesOn: '2021-08-31',
  platformMonthsAfterClose: 6,
  voucherMonthsAfterSent: 2,
}
const facts = (overrides: Partial<RecordFacts> = {}): RecordFacts => ({
  voucherSentOn: null,
  extractedOn: null,
  deletedHoldings: {},
  erased: null,
  restriction: null,
  ...overrides,
})

/** Every day from `from` for `days` days. */
const days = (from: IsoDate, count: number) => Array.from({ length: count }, (_, i) => addDays(from, i))

describe('the sweep scope', () => {
  it('takes every record once the platform period is over, and only some before', () => {
    expect(sweepScope(policy, '2022-02-28')).toEqual({ everyRecord: false, voucherSentBy: '2021-12-31' })
    expect(sweepScope(policy, '2022-03-01')).toEqual({ everyRecord: true })
    expect(inSweepScope({ everyRecord: true }, facts())).toBe(true)
    expect(
      inSweepScope(
        { everyRecord: true },
        facts({ erased: { on: '2022-03-01', reason: 'retention_schedule' } }),
      ),
    ).toBe(false)
  })

  it('leaves out a voucher sent recently, and takes one sent long enough ago', () => {
    const scope = sweepScope(policy, '2021-11-15')
    expect(inSweepScope(scope, facts({ voucherSentOn: '2021-11-01' }))).toBe(false)
    expect(inSweepScope(scope, facts({ voucherSentOn: '2021-09-01' }))).toBe(true)
    expect(
      inSweepScope(
        scope,
        facts({ voucherSentOn: '2021-09-01', deletedHoldings: { voucher_correspondence: '2021-11-02' } }),
      ),
    ).toBe(false)
    expect(inSweepScope(scope, facts())).toBe(false)
    // The platform copy went early, and there is no voucher: the address itself is due.
    expect(inSweepScope(scope, facts({ deletedHoldings: { survey_platform: '2021-10-01' } }))).toBe(true)
  })

  // Month ends clamp (31 August + 6 months is 28 February), so the scope is checked against the
  // state itself on the days around each period's end, for a voucher sent on every day of two
  // years, month ends and a leap day included.
  it('holds every record with something due, whatever the dates', () => {
    const policies: RetentionPolicy[] = [
      policy,
      { surveyClosesOn: '2024-02-29', platformMonthsAfterClose: 12, voucherMonthsAfterSent: 3 },
    ]
    let checked = 0
    for (const p of policies) {
      const platformEnds = addCalendarMonths(p.surveyClosesOn, p.platformMonthsAfterClose)
      for (const voucherSentOn of days('2021-01-01', 2 * 366)) {
        const voucherEnds = addCalendarMonths(voucherSentOn, p.voucherMonthsAfterSent)
        const around = [...days(addDays(voucherEnds, -4), 9), ...days(addDays(platformEnds, -2), 5)]
        for (const today of around.filter((d) => d >= voucherSentOn)) {
          const scope = sweepScope(p, today)
          for (const deletedHoldings of [{}, { survey_platform: voucherSentOn }]) {
            for (const record of [facts({ voucherSentOn, deletedHoldings }), facts({ deletedHoldings })]) {
              const view = retentionStateAt(record, p, today)
              if (view.state !== 'due_for_deletion') continue
              checked++
              expect(inSweepScope(scope, record), `${today} ${JSON.stringify(record)}`).toBe(true)
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(10_000)
  })

  it('leaves out what is not due, bar the few days of margin', () => {
    const scope = sweepScope(policy, '2021-12-15')
    // Kept through 15 December: not due, and outside the scope once past the margin.
    expect(retentionStateAt(facts({ voucherSentOn: '2021-10-15' }), policy, '2021-12-15').state).not.toBe(
      'due_for_deletion',
    )
    expect(inSweepScope(scope, facts({ voucherSentOn: '2021-10-19' }))).toBe(false)
  })
})
