import { daysBetween, type IsoDate } from './clock.js'
import {
  acknowledgementState,
  complaintOutcomes,
  icoParagraph,
  isComplaintOutcome,
  type Complaint,
  type ComplaintOutcome,
} from './complaint.js'
import { unfinishedReminder } from './refusals.js'

/**
 * The rules of handling a complaint once it is open: what each staff action needs, and how the
 * outcome letter is put together. Pure: the complaint handling service applies them.
 */

/** A problem with one field of a form, where the page shows it. */
export interface FieldProblem {
  field: string
  message: string
}

/** Drafts for the letters that have no editable template: each holds a reminder to replace. */
export const complaintDrafts = {
  update:
    'We are writing to tell you how your complaint {reference} is progressing. [Say what we have done so far, what happens next and when.]',
  message: '[Write your message about complaint {reference}.]',
} as const

/**
 * A letter staff wrote, ready to go: not empty, and with no `[reminder]` of what to write left in
 * it, as for every letter about a request.
 */
export function letterProblem(
  letter: string,
  field: string,
  messages: { empty: string; reminder: string },
): FieldProblem | null {
  const text = letter.trim()
  if (text === '') return { field, message: messages.empty }
  const reminder = unfinishedReminder(text)
  if (reminder) return { field, message: `Replace ${reminder} ${messages.reminder}` }
  return null
}

/** What closing with an outcome needs: the outcome, what will change when upheld, and the letter. */
export function outcomeProblems(input: { outcome: string; changes: string; letter: string }): FieldProblem[] {
  const problems: FieldProblem[] = []
  if (!isComplaintOutcome(input.outcome)) {
    problems.push({ field: 'outcome', message: 'Select the outcome of the complaint' })
  } else if (input.outcome !== 'not_upheld' && input.changes.trim() === '') {
    problems.push({
      field: 'changes',
      message: 'Enter what will change as a result of the complaint',
    })
  }
  const letter = letterProblem(input.letter, 'letter', {
    empty: 'Enter the letter telling the person the outcome',
    reminder: 'with what you found and why',
  })
  if (letter) problems.push(letter)
  return problems
}

const decisionSentences: Record<ComplaintOutcome, string> = {
  upheld: 'Our decision: we uphold your complaint.',
  partly_upheld: 'Our decision: we uphold part of your complaint.',
  not_upheld: 'Our decision: we do not uphold your complaint.',
}

/**
 * What the portal puts after the letter staff wrote: the decision, what will change (for a
 * complaint upheld in whole or in part) and, last of all, the ICO paragraph, which no edit can
 * remove.
 */
export function outcomeClosing(outcome: ComplaintOutcome, changes: string | null): string[] {
  const paragraphs = [decisionSentences[outcome]]
  const change = changes?.trim()
  if (outcome !== 'not_upheld' && change) paragraphs.push(`What will change: ${change}`)
  return paragraphs
}

/**
 * The outcome letter in full: greeting, the letter as written, the decision and what will change,
 * the sign-off, and the ICO paragraph at the very end.
 */
export function outcomeLetter(input: {
  letter: string
  outcome: ComplaintOutcome
  changes: string | null
  name: string | null
  controllerName: string
  dpoEmail: string
}): string {
  return [
    input.name ? `Dear ${input.name},` : 'Hello,',
    input.letter.trim(),
    ...outcomeClosing(input.outcome, input.changes),
    `${input.controllerName}\nData Protection Officer: ${input.dpoEmail}`,
    icoParagraph,
  ].join('\n\n')
}

/** The outcome in words, for pages and timelines. */
export function outcomeLabel(outcome: string | null): string | null {
  return outcome && isComplaintOutcome(outcome) ? complaintOutcomes[outcome] : null
}

/** The actions a complaint offers in its state. */
export interface ComplaintOffers {
  assign: boolean
  acknowledge: boolean
  update: boolean
  message: boolean
  note: boolean
  close: boolean
  reopen: boolean
}

export function complaintOffers(complaint: Pick<Complaint, 'status' | 'acknowledgedOn'>): ComplaintOffers {
  const open = complaint.status === 'open'
  const closed = complaint.status === 'closed'
  return {
    assign: open,
    acknowledge: open && complaint.acknowledgedOn === null,
    update: open,
    message: open || closed,
    note: open || closed,
    close: open,
    reopen: closed,
  }
}

/** The reason a complaint is reopened: kept as an internal note, never in the audit trail. */
export function reopenProblem(reason: string): FieldProblem | null {
  return reason.trim() === ''
    ? { field: 'reopenReason', message: 'Enter why the complaint is being reopened' }
    : null
}

/** A complaint logged by staff was received on a London date no later than today. */
export function receivedOnProblem(receivedOn: IsoDate, today: IsoDate): FieldProblem | null {
  return receivedOn > today
    ? { field: 'receivedOn', message: 'The date received must be today or in the past' }
    : null
}

/**
 * Whether the acknowledgement was (or, unsent, already cannot be) on time, on a London date: null
 * while it is unsent and still due.
 */
export function acknowledgedOnTime(
  complaint: Pick<Complaint, 'acknowledgementDueOn' | 'acknowledgedOn' | 'status'>,
  today: IsoDate,
): boolean | null {
  if (!complaint.acknowledgementDueOn) return null
  const state = acknowledgementState(
    { acknowledgementDueOn: complaint.acknowledgementDueOn },
    complaint.acknowledgedOn,
    today,
  )
  if (state.state === 'acknowledged') return state.onTime
  return state.state === 'overdue' && complaint.status === 'open' ? false : null
}

/** Calendar days from receipt to the outcome. */
export function daysToOutcome(complaint: Pick<Complaint, 'receivedOn' | 'closedOn'>): number | null {
  return complaint.receivedOn && complaint.closedOn
    ? daysBetween(complaint.receivedOn, complaint.closedOn)
    : null
}
