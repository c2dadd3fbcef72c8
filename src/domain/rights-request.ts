import type { PauseKind } from './case-clock.js'
import type { RequestDetails, RequestType } from './request-types.js'
import type { RequestStatus } from './request-status.js'
import type { RecordSnapshot } from './retention.js'
import type { PostalAddress } from './postal-address.js'

/** A rights request as the domain sees it; how it is stored is the requests repository's business. */
export interface RightsRequest {
  id: string
  studyId: string
  reference: string | null
  type: RequestType
  status: RequestStatus
  channel: string
  email: string | null
  emailHmac: string | null
  requesterName: string | null
  /** Where letters are posted when there is no email address (a request received by post or phone). */
  postalAddress?: PostalAddress | null
  details: RequestDetails | null
  receivedAt: string
  receivedOn: string
  confirmedAt: string | null
  clockStartOn: string | null
  dueOn: string | null
  extendedDueOn: string | null
  pausedDays: number
  closedAt: string | null
  closeReason: string | null
  duplicateOf: string | null
  assigneeId: string | null
  extended: boolean
  extensionReason: string | null
  pause: { kind: PauseKind; since: string } | null
  outcome: string | null
  outcomeReason: string | null
  /** Why the email record's state already answers the request, when it does. */
  recordAnswer: string | null
  recordId: string | null
  recordSnapshot: RecordSnapshot | null
  version: number
  createdAt: string
  updatedAt: string
}
