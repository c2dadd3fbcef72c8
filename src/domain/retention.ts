import { addCalendarMonths, addDays, formatLongDate, type IsoDate } from './clock.js'

/**
 * An email record's retention state (SPEC §3), computed from its dates and the study's rules,
 * never typed in. Periods use the same calendar-month arithmetic as the statutory clock and are
 * inclusive: "kept for 2 months after the voucher was sent on 10 January" means kept through
 * 10 March, and due for deletion from 11 March.
 */
export type RetentionState = 'active' | 'retained' | 'due_for_deletion' | 'restricted' | 'erased'

export type HoldingKey = 'survey_platform' | 'voucher_correspondence'

export interface RetentionPolicy {
  /** When the survey closes, including any extension actually made. */
  surveyClosesOn: IsoDate
  /** How long the address stays on the survey platform after the survey closes. */
  platformMonthsAfterClose: number
  /** How long voucher correspondence is kept after the voucher was sent. */
  voucherMonthsAfterSent: number
}

export interface RecordFacts {
  voucherSentOn: IsoDate | null
  /** The day the survey data was extracted and the address separated from it. */
  extractedOn: IsoDate | null
  /**
   * Holdings the portal has deleted, by key, with the day it did: for a copy outside the portal,
   * the day its deletion was asked for (a record task).
   */
  deletedHoldings: Partial<Record<HoldingKey, IsoDate>>
  /**
   * When the deletion task of each deleted holding was done (a London date), or null while it is
   * still open. Absent when the tasks were not read (or a holding has none): a deleted holding then
   * counts as deleted on the day the portal deleted it.
   */
  deletionDone?: Partial<Record<HoldingKey, IsoDate | null>>
  erased: { on: IsoDate; reason: 'retention_schedule' | 'erasure_request' } | null
  restriction: { since: IsoDate } | null
}

export interface Holding {
  key: HoldingKey
  label: string
  /** The last day the address may be kept there. */
  keepUntil: IsoDate
  deletionDueOn: IsoDate
  /** The day the portal deleted the holding and asked for the copy outside it to be deleted. */
  requestedOn: IsoDate | null
  /** The day the copy was deleted: for an outside copy, the day its deletion task was done. */
  deletedOn: IsoDate | null
  /** `deletion_requested`: the portal let the address go there, but nobody has confirmed it is gone. */
  status: 'held' | 'due' | 'deletion_requested' | 'deleted'
}

/** A holding the portal has let go of: deleted, or its deletion asked for; never deleted twice. */
export const isDeletedOrRequested = (h: Pick<Holding, 'status'>): boolean =>
  h.status === 'deleted' || h.status === 'deletion_requested'

export interface RetentionView {
  state: RetentionState
  /** The rule that produced the state, in words. */
  rule: string
  holdings: Holding[]
  /** Before extraction the survey answers can still be linked to the address; after, they are anonymous. */
  answersLinked: boolean
}

const holdingLabels: Record<HoldingKey, string> = {
  survey_platform: 'Survey platform',
  voucher_correspondence: 'Voucher correspondence',
}

function holding(key: HoldingKey, keepUntil: IsoDate, facts: RecordFacts, today: IsoDate): Holding {
  const deletionDueOn = addDays(keepUntil, 1)
  const requestedOn = facts.deletedHoldings[key] ?? null
  const done = facts.deletionDone?.[key]
  const deletedOn = requestedOn === null ? null : done === undefined ? requestedOn : done
  return {
    key,
    label: holdingLabels[key],
    keepUntil,
    deletionDueOn,
    requestedOn,
    deletedOn,
    status:
      requestedOn === null
        ? today >= deletionDueOn
          ? 'due'
          : 'held'
        : deletedOn === null
          ? 'deletion_requested'
          : 'deleted',
  }
}

/** Where the address is held and until when, for a record at a London date. */
export function holdingsAt(facts: RecordFacts, policy: RetentionPolicy, today: IsoDate): Holding[] {
  const holdings = [
    holding(
      'survey_platform',
      addCalendarMonths(policy.surveyClosesOn, policy.platformMonthsAfterClose),
      facts,
      today,
    ),
  ]
  if (facts.voucherSentOn) {
    holdings.push(
      holding(
        'voucher_correspondence',
        addCalendarMonths(facts.voucherSentOn, policy.voucherMonthsAfterSent),
        facts,
        today,
      ),
    )
  }
  return holdings
}

