import {
  isTaskKind,
  rectificationDecisions,
  resolutionsFor,
  type RectificationDecision,
} from '../domain/case-work.js'
import type { StoredEvent } from '../audit/events.js'
import { formatLondonDateTime } from '../domain/clock.js'
import type { RequestEventKind } from '../domain/request-events.js'
import { outcomes, type Outcome } from '../domain/request-lifecycle.js'
import { partGrounds, type PartGround } from '../domain/request-outcome.js'
import { refusalGrounds, type RefusalGround } from '../domain/refusals.js'

export interface StaffTimelineEntry {
  at: string
  /** When, in UK time in words. */
  when: string
  actor: string
  title: string
  detail?: string
}

/** A label for every kind of request event: a new kind without one fails the typecheck. */
const titles: Record<RequestEventKind, string> = {
  'request.submitted': 'Request submitted',
  'request.logged': 'Request logged by staff',
  'request.contact_purged': 'Contact details removed after the retention period',
  'request.case_text_removed': 'Case text removed after the retention period',
  'request.link_resent': 'Confirmation link sent again',
  'request.confirmed': 'Confirmed by the person; clock started',
  'request.closed_as_duplicate': 'Closed as a duplicate',
  'request.withdrawn': 'Withdrawn by the person',
  'request.unverified': 'Closed as unverified; personal data removed',
  'request.status_link_sent': 'Status link sent to the person',
  'case.assigned': 'Assigned',
  'case.unassigned': 'Unassigned',
  'case.asked_clarification': 'Asked for clarification; clock paused',
  'case.asked_identity': 'Asked for proof of identity; clock stopped',
  'case.asked_fee': 'Asked for a fee; clock stopped',
  'case.identity_received': 'Proof of identity received; clock restarted',
  'case.fee_received': 'Fee received; clock restarted',
  'case.person_replied': 'The person replied',
  'case.extended': 'Time limit extended; notice sent',
  'case.message_sent': 'Message sent',
  'case.refused': 'Refused; letter sent',
  'case.completed': 'Completed; answer sent',
  'case.closed_as_duplicate': 'Closed as a duplicate',
  'case.closed_as_withdrawn': 'Closed as withdrawn',
  'case.note_added': 'Internal note added',
  'case.address_rectified': 'Email address corrected on the record',
  'case.consent_withdrawn': 'Consent recorded as withdrawn',
  'case.objection_decided': 'Decision on the objection recorded',
  'case.restriction_lift_notified': 'Told the person the restriction will be lifted (Art. 18(3))',
  'case.search_logged': 'Search for the access answer logged',
  'case.part_decided': 'Part of the request kept back, with its ground',
  'case.rectification_decided': 'Decision on a correction recorded',
  'case.part_decision_withdrawn': 'Decision to keep part of the request back withdrawn',
  'case.record_erased': 'Email address erased from the record',
  'case.record_restricted': 'Email record restricted',
  'case.restriction_lifted': 'Person told; restriction lifted',
  'case.task_added': 'Task added',
  'case.task_done': 'Task done',
  'case.reopened': 'Reopened; the person was told',
  'case.answer_prepared': 'Answer prepared (draft)',
  'case.file_attached': 'File attached to the answer',
  'case.file_removed': 'File removed from the answer',
  'case.file_viewed': 'Answer file opened by staff',
  'download.fetched': 'The person downloaded the answer',
}

function resolutionWords(kind: string | undefined, resolution: string): string | undefined {
  const allowed: Record<string, string> = resolutionsFor(isTaskKind(kind) ? kind : null)
  // A task with one way to resolve it says nothing more by naming it.
  if (Object.keys(allowed).length < 2) return undefined
  return Object.hasOwn(allowed, resolution) ? allowed[resolution] : undefined
}

const isRequestEventKind = (kind: string): kind is RequestEventKind => Object.hasOwn(titles, kind)

function actorLabel(event: StoredEvent, staffNames: Map<string, string>): string {
  switch (event.actor.type) {
    case 'participant':
      return 'The person'
    case 'system':
      return 'The portal'
    case 'staff':
      return (event.actor.id && staffNames.get(event.actor.id)) ?? 'Staff'
  }
}

function eventDetail(
  event: StoredEvent,
  taskTitles: Map<string, string>,
  categoryLabels: Map<string, string>,
): string | undefined {
  const data = event.data
  const text = (key: string) => (typeof data[key] === 'string' ? data[key] : undefined)
  switch (event.kind) {
    case 'request.confirmed':
      return text('rule')
    case 'request.closed_as_duplicate':
      return text('reference') && `Duplicate of ${text('reference') ?? ''}`
    case 'case.extended':
      return text('extendedDueOn') && `New deadline ${text('extendedDueOn') ?? ''}`
    case 'case.person_replied':
      return typeof data.pausedDays === 'number'
        ? `${data.pausedDays} ${data.pausedDays === 1 ? 'day' : 'days'} paused`
        : undefined
    // The title is read from the task, where it is minimised with the case, never from the trail.
    case 'case.task_added':
    case 'case.task_done': {
      const taskId = text('taskId')
      const title = taskId && taskTitles.get(taskId)
      const resolution = text('resolution')
      const how = resolution ? resolutionWords(text('kind'), resolution) : undefined
      return title && how ? `${title} — ${how}` : title
    }
    case 'case.completed': {
      const outcome = text('outcome')
      return outcome && Object.hasOwn(outcomes, outcome) ? outcomes[outcome as Outcome] : outcome
    }
    case 'case.refused': {
      const ground = text('ground')
      return ground && Object.hasOwn(refusalGrounds, ground)
        ? refusalGrounds[ground as RefusalGround]
        : ground
    }
    case 'case.rectification_decided': {
      const decision = text('decision')
      const words =
        decision && Object.hasOwn(rectificationDecisions, decision)
          ? rectificationDecisions[decision as RectificationDecision]
          : decision
      const category = text('category') ?? ''
      return `${categoryLabels.get(category) ?? category}: ${words ?? ''}`
    }
    case 'case.part_decided': {
      const ground = text('ground')
      const words = ground && Object.hasOwn(partGrounds, ground) ? partGrounds[ground as PartGround] : ground
      return `${text('part') ?? ''}: ${words ?? ''}`
    }
    case 'case.closed_as_duplicate':
      return text('reference') ? `Duplicate of ${text('reference') ?? ''}` : text('note')
    case 'case.closed_as_withdrawn':
      return text('note')
    case 'case.reopened':
      return text('reason')
    default:
      return undefined
  }
}

/**
 * Every event on a case, newest first, in words a case handler reads at a glance; tasks are named
 * by their titles on the case, by task id.
 */
export function staffTimeline(
  events: StoredEvent[],
  staffNames = new Map<string, string>(),
  taskTitles = new Map<string, string>(),
  /** The study's data categories by key, for events that name one. */
  categoryLabels = new Map<string, string>(),
): StaffTimelineEntry[] {
  return events
    .map((event) => {
      const detail = eventDetail(event, taskTitles, categoryLabels)
      return {
        at: event.occurredAt,
        when: formatLondonDateTime(event.occurredAt),
        actor: actorLabel(event, staffNames),
        title: isRequestEventKind(event.kind) ? titles[event.kind] : event.kind,
        ...(detail ? { detail } : {}),
      }
    })
    .reverse()
}
