import { isTaskKind, rectificationDecisions, resolutionsFor } from '../domain/case-work.js'
import type { StoredEvent } from '../audit/events.js'
import { formatLondonDateTime, formatLongDate, isIsoDate } from '../domain/clock.js'
import type { RequestEventKind } from '../domain/request-events.js'
import { restrictionGrounds } from '../domain/request-types.js'
import { outcomes } from '../domain/request-lifecycle.js'
import { partGrounds } from '../domain/request-outcome.js'
import { refusalGrounds } from '../domain/refusals.js'

export interface StaffTimelineEntry {
  at: string
  /** When, in UK time in words. */
  when: string
  actor: string
  title: string
  detail?: string
}

/** A label for every kind of request event: a new kind without one fails the typecheck. */
export const staffEventTitles: Record<RequestEventKind, string> = {
  'request.submitted': 'Request submitted',
  'request.logged': 'Request logged by staff',
  'request.contact_purged': 'Contact details removed after the retention period',
  'request.case_text_removed': 'Case text removed after the retention period',
  'request.link_resent': 'Confirmation link sent again',
  'request.reminder_sent': 'Reminder to confirm sent',
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

/** How a request logged by staff reached the DPO, as the end of a sentence. */
const receivedBy: Record<string, string> = {
  email: 'received by email',
  post: 'received by post',
  phone: 'received by phone',
  in_person: 'received in person',
}

const objectionWords: Record<string, string> = {
  stopped: 'the processing has stopped',
  compelling_grounds: 'the processing continues on compelling legitimate grounds (Art. 21(1))',
  public_interest_research: 'the processing continues as research in the public interest (Art. 21(6))',
}

/** The title of one event: most kinds have one; a few say more from what the event recorded. */
function titleOf(event: StoredEvent, actor: string): string {
  if (!isRequestEventKind(event.kind)) return 'Recorded on the case'
  const data = event.data
  switch (event.kind) {
    case 'request.logged': {
      const how = typeof data.channel === 'string' ? receivedBy[data.channel] : undefined
      return `Logged by ${actor}${how ? ` (${how})` : ''}`
    }
    case 'request.confirmed':
      return data.identityEstablishedBy === 'staff'
        ? `Identity established by ${actor}; clock started`
        : 'Confirmed by the person from the emailed link; clock started'
    default:
      return staffEventTitles[event.kind]
  }
}

/** A date the event recorded, in words; nothing when it is not a date. */
function dateWords(value: unknown): string | undefined {
  return typeof value === 'string' && isIsoDate(value) ? formatLongDate(value) : undefined
}

function resolutionWords(kind: string | undefined, resolution: string): string | undefined {
  const allowed: Record<string, string> = resolutionsFor(isTaskKind(kind) ? kind : null)
  // A task with one way to resolve it says nothing more by naming it.
  if (Object.keys(allowed).length < 2) return undefined
  return Object.hasOwn(allowed, resolution) ? allowed[resolution] : undefined
}

const isRequestEventKind = (kind: string): kind is RequestEventKind => Object.hasOwn(staffEventTitles, kind)

/** The words for a recorded value, or nothing when it has none: a raw code is never shown. */
function wordsFor(words: Record<string, string>, value: string | undefined): string | undefined {
  return value && Object.hasOwn(words, value) ? words[value] : undefined
}

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
    case 'request.logged':
      return data.identity === 'established'
        ? 'Identity established when it was logged'
        : 'We emailed the person a link to confirm it'
    case 'request.closed_as_duplicate':
      return text('reference') && `Duplicate of ${text('reference') ?? ''}`
    case 'case.extended': {
      const due = dateWords(data.extendedDueOn)
      return due && `New deadline: ${due}`
    }
    case 'case.identity_received':
    case 'case.fee_received': {
      const on = dateWords(data.arrivedOn)
      const restarts = dateWords(data.clockRestartsOn)
      return on && `Arrived on ${on}${restarts ? `; the clock starts again from ${restarts}` : ''}`
    }
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
      const outcome = wordsFor(outcomes, text('outcome'))
      return outcome && `Outcome: ${outcome}`
    }
    case 'case.refused': {
      const ground = wordsFor(refusalGrounds, text('ground'))
      return ground && `Refused on the ground: ${ground}`
    }
    case 'case.rectification_decided': {
      const words = wordsFor(rectificationDecisions, text('decision'))
      const category = text('category') ?? ''
      const label = categoryLabels.get(category) ?? (category === 'email' ? 'Email address' : undefined)
      return label && words ? `${label}: ${words}` : words
    }
    case 'case.part_decided': {
      const words = wordsFor(partGrounds, text('ground'))
      const part = text('part') ?? ''
      const label = categoryLabels.get(part) ?? (part === 'email' ? 'Email address' : undefined)
      return label && words ? `${label}: ${words}` : words
    }
    case 'case.part_decision_withdrawn': {
      const part = text('part') ?? ''
      return categoryLabels.get(part) ?? (part === 'email' ? 'Email address' : undefined)
    }
    case 'case.objection_decided': {
      const words = wordsFor(objectionWords, text('decision'))
      return words && `Decision: ${words}`
    }
    case 'case.record_restricted': {
      const ground = text('ground')
      const article =
        ground && Object.hasOwn(restrictionGrounds, ground)
          ? restrictionGrounds[ground as keyof typeof restrictionGrounds].article
          : undefined
      const review = dateWords(data.reviewOn)
      return article && `On the ground in ${article}${review ? `; to be reviewed on ${review}` : ''}`
    }
    case 'case.restriction_lift_notified': {
      const from = dateWords(data.liftableFrom)
      return from && `It can be lifted from ${from}`
    }
    case 'case.search_logged': {
      const on = dateWords(data.searchedOn)
      return on && `Searched on ${on}`
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
      const actor = actorLabel(event, staffNames)
      return {
        at: event.occurredAt,
        when: formatLondonDateTime(event.occurredAt),
        actor,
        title: titleOf(event, actor),
        ...(detail ? { detail } : {}),
      }
    })
    .reverse()
}
