import type { CaseTextRemoved } from './case-retention.js'
import type { IsoDate, RulesRegime } from './clock.js'
import type { RequestStatus } from './request-status.js'
import type { RetentionState } from './retention.js'

/**
 * Every event recorded with a rights request as its subject, with the payload it carries. The
 * lifecycle and the case actions write these; the staff and participant timelines read them, so
 * a kind added here without a label fails the typecheck.
 */
export type RequestEvent =
  | {
      kind: 'request.submitted'
      data: { type: string; studyId: string; channel: string; emailHmac: string | null }
    }
  | {
      kind: 'request.logged'
      data: {
        type: string
        studyId: string
        channel: string
        receivedOn: IsoDate
        identity: 'send_link' | 'established'
        emailHmac: string | null
      }
    }
  | { kind: 'request.link_resent'; data: Record<string, never> }
  /** The one reminder to confirm, with a new link that expires when the one it replaces did. */
  | { kind: 'request.reminder_sent'; data: Record<string, never> }
  | { kind: 'request.status_link_sent'; data: Record<string, never> }
  | {
      kind: 'request.confirmed'
      data: {
        reference: string
        clockStartOn: IsoDate
        recordId: string | null
        recordState: RetentionState | 'no_record'
        identityEstablishedBy: 'email_link' | 'staff'
        identityNoteId?: string
        dueOn: IsoDate
        rule: string
        regime: RulesRegime
      }
    }
  | { kind: 'request.closed_as_duplicate'; data: { duplicateOf: string; reference: string | null } }
  | {
      kind: 'request.withdrawn'
      data: { reference: string | null; withdrawnOn: IsoDate; draftsDiscarded?: number }
    }
  | { kind: 'request.unverified'; data: { personalDataRemoved: string[] } }
  | { kind: 'request.contact_purged'; data: Record<string, unknown> }
  /** A closed case's free text replaced by a marker; the trail keeps how many of each, no text. */
  | {
      kind: 'request.case_text_removed'
      data: { removed: CaseTextRemoved; closedOn: IsoDate; keptUntil: IsoDate; retentionMonths: number }
    }
  | { kind: 'case.assigned'; data: { assigneeId: string } }
  | { kind: 'case.unassigned'; data: { assigneeId: null } }
  | {
      kind: 'case.asked_clarification' | 'case.asked_identity' | 'case.asked_fee'
      data: { askedOn: IsoDate; clockEffect: 'paused' | 'stopped' }
    }
  | {
      kind: 'case.identity_received' | 'case.fee_received'
      data: { arrivedOn: IsoDate; clockRestartsOn: IsoDate; note: string | null }
    }
  | { kind: 'case.person_replied'; data: { resumed: boolean; pausedDays?: number } }
  | { kind: 'case.extended'; data: { extendedDueOn: IsoDate; noticeBy: IsoDate; notifiedOn: IsoDate } }
  | { kind: 'case.message_sent'; data: Record<string, never> }
  | {
      kind: 'case.refused'
      data: { ground: string; answeredOn: IsoDate; dueOn: IsoDate | null; draftsDiscarded?: number }
    }
  | {
      kind: 'case.completed'
      data: {
        outcome: string
        answeredOn: IsoDate
        dueOn: IsoDate | null
        onTime: boolean | null
        filesPublished?: number
        /** Each part of the request and what became of it; a kept part names its ground. */
        parts?: { part: string; state: string; ground?: string }[]
      }
    }
  | {
      kind: 'case.closed_as_duplicate'
      data: { duplicateOf: string; reference: string | null; note: string | null; draftsDiscarded?: number }
    }
  | { kind: 'case.closed_as_withdrawn'; data: { note: string; draftsDiscarded?: number } }
  | {
      kind: 'case.reopened'
      data: { previousStatus: RequestStatus; status: RequestStatus; reason: string; dueOn: IsoDate | null }
    }
  | { kind: 'case.note_added'; data: { noteId: string } }
  /** The title stays in the task, where it is minimised with the case; the trail keeps the id. */
  | { kind: 'case.task_added'; data: { taskId: string; kind?: string } }
  /** A task ticked off; a task the rights rules made also says how it was resolved. */
  | { kind: 'case.task_done'; data: { taskId: string; kind?: string; resolution?: string } }
  /**
   * A decision on one category a rectification names: corrected (with the task that corrects it
   * where the portal cannot), accurate (the reasons stay in the decision), or completed by the
   * person's supplementary statement (which stays with the record).
   */
  | {
      kind: 'case.rectification_decided'
      data: {
        category: string
        decision: string
        taskId?: string
        decisionId?: string
        supplementId?: string
      }
    }
  | { kind: 'case.address_rectified'; data: { recordId: string } }
  | { kind: 'case.consent_withdrawn'; data: { recordId: string } }
  | { kind: 'case.objection_decided'; data: { decision: string } }
  /** A part of the request kept back on a ground; the reasons stay in the decision, not the trail. */
  | { kind: 'case.part_decided'; data: { decisionId: string; part: string; ground: string } }
  | { kind: 'case.part_decision_withdrawn'; data: { part: string } }
  /** A search for an access answer; where and what was found stay in the search log, not the trail. */
  | { kind: 'case.search_logged'; data: { searchId: string; searchedOn: IsoDate } }
  | { kind: 'case.record_erased'; data: { recordId: string; erasedOn: IsoDate } }
  | { kind: 'case.record_restricted'; data: { recordId: string; ground: string; reviewOn: IsoDate } }
  | {
      kind: 'case.restriction_lift_notified'
      data: { recordId: string; noticeOn: IsoDate; liftableFrom: IsoDate }
    }
  | {
      kind: 'case.restriction_lifted'
      data: { recordId: string; noticeOn?: IsoDate | null; agreedEarly?: boolean }
    }
  | { kind: 'case.answer_prepared'; data: Record<string, unknown> }
  | { kind: 'case.file_attached'; data: Record<string, unknown> }
  | { kind: 'case.file_removed'; data: Record<string, unknown> }
  | { kind: 'case.file_viewed'; data: Record<string, unknown> }
  | { kind: 'download.fetched'; data: Record<string, unknown> }

