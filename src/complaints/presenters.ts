import type { Tag } from '../answers/presenters.js'
import type { StoredEvent } from '../audit/events.js'
import { formatLondonDateTime, formatLongDate, type IsoDate } from '../domain/clock.js'
import {
  acknowledgementState,
  complaintChannels,
  complaintClock,
  complaintStatusInfo,
  complaintSubjects,
  type Complaint,
} from '../domain/complaint.js'
import { outcomeLabel } from '../domain/complaint-handling.js'
import { describeDaysLeft } from '../domain/queue.js'
import type { ComplaintMessage, ComplaintNote } from './repo.js'
import type { ComplaintQueueRow, ComplaintQueueTab } from './queue.js'

/** Pure functions from complaints to the rows and labels of the staff pages. */

export interface SummaryRow {
  key: string
  value?: string
  tag?: Tag
  note?: string
  actions?: { href: string; text: string; visuallyHiddenText?: string }[]
}

/** Where the acknowledgement stands, as a tag and the words beside it. */
export function acknowledgementTag(
  complaint: Pick<Complaint, 'acknowledgementDueOn' | 'acknowledgedOn' | 'status'>,
  today: IsoDate,
): { tag: Tag | null; text: string } {
  if (!complaint.acknowledgementDueOn) return { tag: null, text: '–' }
  const state = acknowledgementState(
    { acknowledgementDueOn: complaint.acknowledgementDueOn },
    complaint.acknowledgedOn,
    today,
  )
  switch (state.state) {
    case 'acknowledged':
      return {
        tag: state.onTime ? null : { text: 'Acknowledged late', classes: 'govuk-tag--orange' },
        text: `Acknowledged ${formatLongDate(state.on)}`,
      }
    case 'overdue':
      return complaint.status === 'open'
        ? {
            tag: { text: describeDaysLeft(-state.daysLate), classes: 'govuk-tag--red' },
            text: `Due ${formatLongDate(state.dueOn)}`,
          }
        : { tag: null, text: `Not acknowledged (was due ${formatLongDate(state.dueOn)})` }
    case 'due':
      return {
        tag:
          state.daysLeft <= 7
            ? {
                text:
                  state.daysLeft === 0
                    ? 'Due today'
                    : `Due soon: ${describeDaysLeft(state.daysLeft).toLowerCase()}`,
                classes: 'govuk-tag--yellow',
              }
            : null,
        text: `Due ${formatLongDate(state.dueOn)}${state.daysLeft > 7 ? ` (${describeDaysLeft(state.daysLeft).toLowerCase()})` : ''}`,
      }
  }
}

export interface ComplaintQueueRowView {
  id: string
  reference: string
  href: string
  subject: string
  studyTitle: string
  received: string
  channel: string
  acknowledgement: { tag: Tag | null; text: string }
  responseTarget: string
  closed: string | null
  outcome: string | null
  assigneeName: string
  request: { reference: string; href: string } | null
}

export function complaintQueueRows(
  rows: ComplaintQueueRow[],
  options: {
    tab: ComplaintQueueTab
    today: IsoDate
    hrefOf: (id: string) => string
    caseHrefOf: (requestId: string) => string
  },
): ComplaintQueueRowView[] {
  return rows.map((row) => ({
    id: row.id,
    reference: row.reference ?? 'Not confirmed',
    href: options.hrefOf(row.id),
    subject: complaintSubjects[row.subject].label,
    studyTitle: row.studyTitle ?? 'No particular study',
    received: row.receivedOn ? formatLongDate(row.receivedOn) : '–',
    channel: complaintChannels[row.channel],
    acknowledgement: acknowledgementTag(row, options.today),
    responseTarget: row.responseTargetOn ? formatLongDate(row.responseTargetOn) : '–',
    closed: row.closedOn ? formatLongDate(row.closedOn) : null,
    outcome: outcomeLabel(row.outcome),
    assigneeName: row.assigneeName ?? 'Nobody',
    request:
      row.requestId && row.requestReference
        ? { reference: row.requestReference, href: options.caseHrefOf(row.requestId) }
        : null,
  }))
}

/** The complaint's clock in words: how the acknowledgement date was worked out, and the target. */
export function complaintClockText(
  complaint: Pick<Complaint, 'receivedOn' | 'responseTargetOn'>,
): string | null {
  if (!complaint.receivedOn) return null
  const { explanation } = complaintClock(complaint.receivedOn)
  const target = complaint.responseTargetOn
    ? ` We aim to give the outcome by ${formatLongDate(complaint.responseTargetOn)}: that is our own target for a response without undue delay, not a statutory deadline.`
    : ''
  return `${explanation}${target}`
}

