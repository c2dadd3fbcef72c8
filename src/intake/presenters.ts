import type { ClockView } from '../domain/case-clock.js'
import {
  restrictionGrounds,
  type RequestDetails,
  type RequestType,
  type RequestTypeInfo,
} from '../domain/request-types.js'
import type { Choice } from '../domain/data-map.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { formatLondonDateTime, formatLongDate } from '../domain/clock.js'
import type { CaseMessage } from '../requests/repo.js'
import type { FormChoices, RequestForm } from './validation.js'

/** The status page's summary of the request, in the person's words. */
export function statusSummaryRows(input: {
  request: RightsRequest
  info: RequestTypeInfo
  open: boolean
  clockView: ClockView | undefined
  detailRows: { label: string; value: string }[]
}): { key: string; value: string }[] {
  const { request, clockView, open } = input
  const rows = [
    { key: 'Reference', value: request.reference ?? 'Given when you confirm the request' },
    { key: 'Request', value: `${input.info.name} (${input.info.article})` },
    { key: 'Sent on', value: formatLongDate(request.receivedOn) },
  ]
  if (request.clockStartOn) rows.push({ key: 'Confirmed on', value: formatLongDate(request.clockStartOn) })
  if (open && clockView?.deadline) {
    rows.push({
      key: 'We must answer by',
      value: `${formatLongDate(clockView.deadline.due)}${request.extended ? ' (extended)' : ''}`,
    })
  }
  if (open && clockView && clockView.phase !== 'running') {
    rows.push({
      key: 'Time limit',
      value:
        clockView.phase === 'paused'
          ? 'Paused until you reply'
          : 'Stopped until we receive what we asked for',
    })
  }
  if (!open && request.closedAt && request.status === 'withdrawn') {
    rows.push({ key: 'Time limit', value: 'Stopped: you withdrew this request' })
  }
  for (const row of input.detailRows) rows.push({ key: row.label, value: row.value })
  return rows
}

/** How the deadline was worked out, as paragraphs, while the clock runs. */
export function deadlineExplanation(open: boolean, clockView: ClockView | undefined): string[] {
  if (!open || !clockView?.deadline) return []
  return [
    clockView.deadline.explanation,
    'The law gives us one calendar month from the day you confirmed your request. If the request is complex we can extend this by up to two more months, and we would tell you why before the first month ends.',
  ]
}

export interface PersonMessageRow {
  fromPerson: boolean
  heading: string
  subject: string | null
  body: string
}

/** The messages both ways, as the person reads them. */
export function personMessageRows(messages: CaseMessage[]): PersonMessageRow[] {
  return messages.map((m) => ({
    fromPerson: m.direction === 'from_person',
    heading: `${m.direction === 'from_person' ? 'You wrote' : 'We wrote'} on ${formatLondonDateTime(m.createdAt)}`,
    subject: m.subject,
    body: m.body,
  }))
}

/** The request form's values for answers already given: each field as the form names it. */
export function requestFormValues(
  details: RequestDetails,
  email: string,
  name: string | null,
): Record<string, string | string[]> {
  const values: Record<string, string | string[]> = {}
  const put = (field: string, value: string | undefined) => {
    if (value) values[field] = value
  }
  switch (details.type) {
    case 'access':
    case 'portability':
      put('description', details.description)
      break
    case 'rectification':
      if (details.categories?.length) values.categories = [...details.categories]
      put('inaccurate', details.inaccurate)
      put('correction', details.correction)
      put('statement', details.statement)
      break
    case 'erasure':
      put('reason', details.reason)
      break
    case 'restriction':
      put('ground', details.ground)
      put('description', details.description)
      break
    case 'objection':
      put('processing', details.processing)
      put('description', details.description)
      break
    case 'withdraw_consent':
      put('consent', details.consent)
      put('description', details.description)
      break
  }
  if ('askRecipients' in details && details.askRecipients) values.askRecipients = ['yes']
  put('email', email)
  put('name', name ?? undefined)
  return values
}

/** The answers as hidden fields, one name/value pair each (a checkbox field gives one per box). */
export function hiddenAnswerFields(
  values: Record<string, string | string[]>,
  fields: string[],
): { name: string; value: string }[] {
  return fields.flatMap((name) => {
    const value = values[name]
    if (value === undefined) return []
    return (Array.isArray(value) ? value : [value]).map((v) => ({ name, value: v }))
  })
}

