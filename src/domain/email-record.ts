import type { RecordFacts } from './retention.js'

/** One person's email address as a study holds it, with the facts its retention state comes from. */
export interface EmailRecord {
  id: string
  studyId: string
  email: string | null
  emailHmac: string
  participatedOn: string | null
  facts: RecordFacts
  restrictionGround: string | null
  restrictionReviewOn: string | null
  /** The day the person was told the restriction will be lifted (Art. 18(3)), if they were. */
  restrictionLiftNoticeOn?: string | null
  consentWithdrawnOn: string | null
  objection: { on: string; processing: string | null; decision: string | null } | null
  createdAt: string
  updatedAt: string
}
