import type { RetentionPolicy } from './retention.js'

/** A configured study: who controls its data, its notice, and its retention rules. */
export interface Study {
  id: string
  slug: string
  title: string
  controllerName: string
  controllerAddress: string
  dpoEmail: string
  privacyNoticeText: string
  privacyNoticeDate: string
  surveyClosesOn: string
  surveyExtensionMonths: number
  platformRetentionMonths: number
  voucherRetentionMonths: number
  acceptingRequests: boolean
  /** Who receives the data, one recipient category per line. */
  recipients: string
  /** Whether the data goes outside the UK, and under what safeguards. */
  internationalTransfers: string
}

/** The study's retention rules, as the retention state is computed from them. */
export function retentionPolicyOf(study: Study): RetentionPolicy {
  return {
    surveyClosesOn: study.surveyClosesOn,
    platformMonthsAfterClose: study.platformRetentionMonths,
    voucherMonthsAfterSent: study.voucherRetentionMonths,
  }
}

/** What an administrator may change about a study: everything but its id and slug. */
export type StudyDetails = Omit<Study, 'id' | 'slug'>
