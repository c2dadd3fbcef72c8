import type { IsoDate } from './clock.js'
import { contactKeptUntil, contactPurgeBound, contactPurgeDue } from './contact-retention.js'
import type { RequestDetails } from './request-types.js'

/**
 * A closed case keeps its free text — what the person wrote, the letters both ways, notes, tasks,
 * the reasons for decisions and the search log — for a number of calendar months after the London
 * date it closed, inclusive like contact details: closed on 10 January with 24 months, kept
 * through 10 January two years on and removed from the 11th.
 */
export const caseTextKeptUntil: (closedOn: IsoDate, months: number) => IsoDate = contactKeptUntil

export const caseTextRemovalDue: (closedOn: IsoDate, months: number, today: IsoDate) => boolean =
  contactPurgeDue

/** The same cheap bound for the query as for contact details; the exact rule decides each request. */
export const caseTextRemovalBound: (months: number, today: IsoDate) => IsoDate = contactPurgeBound

/** What stands where the text was, so a reader sees that something was there and why it is gone. */
export function caseTextMarker(months: number): string {
  return `[removed after ${months} ${months === 1 ? 'month' : 'months'}]`
}

/** Fields of the details that hold a choice from a list, not the person's own words. */
const choiceFields: ReadonlySet<string> = new Set(['type', 'ground', 'processing', 'consent'])

/**
 * The request's details with every field the person wrote in their own words replaced by the
 * marker; the type and the options they chose stay. A field not known to be a choice counts as
 * free text, so one added later is removed too. Returns how many fields were replaced.
 */
export function withoutFreeText(
  details: RequestDetails,
  marker: string,
): { details: RequestDetails; replaced: number } {
  let replaced = 0
  const kept = Object.fromEntries(
    Object.entries(details).map(([field, value]) => {
      if (choiceFields.has(field) || typeof value !== 'string' || value === '' || value === marker) {
        return [field, value]
      }
      replaced++
      return [field, marker]
    }),
  ) as RequestDetails
  return { details: kept, replaced }
}

/** How many pieces of a case's free text were replaced: the counts its event records, no text. */
export interface CaseTextRemoved {
  /** Fields of the request row: what the person wrote, and the reasons for an extension. */
  requestFields: number
  messages: number
  notes: number
  tasks: number
  decisions: number
  searches: number
}