/** The summary's acknowledgement: when it was sent and whether on time, or how near its due date is. */
function acknowledgementRow(
  complaint: Pick<Complaint, 'acknowledgementDueOn' | 'acknowledgedOn' | 'status'>,
  today: IsoDate,
): SummaryRow {
  const key = 'Acknowledgement'
  if (!complaint.acknowledgementDueOn) return { key, value: 'Not yet: the clock starts when it is confirmed' }
  const due = formatLongDate(complaint.acknowledgementDueOn)
  if (complaint.acknowledgedOn) {
    const onTime = complaint.acknowledgedOn <= complaint.acknowledgementDueOn
    return {
      key,
      value: `Acknowledged ${formatLongDate(complaint.acknowledgedOn)}`,
      note: `${onTime ? 'On time' : 'Late'}: it was due by ${due}.`,
    }
  }
  if (complaint.status !== 'open') return { key, value: 'Not acknowledged', note: `It was due by ${due}.` }
  const { tag } = acknowledgementTag(complaint, today)
  return tag ? { key, tag, note: `Due by ${due}.` } : { key, value: `Due by ${due}` }
}

/** The complaint's summary: what it is about, how and when it came, the clock, who handles it. */
export function complaintSummaryRows(input: {
  complaint: Complaint
  today: IsoDate
  /** Shows the person's name and address, for roles that may see requester identities. */
  showIdentity: boolean
  studyTitle: string | null
  assigneeName: string | null
  request: { reference: string; href: string } | null
}): SummaryRow[] {
  const { complaint } = input
  const rows: SummaryRow[] = [
    { key: 'Subject', value: complaintSubjects[complaint.subject].label },
    { key: 'Study', value: input.studyTitle ?? 'Not about a particular study' },
    { key: 'Channel', value: complaintChannels[complaint.channel] },
    {
      key: 'Received',
      value: complaint.receivedOn ? formatLongDate(complaint.receivedOn) : 'Not yet confirmed',
    },
    acknowledgementRow(complaint, input.today),
    {
      key: 'Response target',
      value: complaint.responseTargetOn ? formatLongDate(complaint.responseTargetOn) : '–',
      note: 'Our own target, not a statutory deadline.',
    },
    { key: 'Assigned to', value: input.assigneeName ?? 'Nobody' },
  ]
  if (input.request) {
    rows.push({
      key: 'About request',
      value: input.request.reference,
      actions: [
        { href: input.request.href, text: 'Open its case', visuallyHiddenText: input.request.reference },
      ],
    })
  }
  if (input.showIdentity) {
    rows.push({
      key: 'The person',
      value: complaint.contactRemovedAt
        ? 'Contact details removed'
        : [complaint.requesterName, complaint.email ?? 'No email address: letters are posted']
            .filter(Boolean)
            .join(' – '),
    })
  }
  if (complaint.closedOn) {
    rows.push({
      key: 'Closed',
      value: `${formatLongDate(complaint.closedOn)}${complaint.outcome ? ` – ${outcomeLabel(complaint.outcome) ?? ''}` : ''}`,
      ...(complaint.outcomeChanges ? { note: `What will change: ${complaint.outcomeChanges}` } : {}),
    })
  }
  return rows
}

export function complaintStatusTag(complaint: Pick<Complaint, 'status'>): Tag {
  const info = complaintStatusInfo[complaint.status]
  return { text: info.label, classes: info.tagClass }
}

export interface ComplaintMessageRow {
  fromPerson: boolean
  heading: string
  kind: string
  subject: string | null
  body: string
}

const kindLabels: Record<ComplaintMessage['kind'], string> = {
  acknowledgement: 'Acknowledgement',
  update: 'Progress update',
  outcome: 'Outcome',
  message: 'Message',
  reply: 'Reply',
}

/** Letters to the person and their replies, oldest first, signed and dated in UK time. */
export function complaintMessageRows(
  messages: ComplaintMessage[],
  staffNames: ReadonlyMap<string, string>,
): ComplaintMessageRow[] {
  return messages.map((m) => ({
    fromPerson: m.direction === 'from_person',
    heading: `${
      m.direction === 'from_person'
        ? 'From the person'
        : `To the person, from ${m.authorId ? (staffNames.get(m.authorId) ?? 'Staff') : 'the portal'}`
    }, ${formatLondonDateTime(m.createdAt)}`,
    kind: kindLabels[m.kind],
    subject: m.subject,
    body: m.body,
  }))
}

