import { londonDate, responseDeadline } from '../../src/domain/clock.js'
import type { PauseKind } from '../../src/domain/case-clock.js'
import type { RequestStatus } from '../../src/domain/request-status.js'
import type { RequestType } from '../../src/domain/request-types.js'
import type { RecordSnapshot } from '../../src/domain/retention.js'
import type { RequestRow } from '../../src/requests/repo.js'
import { newId } from '../../src/security/tokens.js'

export interface RequestRowInput {
  id?: string
  reference?: string | null
  type?: RequestType
  status?: RequestStatus
  /** UTC instant; received_on is its London date. */
  receivedAt: string
  /** Defaults to the London date received; null for a request never confirmed. */
  clockStartOn?: string | null
  confirmed?: boolean
  extended?: boolean
  pausedDays?: number
  pause?: { kind: PauseKind; since: string } | null
  closedAt?: string | null
  outcome?: string | null
  outcomeReason?: string | null
  assigneeId?: string | null
  duplicateOf?: string | null
  recordId?: string | null
  snapshotState?: RecordSnapshot['state'] | null
  email?: string | null
  name?: string | null
}

/**
 * A request row as the portal would have stored it, for inserting many at once: the deadline
 * columns follow the statutory clock, the rest take plain defaults.
 */
export function requestRow(studyId: string, input: RequestRowInput): RequestRow {
  const type = input.type ?? 'access'
  const receivedOn = londonDate(new Date(input.receivedAt))
  const confirmed = input.confirmed ?? true
  const clockStartOn = input.clockStartOn === undefined ? (confirmed ? receivedOn : null) : input.clockStartOn
  const extended = input.extended ?? false
  const pausedDays = input.pausedDays ?? 0
  const due = clockStartOn ? responseDeadline({ start: clockStartOn, extended, pausedDays }).due : null
  const snapshot: RecordSnapshot | null = input.snapshotState
    ? {
        recordId: input.recordId ?? null,
        takenOn: receivedOn,
        state: input.snapshotState,
        rule: '',
        answersLinked: false,
        holdings: [],
      }
    : null
  return {
    id: input.id ?? newId(),
    study_id: studyId,
    reference: input.reference ?? null,
    type,
    status: input.status ?? (confirmed ? 'received' : 'unconfirmed'),
    channel: 'web',
    email: input.email ?? null,
    email_hmac: null,
    requester_name: input.name ?? null,
    details: JSON.stringify({ type }),
    received_at: input.receivedAt,
    received_on: receivedOn,
    confirmed_at: confirmed ? input.receivedAt : null,
    clock_start_on: clockStartOn,
    due_on: due,
    extended_due_on: extended ? due : null,
    paused_days: pausedDays,
    closed_at: input.closedAt ?? null,
    close_reason: null,
    duplicate_of: input.duplicateOf ?? null,
    assignee_id: input.assigneeId ?? null,
    extended,
    extension_reason: extended ? 'Complex' : null,
    pause_kind: input.pause?.kind ?? null,
    paused_since: input.pause?.since ?? null,
    outcome: input.outcome ?? null,
    outcome_reason: input.outcomeReason ?? null,
    record_answer: null,
    record_id: input.recordId ?? null,
    record_snapshot: snapshot ? JSON.stringify(snapshot) : null,
    version: 1,
    created_at: input.receivedAt,
    updated_at: input.receivedAt,
  }
}