export function retentionStateAt(facts: RecordFacts, policy: RetentionPolicy, today: IsoDate): RetentionView {
  const answersLinked = facts.extractedOn === null || today < facts.extractedOn
  if (facts.erased) {
    // The copies outside the portal whose deletion was asked for stay listed, until done and after.
    const tracked = facts.deletionDone ?? {}
    const holdings = holdingsAt(facts, policy, today).filter(
      (h) => h.requestedOn !== null && tracked[h.key] !== undefined,
    )
    const unconfirmed = holdings
      .filter((h) => h.status === 'deletion_requested')
      .map(
        (h) =>
          ` ${h.label}: deletion requested on ${formatLongDate(h.requestedOn as IsoDate)}, not yet confirmed.`,
      )
    return {
      state: 'erased',
      rule: `The address was erased on ${formatLongDate(facts.erased.on)} ${facts.erased.reason === 'retention_schedule' ? 'under the retention schedule' : 'at the person’s request'}; only a tombstone remains.${unconfirmed.join('')}`,
      holdings,
      answersLinked: false,
    }
  }
  const holdings = holdingsAt(facts, policy, today)
  if (facts.restriction) {
    return {
      state: 'restricted',
      rule: `Processing is restricted since ${formatLongDate(facts.restriction.since)}: nothing is deleted or used except for storage, whatever the dates say.`,
      holdings,
      answersLinked,
    }
  }
  const due = holdings.filter((h) => h.status === 'due')
  if (due.length > 0) {
    const first = due[0] as Holding
    return {
      state: 'due_for_deletion',
      rule: `${first.label}: kept until ${formatLongDate(first.keepUntil)}, so due for deletion from ${formatLongDate(first.deletionDueOn)}.`,
      holdings,
      answersLinked,
    }
  }
  if (holdings.every(isDeletedOrRequested)) {
    return {
      state: 'due_for_deletion',
      rule: holdings.every((h) => h.status === 'deleted')
        ? 'The address has been deleted from every holding, so the record itself is due to be erased.'
        : 'The address has been deleted, or its deletion requested, from every holding, so the record itself is due to be erased.',
      holdings,
      answersLinked,
    }
  }
  if (today <= policy.surveyClosesOn) {
    return {
      state: 'active',
      rule: `The survey runs until ${formatLongDate(policy.surveyClosesOn)}; the address is on the survey platform.`,
      holdings,
      answersLinked,
    }
  }
  const latest = holdings
    .filter((h) => h.status === 'held')
    .map((h) => h.keepUntil)
    .sort()
    .at(-1) as IsoDate
  return {
    state: 'retained',
    rule: `The survey closed on ${formatLongDate(policy.surveyClosesOn)}; the address is kept within its retention periods, the last ending ${formatLongDate(latest)}.`,
    holdings,
    answersLinked,
  }
}

/** A survey may be extended only within what the privacy notice allows. */
export function latestAllowedClose(originalCloseOn: IsoDate, allowedExtensionMonths: number): IsoDate {
  return addCalendarMonths(originalCloseOn, allowedExtensionMonths)
}

/** What a request learns of the record when it is confirmed; kept on the request as evidence. */
export interface RecordSnapshot {
  recordId: string | null
  takenOn: IsoDate
  state: RetentionState | 'no_record'
  rule: string
  answersLinked: boolean
  holdings: { key: HoldingKey; keepUntil: IsoDate; status: Holding['status'] }[]
}

export function snapshotOf(
  recordId: string | null,
  view: RetentionView | null,
  today: IsoDate,
): RecordSnapshot {
  if (!recordId || !view) {
    return {
      recordId: null,
      takenOn: today,
      state: 'no_record',
      rule: 'No email record of this address was found.',
      answersLinked: false,
      holdings: [],
    }
  }
  return {
    recordId,
    takenOn: today,
    state: view.state,
    rule: view.rule,
    answersLinked: view.answersLinked,
    holdings: view.holdings.map((h) => ({ key: h.key, keepUntil: h.keepUntil, status: h.status })),
  }
}

/**
 * When the record's state already answers a request, a short reason for the queue: nothing is
 * held, or the address is already gone.
 */
export function recordAnswer(snapshot: RecordSnapshot, erasedOn: IsoDate | null): string | null {
  if (snapshot.state === 'no_record') return 'no record of this address'
  if (snapshot.state === 'erased' && erasedOn) return `address erased on ${formatLongDate(erasedOn)}`
  return null
}

/** What an erasure deletes: holdings, and the address itself once no holding keeps it. */
export interface ErasurePlan {
  holdings: Holding[]
  eraseAddress: boolean
}

/**
 * The retention sweep deletes what is due; an erasure request deletes everything still held.
 * Either way the address goes once nothing is left that may keep it. Nothing is planned under a
 * restriction or for a record already erased.
 */
export function erasurePlan(view: RetentionView, scope: 'due' | 'everything'): ErasurePlan {
  if (view.state === 'restricted' || view.state === 'erased') return { holdings: [], eraseAddress: false }
  const holdings = view.holdings.filter((h) =>
    scope === 'due' ? h.status === 'due' : !isDeletedOrRequested(h),
  )
  const left = view.holdings.filter((h) => !isDeletedOrRequested(h) && !holdings.includes(h))
  return { holdings, eraseAddress: scope === 'everything' || left.every((h) => h.status !== 'held') }
}

/**
 * Which of a study's records the retention sweep must look at on `today`: a superset of those
 * with something due, narrow enough to find by their dates alone. Once the study's platform period
 * has run out, every record of it is due; before that, only a record whose voucher correspondence
 * was sent long enough ago, or whose platform copy has already gone (so that, with no voucher
 * left, the address itself is due).
 */
export type SweepScope =
  | { everyRecord: true }
  | {
      everyRecord: false
      /** A voucher sent on or before this date may be due (a few days early, to be safe). */
      voucherSentBy: IsoDate
    }

export function sweepScope(policy: RetentionPolicy, today: IsoDate): SweepScope {
  const platformDueOn = addDays(addCalendarMonths(policy.surveyClosesOn, policy.platformMonthsAfterClose), 1)
  if (today >= platformDueOn) return { everyRecord: true }
  // Counting the months back from today finds the last voucher date whose period is over (a month
  // end clamps the same way both ways); three days more cost little and keep the scope a superset.
  return {
    everyRecord: false,
    voucherSentBy: addDays(addCalendarMonths(today, -policy.voucherMonthsAfterSent), 3),
  }
}

/** Whether a record is within the sweep's scope: the rule the records repository puts into SQL. */
export function inSweepScope(scope: SweepScope, facts: RecordFacts): boolean {
  if (facts.erased) return false
  if (scope.everyRecord) return true
  const voucherHeld =
    facts.voucherSentOn !== null && facts.deletedHoldings.voucher_correspondence === undefined
  if (voucherHeld && (facts.voucherSentOn as IsoDate) <= scope.voucherSentBy) return true
  return facts.deletedHoldings.survey_platform !== undefined && !voucherHeld
}
