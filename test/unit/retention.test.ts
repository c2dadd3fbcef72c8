import { describe, expect, it } from 'vitest'
import {
  erasurePlan,
  latestAllowedClose,
  retentionStateAt,
  type RecordFacts,
  type RetentionPolicy,
} from '../../src/domain/retention.js'

// The seed study: closing in August 2021, kept 6 months on the platform, voucher mail 2 months.
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

describe('retention state', () => {
  it('is active while the survey runs, with the answers still linked', () => {
    const view = retentionStateAt(facts(), policy, '2021-06-01')
    expect(view).toMatchObject({ state: 'active', answersLinked: true })
    expect(view.holdings).toEqual([
      expect.objectContaining({
        key: 'survey_platform',
        keepUntil: '2022-02-28',
        deletionDueOn: '2022-03-01',
        status: 'held',
      }),
    ])
  })

  it('is active on the closing day and retained the day after', () => {
    expect(retentionStateAt(facts(), policy, '2021-08-31').state).toBe('active')
    expect(retentionStateAt(facts(), policy, '2021-09-01').state).toBe('retained')
  })

  it('keeps the platform copy through the last day of the sixth month, inclusive', () => {
    expect(retentionStateAt(facts(), policy, '2022-02-28').state).toBe('retained')
    const due = retentionStateAt(facts(), policy, '2022-03-01')
    expect(due.state).toBe('due_for_deletion')
    expect(due.rule).toBe(
      'Survey platform: kept until 28 February 2022, so due for deletion from 1 March 2022.',
    )
  })

  it('keeps voucher correspondence 2 months from sending, inclusive, with month-end clamping', () => {
    const sent = facts({ voucherSentOn: '2021-10-10' })
    expect(retentionStateAt(sent, policy, '2021-12-10').holdings[1]?.status).toBe('held')
    expect(retentionStateAt(sent, policy, '2021-12-11').holdings[1]?.status).toBe('due')
    expect(retentionStateAt(sent, policy, '2021-12-11').state).toBe('due_for_deletion')
    const monthEnd = facts({ voucherSentOn: '2021-12-31' })
    expect(retentionStateAt(monthEnd, policy, '2021-12-31').holdings[1]?.keepUntil).toBe('2022-02-28')
  })

  it('is due when one holding has run out even while another is still held', () => {
    const view = retentionStateAt(facts({ voucherSentOn: '2021-06-01' }), policy, '2021-08-02')
    expect(view.state).toBe('due_for_deletion')
    expect(view.holdings.map((h) => h.status)).toEqual(['held', 'due'])
  })

  it('is retained again once the due holding is deleted, and due for erasure when none is left', () => {
    const partly = facts({
      voucherSentOn: '2021-06-01',
      deletedHoldings: { voucher_correspondence: '2021-08-02' },
    })
    expect(retentionStateAt(partly, policy, '2021-09-15').state).toBe('retained')
    const none = facts({ deletedHoldings: { survey_platform: '2022-03-01' } })
    expect(retentionStateAt(none, policy, '2022-03-02')).toMatchObject({ state: 'due_for_deletion' })
    expect(retentionStateAt(none, policy, '2022-03-02').rule).toContain('every holding')
  })

  it('follows a survey extension', () => {
    const extended = { ...policy, surveyClosesOn: '2022-08-31' }
    expect(retentionStateAt(facts(), extended, '2022-03-01').state).toBe('active')
    expect(retentionStateAt(facts(), extended, '2023-02-28').state).toBe('retained')
    expect(retentionStateAt(facts(), extended, '2023-03-01').state).toBe('due_for_deletion')
    expect(latestAllowedClose('2021-08-31', 12)).toBe('2022-08-31')
  })

  it('is restricted whatever the dates say while a restriction is in force', () => {
    const view = retentionStateAt(facts({ restriction: { since: '2022-01-10' } }), policy, '2023-01-01')
    expect(view.state).toBe('restricted')
    expect(view.holdings[0]?.status).toBe('due')
    expect(view.rule).toContain('10 January 2022')
  })

  it('is erased once the address is gone, saying when and why', () => {
    const view = retentionStateAt(
      facts({ erased: { on: '2021-10-03', reason: 'retention_schedule' } }),
      policy,
      '2024-01-01',
    )
    expect(view).toMatchObject({ state: 'erased', holdings: [], answersLinked: false })
    expect(view.rule).toBe(
      'The address was erased on 3 October 2021 under the retention schedule; only a tombstone remains.',
    )
    expect(
      retentionStateAt(
        facts({ erased: { on: '2021-10-03', reason: 'erasure_request' } }),
        policy,
        '2024-01-01',
      ).rule,
    ).toContain('at the person’s request')
  })

  it('unlinks the survey answers from the day of extraction', () => {
    const extracted = facts({ extractedOn: '2021-09-15' })
    expect(retentionStateAt(extracted, policy, '2021-09-14').answersLinked).toBe(true)
    expect(retentionStateAt(extracted, policy, '2021-09-15').answersLinked).toBe(false)
  })
})

