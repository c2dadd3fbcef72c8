import type { StoredEvent } from '../audit/events.js'
import { formatLondonDateTime, formatLongDate, londonDate } from '../domain/clock.js'
import {
  complaintOutcomes,
  complaintStatusInfo,
  complaintSubjects,
  type Complaint,
  type ComplaintClock,
} from '../domain/complaint.js'
import type { Study } from '../domain/study.js'
import type { ComplaintMessage } from './repo.js'

/** The person's status page of a complaint, in their words: built here, laid out by the view. */

export interface ComplaintTimelineEntry {
  date: string
  title: string
  description?: string
}

const dateOf = (event: StoredEvent) => formatLongDate(londonDate(new Date(event.occurredAt)))
const dateIn = (data: Record<string, unknown>, key: string) =>
  typeof data[key] === 'string' ? formatLongDate(data[key]) : undefined

/** What the person sees of a complaint's history, newest first; staff-only events are left out. */
export function complaintTimeline(events: StoredEvent[]): ComplaintTimelineEntry[] {
  const entries: ComplaintTimelineEntry[] = []
  for (const event of events) {
    const date = dateOf(event)
    switch (event.kind) {
      case 'complaint.submitted':
        entries.push({ date, title: 'Complaint sent', description: 'We emailed you a link to confirm it.' })
        break
      case 'complaint.logged':
        entries.push({ date, title: 'We recorded your complaint' })
        break
      case 'complaint.confirmed': {
        const dueOn = dateIn(event.data, 'acknowledgementDueOn')
        entries.push({
          date,
          title: 'Complaint confirmed',
          description: dueOn ? `We must acknowledge it by ${dueOn}.` : undefined,
        })
        break
      }
      case 'complaint.acknowledged':
        entries.push({ date, title: 'We acknowledged your complaint', description: 'We sent you a letter.' })
        break
      case 'complaint.update_sent':
        entries.push({ date, title: 'We sent you an update on our progress' })
        break
      case 'complaint.message_sent':
        entries.push({ date, title: 'We sent you a message' })
        break
      case 'complaint.person_replied':
        entries.push({ date, title: 'You replied' })
        break
      case 'complaint.closed':
        entries.push({ date, title: 'We told you the outcome', description: 'The complaint is closed.' })
        break
      case 'complaint.reopened':
        entries.push({
          date,
          title: 'We reopened your complaint',
          description: 'We are looking at it again.',
        })
        break
      case 'complaint.lapsed':
        entries.push({
          date,
          title: 'Closed because it was not confirmed',
          description: 'We deleted what you sent us.',
        })
        break
      case 'complaint.contact_removed':
        entries.push({ date, title: 'We deleted your contact details' })
        break
    }
  }
  return entries.reverse()
}

/** The complaint at a glance: what it is about, when it arrived, where it stands. */
export function complaintSummaryRows(input: {
  complaint: Complaint
  study: Study | undefined
  requestReference: string | null
}): { key: string; value: string }[] {
  const { complaint } = input
  const rows = [
    { key: 'Reference', value: complaint.reference ?? 'Given when you confirm the complaint' },
    { key: 'About', value: complaintSubjects[complaint.subject].label },
  ]
  if (input.requestReference) rows.push({ key: 'Request', value: input.requestReference })
  if (input.study) rows.push({ key: 'Study', value: input.study.title })
  const sentOn = complaint.receivedOn ?? londonDate(new Date(complaint.createdAt))
  rows.push({ key: 'Sent on', value: formatLongDate(sentOn) })
  rows.push({ key: 'Status', value: complaintStatusInfo[complaint.status].label })
  if (complaint.acknowledgedOn) {
    rows.push({ key: 'Acknowledged on', value: formatLongDate(complaint.acknowledgedOn) })
  } else if (complaint.status === 'open' && complaint.acknowledgementDueOn) {
    rows.push({ key: 'We will acknowledge it by', value: formatLongDate(complaint.acknowledgementDueOn) })
  }
  if (complaint.status === 'open' && complaint.responseTargetOn) {
    rows.push({
      key: 'We aim to tell you the outcome by',
      value: `${formatLongDate(complaint.responseTargetOn)} (our target)`,
    })
  }
  if (complaint.status === 'closed') {
    if (complaint.outcome) rows.push({ key: 'Outcome', value: complaintOutcomes[complaint.outcome] })
    if (complaint.closedOn) rows.push({ key: 'Closed on', value: formatLongDate(complaint.closedOn) })
  }
  return rows
}

/** How the acknowledgement date was worked out, and what the target means, while it is open. */
export function clockParagraphs(complaint: Complaint, clock: ComplaintClock | null): string[] {
  if (!clock || complaint.status !== 'open') return []
  return [
    clock.explanation,
    'The law says we must acknowledge a complaint within 30 days of receiving it. The date for the outcome is our own target, not a legal deadline: if we need longer, we will tell you why and keep you informed.',
  ]
}

export interface ComplaintMessageRow {
  fromPerson: boolean
  heading: string
  subject: string | null
  body: string
}

/** The messages both ways, as the person reads them, oldest first. */
export function complaintMessageRows(messages: ComplaintMessage[]): ComplaintMessageRow[] {
  return messages.map((m) => ({
    fromPerson: m.direction === 'from_person',
    heading: `${m.direction === 'from_person' ? 'You wrote' : 'We wrote'} on ${formatLondonDateTime(m.createdAt)}`,
    subject: m.subject,
    body: m.body,
  }))
}
