import type { StoredEvent } from '../audit/events.js'

export interface StaffTimelineEntry {
  at: string
  actor: string
  title: string
  detail?: string
}

const titles: Record<string, string> = {
  'request.submitted': 'Request submitted',
  'request.link_resent': 'Confirmation link sent again',
  'request.confirmed': 'Confirmed by the person; clock started',
  'request.closed_as_duplicate': 'Closed as a duplicate',
  'request.withdrawn': 'Withdrawn by the person',
  'request.unverified': 'Closed as unverified; personal data removed',
  'request.status_link_sent': 'Status link sent to the person',
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

/** Every event on a case, newest first, in words a case handler reads at a glance. */
export function staffTimeline(
  events: StoredEvent[],
  staffNames = new Map<string, string>(),
): StaffTimelineEntry[] {
  return events
    .map((event) => {
      const detail =
        event.kind === 'request.confirmed' && typeof event.data.rule === 'string'
          ? event.data.rule
          : event.kind === 'request.closed_as_duplicate' && typeof event.data.reference === 'string'
            ? `Duplicate of ${event.data.reference}`
            : undefined
      return {
        at: event.occurredAt,
        actor: actorLabel(event, staffNames),
        title: titles[event.kind] ?? event.kind,
        ...(detail ? { detail } : {}),
      }
    })
    .reverse()
}