describe('erasure plan', () => {
  const voucher = facts({ voucherSentOn: '2021-07-01' })
  const keys = (plan: ReturnType<typeof erasurePlan>) => plan.holdings.map((h) => h.key)

  it('sweeps only what is due, keeping the address while a holding may still keep it', () => {
    // 2 September 2021: the voucher mail is due, the platform copy is kept until 28 February.
    const plan = erasurePlan(retentionStateAt(voucher, policy, '2021-09-02'), 'due')
    expect(keys(plan)).toEqual(['voucher_correspondence'])
    expect(plan.eraseAddress).toBe(false)
  })

  it('erases the address in the sweep once every holding is due or deleted', () => {
    const plan = erasurePlan(retentionStateAt(voucher, policy, '2022-03-01'), 'due')
    expect(keys(plan)).toEqual(['survey_platform', 'voucher_correspondence'])
    expect(plan.eraseAddress).toBe(true)
  })

  it('deletes everything still held on an erasure request, due or not, but nothing already deleted', () => {
    const partly = facts({
      voucherSentOn: '2021-07-01',
      deletedHoldings: { voucher_correspondence: '2021-09-02' },
    })
    const plan = erasurePlan(retentionStateAt(partly, policy, '2021-09-10'), 'everything')
    expect(keys(plan)).toEqual(['survey_platform'])
    expect(plan.eraseAddress).toBe(true)
  })

  it('plans nothing under a restriction or for an erased record', () => {
    const held = facts({ voucherSentOn: '2021-07-01', restriction: { since: '2021-08-01' } })
    expect(erasurePlan(retentionStateAt(held, policy, '2022-03-01'), 'everything')).toEqual({
      holdings: [],
      eraseAddress: false,
    })
    const gone = facts({ erased: { on: '2021-10-01', reason: 'erasure_request' } })
    expect(erasurePlan(retentionStateAt(gone, policy, '2022-03-01'), 'due').eraseAddress).toBe(false)
  })
})

describe('deletion outside the portal', () => {
  // The voucher mail was swept on 2 September 2021; its deletion task is still open unless said.
  const swept = (deletionDone: RecordFacts['deletionDone']) =>
    facts({
      voucherSentOn: '2021-07-01',
      deletedHoldings: { voucher_correspondence: '2021-09-02' },
      deletionDone,
    })
  const voucherOf = (view: ReturnType<typeof retentionStateAt>) =>
    view.holdings.find((h) => h.key === 'voucher_correspondence')

  it('is requested, not done, while the deletion task is open', () => {
    const view = retentionStateAt(swept({ voucher_correspondence: null }), policy, '2021-09-10')
    expect(voucherOf(view)).toMatchObject({
      status: 'deletion_requested',
      requestedOn: '2021-09-02',
      deletedOn: null,
    })
    expect(view.state).toBe('retained')
  })

  it('is deleted on the day its task was done', () => {
    const view = retentionStateAt(swept({ voucher_correspondence: '2021-09-20' }), policy, '2021-10-01')
    expect(voucherOf(view)).toMatchObject({
      status: 'deleted',
      requestedOn: '2021-09-02',
      deletedOn: '2021-09-20',
    })
  })

  it('counts as deleted on the day the portal deleted it when nothing is known of a task', () => {
    for (const unknown of [undefined, {}]) {
      expect(voucherOf(retentionStateAt(swept(unknown), policy, '2021-09-10'))).toMatchObject({
        status: 'deleted',
        deletedOn: '2021-09-02',
      })
    }
  })

  it('leaves nothing held once every holding is deleted or its deletion requested', () => {
    const all = facts({
      voucherSentOn: '2021-07-01',
      deletedHoldings: { survey_platform: '2022-03-01', voucher_correspondence: '2021-09-02' },
      deletionDone: { survey_platform: null, voucher_correspondence: '2021-09-20' },
    })
    const view = retentionStateAt(all, policy, '2022-03-02')
    expect(view.state).toBe('due_for_deletion')
    expect(view.rule).toBe(
      'The address has been deleted, or its deletion requested, from every holding, so the record itself is due to be erased.',
    )
    expect(erasurePlan(view, 'due')).toEqual({ holdings: [], eraseAddress: true })
  })

  it('is never planned again by an erasure request', () => {
    const plan = erasurePlan(
      retentionStateAt(swept({ voucher_correspondence: null }), policy, '2021-09-10'),
      'everything',
    )
    expect(plan.holdings.map((h) => h.key)).toEqual(['survey_platform'])
    expect(plan.eraseAddress).toBe(true)
  })

  it('is never swept again, and the sweep erases the address once the rest is due', () => {
    const requested = swept({ voucher_correspondence: null })
    expect(erasurePlan(retentionStateAt(requested, policy, '2021-09-10'), 'due')).toEqual({
      holdings: [],
      eraseAddress: false,
    })
    const plan = erasurePlan(retentionStateAt(requested, policy, '2022-03-01'), 'due')
    expect(plan.holdings.map((h) => h.key)).toEqual(['survey_platform'])
    expect(plan.eraseAddress).toBe(true)
  })

  it('stays listed on an erased record, saying which deletion is not yet confirmed', () => {
    const erased = facts({
      voucherSentOn: '2021-07-01',
      deletedHoldings: { survey_platform: '2021-09-10', voucher_correspondence: '2021-09-02' },
      deletionDone: { survey_platform: null, voucher_correspondence: '2021-09-03' },
      erased: { on: '2021-09-10', reason: 'erasure_request' },
    })
    const view = retentionStateAt(erased, policy, '2021-09-12')
    expect(view.state).toBe('erased')
    expect(view.holdings.map((h) => [h.key, h.status, h.deletedOn])).toEqual([
      ['survey_platform', 'deletion_requested', null],
      ['voucher_correspondence', 'deleted', '2021-09-03'],
    ])
    expect(view.rule).toBe(
      'The address was erased on 10 September 2021 at the person’s request; only a tombstone remains. Survey platform: deletion requested on 10 September 2021, not yet confirmed.',
    )
    expect(erasurePlan(view, 'everything')).toEqual({ holdings: [], eraseAddress: false })
  })
})
