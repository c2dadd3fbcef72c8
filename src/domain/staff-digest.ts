import { addDays, daysBetween, formatLongDate, type IsoDate } from './clock.js'
import { describeDaysLeft, dueSoonDays } from './queue.js'
import { requestTypeInfo, type RequestType } from './request-types.js'

/**
 * The daily digest a member of staff can choose: requests overdue or due soon, and complaints
 * waiting for their acknowledgement (DPA 2018 s.164A). It names each case by its reference, type and
 * date only: never the person's name, address or words, so the email holds nothing about them.
 */

/** An open request whose statutory clock runs (a paused or stopped clock has no deadline to meet). */
export interface DigestRequestRow {
  id: string
  reference: string | null
  type: RequestType
  dueOn: IsoDate
  assigneeId: string | null
  assigneeName: string | null
}

/** An open complaint not yet acknowledged. */
export interface DigestComplaintRow {
  id: string
  reference: string | null
  acknowledgementDueOn: IsoDate
  assigneeId: string | null
  assigneeName: string | null
}

export type DigestSectionKey = 'overdue' | 'due_soon' | 'acknowledgement'

export interface DigestItem {
  reference: string
  /** "Access request", "Complaint". */
  what: string
  /** "Due 3 March 2026 (2 days overdue)". */
  due: string
  /** "Assigned to you", "Not assigned", "Assigned to Sam Jones". */
  assigned: string
  url: string
}

export interface DigestSection {
  key: DigestSectionKey
  heading: string
  items: DigestItem[]
  /** Items beyond those listed, still waiting in the queue. */
  more: number
}

export interface StaffDigest {
  subject: string
  /** "2 overdue, 3 due within 7 days, 1 complaint to acknowledge". */
  summary: string
  sections: DigestSection[]
}

/** The digest goes out from this hour of the UK morning, so it waits in the inbox at the start of work. */
export const digestHour = 7

const londonHour = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hour: 'numeric',
  hourCycle: 'h23',
})

/** Whether the day's digest may go out at this instant: from 7am UK time. */
export function isDigestTime(at: Date): boolean {
  return Number(londonHour.format(at)) >= digestHour
}

/** Items listed per section; the rest are counted, and are in the queue. */
export const digestItemsPerSection = 25

export interface DigestInput {
  today: IsoDate
  recipientId: string
  requests: readonly DigestRequestRow[]
  complaints: readonly DigestComplaintRow[]
  links: { request: (id: string) => string; complaint: (id: string) => string }
}

function assignedText(assigneeId: string | null, assigneeName: string | null, recipientId: string): string {
  if (!assigneeId) return 'Not assigned'
  if (assigneeId === recipientId) return 'Assigned to you'
  return `Assigned to ${assigneeName ?? 'someone else'}`
}

/** "2 days overdue", "today", "3 days left". */
function daysPhrase(today: IsoDate, dueOn: IsoDate): string {
  const daysLeft = daysBetween(today, dueOn)
  return daysLeft === 0 ? 'today' : describeDaysLeft(daysLeft)
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`

function section(key: DigestSectionKey, heading: string, items: DigestItem[]): DigestSection | null {
  if (items.length === 0) return null
  return {
    key,
    heading,
    items: items.slice(0, digestItemsPerSection),
    more: Math.max(0, items.length - digestItemsPerSection),
  }
}

/** The day's digest for one member of staff, or null when nothing needs them: no empty email is sent. */
export function buildStaffDigest(input: DigestInput): StaffDigest | null {
  const { today, recipientId, links } = input
  const dueSoonBy = addDays(today, dueSoonDays)
  const requestItem = (row: DigestRequestRow): DigestItem => ({
    reference: row.reference ?? 'No reference',
    what: `${requestTypeInfo[row.type].name} request`,
    due: `Due ${formatLongDate(row.dueOn)} (${daysPhrase(today, row.dueOn)})`,
    assigned: assignedText(row.assigneeId, row.assigneeName, recipientId),
    url: links.request(row.id),
  })
  const byDue = (a: { dueOn: IsoDate; id: string }, b: { dueOn: IsoDate; id: string }) =>
    a.dueOn < b.dueOn ? -1 : a.dueOn > b.dueOn ? 1 : a.id < b.id ? -1 : 1
  const requests = [...input.requests].sort(byDue)
  const overdue = requests.filter((r) => r.dueOn < today).map(requestItem)
  const dueSoon = requests.filter((r) => r.dueOn >= today && r.dueOn <= dueSoonBy).map(requestItem)
  const acknowledgements = [...input.complaints]
    .sort((a, b) =>
      byDue({ dueOn: a.acknowledgementDueOn, id: a.id }, { dueOn: b.acknowledgementDueOn, id: b.id }),
    )
    .map((row): DigestItem => ({
      reference: row.reference ?? 'No reference',
      what: 'Complaint',
      due: `Acknowledge by ${formatLongDate(row.acknowledgementDueOn)} (${daysPhrase(today, row.acknowledgementDueOn)})`,
      assigned: assignedText(row.assigneeId, row.assigneeName, recipientId),
      url: links.complaint(row.id),
    }))
  const sections = [
    section('overdue', 'Overdue', overdue),
    section('due_soon', `Due within ${dueSoonDays} days`, dueSoon),
    section('acknowledgement', 'Complaints waiting for an acknowledgement', acknowledgements),
  ].filter((s): s is DigestSection => s !== null)
  if (sections.length === 0) return null
  const counts = [
    overdue.length > 0 ? `${overdue.length} overdue` : null,
    dueSoon.length > 0 ? `${dueSoon.length} due within ${dueSoonDays} days` : null,
    acknowledgements.length > 0
      ? `${plural(acknowledgements.length, 'complaint', 'complaints')} to acknowledge`
      : null,
  ].filter((c): c is string => c !== null)
  const summary = counts.join(', ')
  return { subject: `Daily summary for ${formatLongDate(today)}: ${summary}`, summary, sections }
}
