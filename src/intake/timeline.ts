import type { StoredEvent } from '../audit/events.js'
import { formatLongDate, londonDate } from '../domain/clock.js'

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
      case 'request.unverified':
        entries.push({ date, title: 'Closed because it was not confirmed' })
        break
    }
  }
  return entries.reverse()
}