export function complaintNoteRows(
  notes: ComplaintNote[],
  staffNames: ReadonlyMap<string, string>,
): { heading: string; body: string }[] {
  return notes.map((n) => ({
    heading: `${n.authorId ? (staffNames.get(n.authorId) ?? 'Staff') : 'The portal'}, ${formatLondonDateTime(n.createdAt)}`,
    body: n.body,
  }))
}

const eventTitles: Record<string, string> = {
  'complaint.submitted': 'Complaint made through the online form',
  'complaint.confirmed': 'Confirmed by the person; acknowledgement clock started',
  'complaint.logged': 'Complaint logged by staff',
  'complaint.acknowledged': 'Acknowledged',
  'complaint.assigned': 'Assigned',
  'complaint.update_sent': 'Progress update sent',
  'complaint.message_sent': 'Message sent',
  'complaint.person_replied': 'The person replied',
  'complaint.note_added': 'Internal note added',
  'complaint.closed': 'Closed with an outcome; letter sent',
  'complaint.reopened': 'Reopened',
  'complaint.lapsed': 'Never confirmed; details removed',
  'complaint.contact_removed': 'Contact details removed after the retention period',
}

export interface ComplaintTimelineEntry {
  when: string
  actor: string
  title: string
  detail?: string
}

function actorLabel(event: StoredEvent, staffNames: ReadonlyMap<string, string>): string {
  switch (event.actor.type) {
    case 'participant':
      return 'The person'
    case 'system':
      return 'The portal'
    case 'staff':
      return (event.actor.id && staffNames.get(event.actor.id)) ?? 'Staff'
  }
}

function eventDetail(event: StoredEvent, staffNames: ReadonlyMap<string, string>): string | undefined {
  const data = event.data
  const text = (key: string) => (typeof data[key] === 'string' ? data[key] : undefined)
  const date = (key: string) => {
    const value = text(key)
    return value ? formatLongDate(value) : undefined
  }
  switch (event.kind) {
    case 'complaint.logged': {
      const channel = text('channel')
      const how =
        channel && Object.hasOwn(complaintChannels, channel)
          ? complaintChannels[channel as keyof typeof complaintChannels]
          : channel
      return `Received by ${(how ?? 'another channel').toLowerCase()} on ${date('receivedOn') ?? 'an unknown date'}; acknowledgement due by ${date('acknowledgementDueOn') ?? '–'}`
    }
    case 'complaint.confirmed':
      return date('acknowledgementDueOn') && `Acknowledgement due by ${date('acknowledgementDueOn') ?? ''}`
    case 'complaint.acknowledged': {
      const onTime = data.onTime
      return `${date('acknowledgedOn') ?? ''}${onTime === true ? ', on time' : onTime === false ? ', late' : ''}`
    }
    case 'complaint.assigned': {
      const id = text('assigneeId')
      return id ? `To ${staffNames.get(id) ?? 'a member of staff'}` : 'To nobody'
    }
    case 'complaint.closed': {
      const outcome = outcomeLabel(text('outcome') ?? null)
      return [outcome, data.acknowledgedByOutcome === true ? 'the outcome letter also acknowledged it' : '']
        .filter(Boolean)
        .join('; ')
    }
    case 'complaint.reopened': {
      const outcome = outcomeLabel(text('previousOutcome') ?? null)
      return outcome
        ? `Was closed as ${outcome.toLowerCase()}; the reason is in the internal notes`
        : undefined
    }
    default:
      return undefined
  }
}

/** Every event on a complaint, newest first, in words. */
export function complaintTimeline(
  events: StoredEvent[],
  staffNames: ReadonlyMap<string, string>,
): ComplaintTimelineEntry[] {
  return events
    .map((event) => {
      const detail = eventDetail(event, staffNames)
      return {
        when: formatLondonDateTime(event.occurredAt),
        actor: actorLabel(event, staffNames),
        title: eventTitles[event.kind] ?? event.kind,
        ...(detail ? { detail } : {}),
      }
    })
    .reverse()
}

/** The complaints about one request, for its case page. */
export function requestComplaintRows(
  complaints: Complaint[],
  hrefOf: (id: string) => string,
): { reference: string; href: string; subject: string; status: Tag; received: string }[] {
  return complaints
    .filter((c) => c.status === 'open' || c.status === 'closed')
    .map((c) => ({
      reference: c.reference ?? 'Not confirmed',
      href: hrefOf(c.id),
      subject: complaintSubjects[c.subject].label,
      status: complaintStatusTag(c),
      received: c.receivedOn ? formatLongDate(c.receivedOn) : '–',
    }))
}