export interface CheckAnswerRow {
  key: string
  value: string
  /** The field the "Change" button lands on; rows without one cannot be changed here. */
  field?: string
  /** Hidden text after "Change", naming the answer for screen readers. */
  changeText?: string
}

/** The "Check your answers" rows: every question of the form, in its order, with what was given. */
export function checkAnswerRows(input: {
  info: RequestTypeInfo
  studyTitle: string | null
  form: RequestForm
  choices: FormChoices
}): CheckAnswerRow[] {
  const { details, email, name } = input.form
  const rows: CheckAnswerRow[] = []
  if (input.studyTitle) rows.push({ key: 'Study', value: input.studyTitle })
  rows.push({ key: 'Request', value: input.info.label })
  const answer = (key: string, field: string, value: string | undefined, empty: string) =>
    rows.push({ key, value: value || empty, field, changeText: key.toLowerCase() })
  const labelOf = (choices: Choice[], value: string) => choices.find((c) => c.value === value)?.label ?? value
  const askRecipients = () =>
    answer(
      'Who we shared your data with',
      'askRecipients',
      'askRecipients' in details && details.askRecipients
        ? 'Tell me who you shared my data with, and whether you told them'
        : undefined,
      'Not asked',
    )
  switch (details.type) {
    case 'access':
      answer('What you want', 'description', details.description, 'Everything you hold about me')
      break
    case 'portability':
      answer('What you want', 'description', details.description, 'Nothing in particular')
      break
    case 'rectification':
      if (input.choices.categories.length > 0) {
        answer(
          'Data that is wrong or incomplete',
          'categories',
          details.categories?.map((c) => labelOf(input.choices.categories, c)).join(', '),
          'None selected',
        )
      }
      answer('What is wrong', 'inaccurate', details.inaccurate, 'Not given')
      answer('What it should say', 'correction', details.correction, 'Not given')
      answer('Statement to add', 'statement', details.statement, 'None')
      askRecipients()
      break
    case 'erasure':
      askRecipients()
      answer('Why you want it deleted', 'reason', details.reason, 'No reason given')
      break
    case 'restriction':
      askRecipients()
      answer('Reason', 'ground', restrictionGrounds[details.ground].label, 'Not given')
      answer('More detail', 'description', details.description, 'None')
      break
    case 'objection':
      answer(
        'What you object to',
        'processing',
        labelOf(input.choices.objection, details.processing),
        'Not given',
      )
      answer('Why you object', 'description', details.description, 'No reason given')
      break
    case 'withdraw_consent':
      answer('Consent you withdraw', 'consent', labelOf(input.choices.consent, details.consent), 'Not given')
      answer('More detail', 'description', details.description, 'None')
      break
  }
  answer('Email address', 'email', email, 'Not given')
  answer('Your name', 'name', name ?? undefined, 'Not given')
  return rows
}

/** Phrases for "This covers the same data as …", one per right. */
const coverPhrases: Record<RequestType, string> = {
  access: 'getting a copy of it',
  rectification: 'correcting it',
  erasure: 'deleting it',
  restriction: 'limiting how we use it',
  objection: 'objecting to how we use it',
  portability: 'getting it in a reusable format',
  withdraw_consent: 'withdrawing your consent',
}

/**
 * The home page's rights, each with what it covers in the study: a sentence the rights before it
 * already said is not said again, the right pointing back to them instead.
 */
export function homeRights<Right extends { type: RequestType; covers?: string | undefined }>(
  rights: Right[],
): Right[] {
  const firstSaidBy = new Map<string, RequestType[]>()
  return rights.map((right) => {
    if (!right.covers) return right
    const before = firstSaidBy.get(right.covers)
    if (!before) {
      firstSaidBy.set(right.covers, [right.type])
      return right
    }
    const covers = `This covers the same data as ${listWithOr(before.map((t) => coverPhrases[t]))}.`
    before.push(right.type)
    return { ...right, covers }
  })
}

/** "correcting or deleting it" rather than "correcting it or deleting it". */
function listWithOr(phrases: string[]): string {
  const sharedIt = phrases.length > 1 && phrases.every((p) => p.endsWith(' it'))
  const items = sharedIt ? phrases.map((p) => p.slice(0, -' it'.length)) : phrases
  const list =
    items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`
  return sharedIt ? `${list} it` : list
}