export type RequestEventKind = RequestEvent['kind']

/** Events about everything else the portal keeps: email records, staff, studies, settings, exports. */
export const otherEventKinds = [
  'audit.trail_exported',
  'complaint.submitted',
  'complaint.confirmed',
  'complaint.logged',
  'complaint.acknowledged',
  'complaint.assigned',
  'complaint.update_sent',
  'complaint.message_sent',
  'complaint.person_replied',
  'complaint.note_added',
  'complaint.closed',
  'complaint.reopened',
  'complaint.lapsed',
  'complaint.contact_removed',
  'audit.verified',
  'downloads.expired_removed',
  'export.complaint_log',
  'export.identities_included',
  'export.request_log',
  'mail.minimised',
  'record.address_rectified',
  'record.consent_withdrawn',
  'record.downloads_revoked',
  'record.erased',
  'record.holding_deleted',
  'record.objection_decided',
  'record.restricted',
  'record.restriction_lift_notified',
  'record.restriction_lifted',
  'record.task_done',
  'records.imported',
  'settings.changed',
  'settings.template_changed',
  'settings.template_reset',
  'staff.first_admin_created',
  'staff.locked_out',
  'staff.lockout_reset',
  'staff.login',
  'staff.login_failed',
  'staff.logout',
  'staff.notifications_changed',
  'staff.password_link_sent',
  'staff.password_reset',
  'staff.password_set',
  'staff.role_changed',
  'staff.two_factor_reset',
  'staff.two_factor_disabled',
  'staff.two_factor_enabled',
  'staff.two_factor_failed',
  'staff.two_factor_passed',
  'staff.unlocked',
  'staff.user_disabled',
  'staff.user_enabled',
  'staff.user_created',
  'staff.user_invited',
  'study.category_added',
  'study.category_removed',
  'study.category_updated',
  'study.updated',
] as const

/** Every kind of event the audit trail holds: the event writer takes no other. */
export type EventKind = RequestEventKind | (typeof otherEventKinds)[number]
