import type { StoredEvent } from '../audit/events.js'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { refusalGrounds } from '../domain/refusals.js'
import { outcomes } from '../domain/request-lifecycle.js'

/** The staff timeline's words for a recorded value, so that both sides name it the same way. */
function wordsFor(words: Record<string, string>, value: unknown): string | undefined {
  return typeof value === 'string' && Object.hasOwn(words, value) ? words[value] : undefined
}

export interface TimelineEntry {
  date: string
  title: string
  description?: string
}

/** What the person sees of a request's history; staff-only events are left out. */
export function participantTimeline(events: StoredEvent[]): TimelineEntry[] {
  const entries: TimelineEntry[] = []
  for (const event of events) {
    const date = formatLongDate(londonDate(new Date(event.occurredAt)))
    switch (event.kind) {
      case 'request.submitted':
        entries.push({ date, title: 'Request sent', description: 'We emailed you a link to confirm it.' })
        break
      case 'request.link_resent':
        entries.push({ date, title: 'Confirmation link sent again' })
        break
      case 'request.confirmed': {
        const dueOn = typeof event.data.dueOn === 'string' ? formatLongDate(event.data.dueOn) : undefined
        entries.push({
          date,
          title: 'Request confirmed',
          description: dueOn ? `The time limit started. We must respond by ${dueOn}.` : undefined,
        })
        break
      }
      case 'request.closed_as_duplicate':
        entries.push({
          date,
          title: 'Closed as a duplicate',
          description: 'You already had an open request of this kind.',
        })
        break
      case 'request.withdrawn':
        entries.push({ date, title: 'You withdrew the request', description: 'The time limit stopped.' })
        break
      case 'case.asked_clarification':
        entries.push({
          date,
          title: 'We asked you a question',
          description: 'The time limit is paused until you reply.',
        })
        break
      case 'case.asked_identity':
        entries.push({
          date,
          title: 'We asked for proof of identity',
          description: 'The time limit starts again when it arrives.',
        })
        break
      case 'case.asked_fee':
        entries.push({
          date,
          title: 'We asked for a fee',
          description: 'The time limit starts again when it is paid.',
        })
        break
      case 'case.identity_received':
      case 'case.fee_received':
        entries.push({
          date,
          title: 'We received what we asked for',
          description: 'The time limit started again.',
        })
        break
      case 'case.person_replied':
        entries.push({
          date,
          title: 'You replied',
          description: event.data.resumed ? 'The time limit runs again.' : undefined,
        })
        break
      case 'case.extended': {
        const extendedDueOn =
          typeof event.data.extendedDueOn === 'string' ? formatLongDate(event.data.extendedDueOn) : undefined
        entries.push({
          date,
          title: 'We extended the time limit',
          description: extendedDueOn ? `We must now answer by ${extendedDueOn}.` : undefined,
        })
        break
      }
      case 'case.message_sent':
        entries.push({ date, title: 'We sent you a message' })
        break
      case 'case.completed': {
        const outcome = wordsFor(outcomes, event.data.outcome)
        entries.push({
          date,
          title: 'We answered your request',
          description: outcome ? `Outcome: ${outcome}.` : undefined,
        })
        break
      }
      case 'case.refused': {
        const ground = wordsFor(refusalGrounds, event.data.ground)
        entries.push({
          date,
          title: 'We refused your request',
          description: ground ? `Refused on the ground: ${ground}.` : undefined,
        })
        break
      }
      case 'case.closed_as_duplicate':
        entries.push({ date, title: 'Closed as a duplicate of another request' })
        break
      case 'case.closed_as_withdrawn':
        entries.push({ date, title: 'Closed because you withdrew it' })
        break
      case 'request.unverified':
        entries.push({ date, title: 'Closed because it was not confirmed' })
        break
      case 'case.reopened':
        entries.push({
          date,
          title: 'We reopened your request',
          description: 'We are working on it again. Our letter says when we will answer.',
        })
        break
    }
  }
  return entries.reverse()
}
