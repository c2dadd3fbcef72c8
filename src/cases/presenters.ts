import { rectificationDecisions, resolutionsFor, type TaskKind } from '../domain/case-work.js'
import type { Tag } from '../answers/presenters.js'
import { lateAskWarning, type ClockView, type PauseKind } from '../domain/case-clock.js'
import { formatLondonDateTime, formatLongDate, londonDate, type IsoDate } from '../domain/clock.js'
import { lawfulBasisLabels, type DataCategory } from '../domain/data-map.js'
import { allows, askableFor, caseClockOf, outcomes } from '../domain/request-lifecycle.js'
import { describeDaysLeft, queueFlags, urgency } from '../domain/queue.js'
import { statusInfo } from '../domain/request-status.js'
import { requestTypeInfo, type RequestType } from '../domain/request-types.js'
import {
  derivedOutcome,
  partGrounds,
  partGroundsFor,
  type PartState,
  type RequestPart,
} from '../domain/request-outcome.js'
import type { RecordSnapshot, RetentionView } from '../domain/retention.js'
import type { RightOutcome } from '../domain/rights.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { addressLines, noEmailAddressRule } from '../domain/postal-address.js'
import { holdingRows, type HoldingRow } from '../records/presenters.js'
import { rightOutcomeLabels, stateLabels } from '../records/labels.js'
import type { CaseMessage, CaseNote, CaseTask } from '../requests/repo.js'
import { tabStatuses, type QueueRow, type QueueTab } from './repo.js'

/** A summary-list row: text, optionally led by a tag and followed by a note in smaller type. */
export interface SummaryRow {
  key: string
  value?: string
  tag?: Tag
  note?: string
}

/** "Due soon: 3 days left", or "Due today" on the day itself. */
function dueSoonText(daysLeft: number): string {
  return daysLeft === 0 ? 'Due today' : `Due soon: ${describeDaysLeft(daysLeft).toLowerCase()}`
}

/** The tags beside a case's reference: its status, and how near its deadline is. */
export function caseHeadingTags(
  request: Pick<RightsRequest, 'status'>,
  due: { daysLeft: number; urgency: 'overdue' | 'due_soon' | 'on_track' } | undefined,
): { tags: Tag[]; daysLeft: string | null } {
  const status = statusInfo[request.status]
  const tags: Tag[] = [{ text: status.label, classes: status.tagClass }]
  if (due?.urgency === 'overdue')
    tags.push({ text: describeDaysLeft(due.daysLeft), classes: 'govuk-tag--red' })
  if (due?.urgency === 'due_soon')
    tags.push({ text: dueSoonText(due.daysLeft), classes: 'govuk-tag--yellow' })
  return { tags, daysLeft: due?.urgency === 'on_track' ? describeDaysLeft(due.daysLeft) : null }
}

/** The case page's contents list: each section present on this case, by its anchor. */
export function caseSections(present: {
  answer: boolean
  parts: boolean
  record: boolean
  searches: boolean
}): { href: string; text: string }[] {
  const all: { id: string; text: string; shown: boolean }[] = [
    { id: 'summary', text: 'Summary', shown: true },
    { id: 'actions', text: 'Actions', shown: true },
    { id: 'answer', text: 'Answer', shown: present.answer },
    { id: 'searches', text: 'Searches', shown: present.searches },
    { id: 'parts', text: 'What the request asked for', shown: present.parts },
    { id: 'record', text: 'Email record', shown: present.record },
    { id: 'messages', text: 'Messages', shown: true },
    { id: 'tasks', text: 'Tasks', shown: true },
    { id: 'notes', text: 'Internal notes', shown: true },
    { id: 'timeline', text: 'Timeline', shown: true },
  ]
  return all.filter((s) => s.shown).map((s) => ({ href: `#${s.id}`, text: s.text }))
}

/**
 * The case at a glance, for the top of its page: the deadline in words with the days left or
 * overdue, and whether the clock is paused or the limit extended.
 */
export function caseDeadlineText(input: {
  request: Pick<RightsRequest, 'extended' | 'status'>
  clockView: ClockView | undefined
  open: boolean
  today: IsoDate
}): string {
  const { request, clockView: view } = input
  if (!view) return input.open ? 'Not started' : 'Not started: the request was never confirmed'
  if (!view.deadline) {
    return request.status === 'awaiting_clarification'
      ? `Paused while we wait for clarification (${view.pausedDaysToDate} ${view.pausedDaysToDate === 1 ? 'day' : 'days'} so far)`
      : 'Stopped until what we asked for arrives'
  }
  const due = formatLongDate(view.deadline.due)
  const extended = request.extended ? `, extended from ${formatLongDate(view.originalDue)}` : ''
  const state = urgency(view.deadline.due, input.today)
  // Overdue or due soon, the tag beside it says how many days (caseHeadingTags).
  if (!input.open || state.urgency !== 'on_track') return `${due}${extended}`
  const days = describeDaysLeft(state.daysLeft)
  return `${due} (${days.charAt(0).toLowerCase()}${days.slice(1)}${extended})`
}

/** The case's summary: who asked, how, when, the clock and its deadline, and what they wrote. */
export function caseSummaryRows(input: {
  request: RightsRequest
  clockView: ClockView | undefined
  open: boolean
  channelLabel: string
  assigneeName: string | null
  detailRows: { label: string; value: string }[]
}): SummaryRow[] {
  const { request, clockView } = input
  const rows: SummaryRow[] = [
    {
      key: 'Requester',
      value: request.email
        ? `${request.requesterName ? `${request.requesterName} – ` : ''}${request.email}`
        : request.postalAddress
          ? `${request.requesterName ? `${request.requesterName} – ` : ''}no email address: letters are posted`
          : 'Contact details removed',
    },
    ...(request.postalAddress
      ? [{ key: 'Postal address', value: addressLines(request.postalAddress).join(', ') }]
      : []),
    { key: 'Channel', value: input.channelLabel },
    { key: 'Received', value: formatLongDate(request.receivedOn) },
    {
      key: 'Clock started',
      value: request.clockStartOn
        ? formatLongDate(request.clockStartOn)
        : 'Not yet: waiting for the person to confirm',
    },
  ]
  if (clockView?.deadline) {
    rows.push({
      key: 'Statutory deadline',
      value: `${formatLongDate(clockView.deadline.due)}${request.extended ? ` (extended from ${formatLongDate(clockView.originalDue)})` : ''}`,
    })
  }
  if (clockView?.canExtend && input.open) {
    rows.push({ key: 'Extension must be notified by', value: formatLongDate(clockView.extensionNoticeBy) })
  }
  if (clockView && clockView.pausedDaysToDate > 0) {
    rows.push({ key: 'Days paused for clarification', value: String(clockView.pausedDaysToDate) })
  }
  rows.push({ key: 'Assigned to', value: input.assigneeName ?? 'Nobody' })
  if (request.closedAt) {
    const outcome = request.outcome
      ? ` – ${Object.hasOwn(outcomes, request.outcome) ? outcomes[request.outcome as keyof typeof outcomes] : request.outcome}`
      : ''
    rows.push({ key: 'Closed', value: `${formatLongDate(londonDate(new Date(request.closedAt)))}${outcome}` })
  }
  for (const row of input.detailRows) rows.push({ key: row.label, value: row.value })
  return rows
}

export interface RecordPanelView {
  /** Set when no record of the address was found: the sentence to show instead of the rows. */
  noRecord: string | null
  rows: SummaryRow[]
  holdings: HoldingRow[]
}

/** The email record as the request found it and as it is now. */
export function recordPanelView(
  snapshot: RecordSnapshot | null,
  now: RetentionView | undefined,
): RecordPanelView {
  if (snapshot?.rule === noEmailAddressRule) {
    return {
      noRecord:
        'No email address was given, so no email record can be linked to this request and the record’s actions do not apply. Find what we hold about the person by their name and postal address.',
      rows: [],
      holdings: [],
    }
  }
  if (!snapshot || snapshot.state === 'no_record') {
    return {
      noRecord: `No email record of this address was found when the request was confirmed${
        snapshot ? ` (${formatLongDate(snapshot.takenOn)})` : ''
      }: as far as the records show, we hold no data about it in this study.`,
      rows: [],
      holdings: [],
    }
  }
  const then = stateLabels[snapshot.state]
  const current = now ? stateLabels[now.state] : undefined
  return {
    noRecord: null,
    rows: [
      {
        key: `When confirmed (${formatLongDate(snapshot.takenOn)})`,
        tag: { text: then.label, classes: then.tagClass },
        note: snapshot.rule,
      },
      now && current
        ? { key: 'Now', tag: { text: current.label, classes: current.tagClass }, note: now.rule }
        : { key: 'Now', value: 'Unknown' },
      {
        key: 'Survey answers',
        value: !now
          ? 'Unknown'
          : now.answersLinked
            ? 'Still linked to the address'
            : 'Anonymised or gone: cannot be linked to the person',
      },
    ],
    holdings: now ? holdingRows(now.holdings) : [],
  }
}

export interface RightRow {
  data: string
  basis: string
  tag: Tag
  note: string
}

/** What the request's right reaches, category by category of the study's data map. */
export function rightRows(rights: { category: DataCategory; outcome: RightOutcome }[]): RightRow[] {
  return rights.map(({ category, outcome }) => {
    const label = rightOutcomeLabels[outcome.applies]
    return {
      data: category.label,
      basis: lawfulBasisLabels[category.lawfulBasis],
      tag: { text: label.label, classes: label.tagClass },
      note: outcome.note ? `${outcome.article}: ${outcome.note}` : outcome.article,
    }
  })
}

export interface MessageRow {
  fromPerson: boolean
  heading: string
  subject: string | null
  body: string
}

/** Letters to the person and their replies, oldest first, signed and dated in UK time. */
export function caseMessageRows(
  messages: CaseMessage[],
  staffNames: ReadonlyMap<string, string>,
): MessageRow[] {
  return messages.map((m) => ({
    fromPerson: m.direction === 'from_person',
    heading: `${
      m.direction === 'from_person'
        ? 'From the person'
        : `To the person, from ${m.authorId ? (staffNames.get(m.authorId) ?? 'Staff') : 'the portal'}`
    }, ${formatLondonDateTime(m.createdAt)}`,
    subject: m.subject,
    body: m.body,
  }))
}

export interface NoteRow {
  heading: string
  body: string
}

export function caseNoteRows(notes: CaseNote[]): NoteRow[] {
  return notes.map((n) => ({
    heading: `${n.authorName}, ${formatLondonDateTime(n.createdAt)}`,
    body: n.body,
  }))
}

export interface QueueRowView {
  id: string
  reference: string
  href: string
  typeName: string
  studyTitle: string
  /** The requester's name, for staff who may see it; null when hidden or not given. */
  requesterName: string | null
  status: Tag
  /** The tab the request is in, for search results that look across every tab. */
  tabLabel: string
  /** Set when the email record's state already answers the request. */
  recordAnswerTag: Tag | null
  receivedLabel: string
  dueLabel: string
  /** Overdue or due soon, as a tag; otherwise the days left in plain text. */
  dueTag: Tag | null
  daysLeft: string | null
  extended: boolean
  assigneeName: string
  /** "Replied (2)", "Extended" and the like, each a tag. */
  flags: Tag[]
}

const tabLabels: Record<QueueTab, string> = { open: 'Open', closed: 'Closed', unconfirmed: 'Not confirmed' }

/** The queue's rows: the deadline and how near it is, for open requests whose clock runs. */
export function queueRowViews(
  rows: QueueRow[],
  options: { today: string; hrefOf: (id: string) => string; showRequester?: boolean },
): QueueRowView[] {
  return rows.map((row) => {
    const due = row.extendedDueOn ?? row.dueOn
    const tab =
      (Object.keys(tabStatuses) as QueueTab[]).find((t) => tabStatuses[t].includes(row.status)) ?? 'open'
    const state = due && tab === 'open' ? urgency(due, options.today) : undefined
    const status = statusInfo[row.status]
    const daysLeft = state ? describeDaysLeft(state.daysLeft) : null
    const flags = queueFlags({
      unreadReplies: row.unreadReplies,
      paused: tab === 'open' && row.pause !== null,
      extended: row.extendedDueOn !== null,
      restricted: row.recordRestricted,
    })
    return {
      id: row.id,
      reference: row.reference ?? 'Not confirmed',
      href: options.hrefOf(row.id),
      typeName: requestTypeInfo[row.type].name,
      studyTitle: row.studyTitle,
      requesterName: options.showRequester ? row.requesterName : null,
      status: { text: status.label, classes: status.tagClass },
      tabLabel: tabLabels[tab],
      recordAnswerTag: row.recordAnswer
        ? { text: `Record answers it: ${row.recordAnswer}`, classes: 'govuk-tag--purple' }
        : null,
      receivedLabel: formatLongDate(row.receivedOn),
      dueLabel: due ? formatLongDate(due) : '–',
      dueTag:
        state?.urgency === 'overdue' && daysLeft
          ? { text: daysLeft, classes: 'govuk-tag--red' }
          : state?.urgency === 'due_soon'
            ? { text: dueSoonText(state.daysLeft), classes: 'govuk-tag--yellow' }
            : null,
      daysLeft: state?.urgency === 'on_track' ? daysLeft : null,
      extended: row.extendedDueOn !== null,
      assigneeName: row.assigneeName ?? 'Nobody',
      flags: flags.map((text) => ({
        text,
        classes: text.startsWith('Replied') ? 'govuk-tag--orange' : 'govuk-tag--grey',
      })),
    }
  })
}

/** Which of the record's actions the case page offers, and what is already recorded. */
export interface RecordActions {
  erase: boolean
  restrict: boolean
  rectify: boolean
  /** The form, or the sentence saying when it was done. */
  withdrawConsent: { done: string | null; answersLinked: boolean } | null
  objection: { done: string | null; directMarketing: boolean } | null
  liftRestriction: boolean
}

export function recordActionsOf(input: {
  request: Pick<RightsRequest, 'type' | 'details'>
  open: boolean
  canAct: boolean
  now: RetentionView | undefined
  consentWithdrawnOn: string | null
  objectionDecision: string | null
}): RecordActions {
  const { request, now } = input
  const none: RecordActions = {
    erase: false,
    restrict: false,
    rectify: false,
    withdrawConsent: null,
    objection: null,
    liftRestriction: false,
  }
  if (!input.canAct || !now || now.state === 'erased') return none
  const restricted = now.state === 'restricted'
  const acting = input.open
  return {
    erase: acting && request.type === 'erasure' && !restricted,
    restrict: acting && request.type === 'restriction' && !restricted,
    // A rectification that names its data corrects the address only if the address is named.
    rectify:
      acting &&
      request.type === 'rectification' &&
      (request.details?.type !== 'rectification' ||
        !request.details.categories ||
        request.details.categories.includes('email')),
    withdrawConsent:
      acting && request.type === 'withdraw_consent'
        ? {
            done: input.consentWithdrawnOn
              ? `Consent recorded as withdrawn on ${formatLongDate(input.consentWithdrawnOn)}.`
              : null,
            answersLinked: now.answersLinked,
          }
        : null,
    objection:
      acting && request.type === 'objection'
        ? {
            done: input.objectionDecision
              ? `Decision recorded: ${objectionDecisionWords[input.objectionDecision] ?? input.objectionDecision}.`
              : null,
            directMarketing:
              request.details?.type === 'objection' && request.details.processing === 'direct_marketing',
          }
        : null,
    // Lifting is offered on a closed case too: a restriction outlives the request that set it.
    liftRestriction: restricted,
  }
}

const askChoices: Record<PauseKind, { text: string; hint: string }> = {
  clarification: {
    text: 'Clarification of what they are asking for',
    hint: 'Pauses the clock from today until they reply; the deadline then moves by the days paused.',
  },
  identity: {
    text: 'Proof of identity',
    hint: 'Stops the clock; it starts again from the day the proof arrives.',
  },
  fee: {
    text: 'A fee (manifestly unfounded or excessive requests only)',
    hint: 'Stops the clock; it starts again from the day the fee is paid.',
  },
}

/** The lifecycle's transitions the case page offers as forms, from the request's state. */
export interface CaseOffers {
  /** What can be recorded as arrived, while the clock waits for it. */
  arrival: { kind: 'identity' | 'fee'; label: string } | null
  /** What the person can be asked for now; empty while the case already waits for them. */
  ask: { value: PauseKind; text: string; hint: string }[]
  /** Why asking for identity or a fee now would cost the person, when it would. */
  askWarning: string | null
  message: boolean
}

export function caseOffersOf(request: RightsRequest, today: IsoDate): CaseOffers {
  const waitingFor = request.pause?.kind
  const clock = caseClockOf(request)
  return {
    askWarning: clock && allows('ask', request) ? lateAskWarning(clock, today) : null,
    arrival:
      allows('arrival', request) && (waitingFor === 'identity' || waitingFor === 'fee')
        ? { kind: waitingFor, label: waitingFor === 'identity' ? 'proof of identity' : 'fee' }
        : null,
    ask:
      allows('ask', request) && !request.pause
        ? askableFor(request.type).map((value) => ({ value, ...askChoices[value] }))
        : [],
    message: allows('message', request),
  }
}

export interface PartRow {
  key: string
  label: string
  tag: Tag
  detail: string
  /** The recorded ground and reasons, when the part is kept back. */
  decision?: { ground: string; reasoning: string }
}

export interface PartsPanel {
  rows: PartRow[]
  /** The outcome completing now would record, or why completing is not possible yet. */
  outcome: { text: string } | { problem: string }
  /** Parts the DPO may still keep back, for the decision form. */
  decidable: { value: string; text: string }[]
  grounds: { value: string; text: string }[]
  /** What the portal adds to the letter, shown under the letter field. */
  closing: string | null
  canDecide: boolean
  /** A rectification's categories still to be decided, and the decisions (Art. 16). */
  corrections: {
    open: { value: string; text: string }[]
    decisions: { value: string; text: string }[]
    /** The person's supplementary statement, if they gave one. */
    statement: string | null
    /** The address is among the data named: it is corrected with its own form. */
    addressNamed: boolean
  } | null
}

const partTags: Record<PartState['state'], Tag> = {
  done: { text: 'Done', classes: 'govuk-tag--green' },
  kept: { text: 'Kept back', classes: 'govuk-tag--orange' },
  not_identifiable: { text: 'Not linkable', classes: 'govuk-tag--grey' },
  none_held: { text: 'None held', classes: 'govuk-tag--grey' },
  no_record: { text: 'No record', classes: 'govuk-tag--grey' },
  deleted_before: { text: 'Deleted before', classes: 'govuk-tag--grey' },
  deleted_during: { text: 'Deleted since', classes: 'govuk-tag--grey' },
  not_provided: { text: 'Not given', classes: 'govuk-tag--grey' },
  out_of_scope: { text: 'Not covered', classes: 'govuk-tag--grey' },
  to_do: { text: 'To do', classes: 'govuk-tag--yellow' },
}

function partDetail(type: RequestType, key: string, state: PartState): string {
  switch (state.state) {
    case 'done':
      if (type === 'erasure' && key !== 'email') {
        return `Unlinked: its only link, the address, was erased${state.on ? ` on ${formatLongDate(state.on)}` : ''}.`
      }
      if (state.how === 'corrected')
        return `Corrected ${state.where ?? ''}${state.on ? ` on ${formatLongDate(state.on)}` : ''}.`
      if (state.how === 'supplemented') {
        return `The person’s supplementary statement was added to the record${state.on ? ` on ${formatLongDate(state.on)}` : ''}.`
      }
      if (state.how === 'stopped')
        return `Processing stopped${state.on ? ` on ${formatLongDate(state.on)}` : ''}.`
      if (state.how === 'kept_on_other_ground') return `Kept on another ground: ${state.note ?? ''}`
      if (state.how === 'erased') return `Erased${state.on ? ` on ${formatLongDate(state.on)}` : ''}.`
      return state.on ? `Done on ${formatLongDate(state.on)}.` : 'Included in the prepared answer.'
    case 'kept':
      return partGrounds[state.ground]
    case 'not_identifiable':
      return 'Can no longer be linked to the person, so the right does not reach it (Art. 11(2)).'
    case 'none_held':
      return 'Nothing of this is held for the person.'
    case 'no_record':
      return 'No email record of this address was found.'
    case 'deleted_before':
      return 'The address was deleted before this request.'
    case 'deleted_during':
      return `The address was deleted${state.on ? ` on ${formatLongDate(state.on)}` : ''}, while this request was open.`
    case 'not_provided':
      return 'The person did not give this (left blank in the prepared answer).'
    case 'out_of_scope':
      return `${state.article}: ${state.reason}`
    case 'to_do':
      return `${state.next}.`
  }
}

const objectionDecisionWords: Record<string, string> = {
  stopped: 'the processing has stopped',
  compelling_grounds: 'continued on compelling legitimate grounds (Art. 21(1))',
  public_interest_research: 'continued as research in the public interest (Art. 21(6))',
}

/** The case's parts: what was done, what is kept back and why, and what completing would record. */
export function partsPanelOf(
  type: RequestType,
  parts: RequestPart[],
  options: {
    closing: string | null
    canDecide: boolean
    statement?: string | null
    /** The rectification names its data, so accuracy is decided per category on its own form. */
    namedData?: string[] | null
    /** The person gave no email address (a request by post or phone), so no record can be linked. */
    noEmail?: boolean
  },
): PartsPanel {
  const derived = derivedOutcome(parts)
  const undecided = parts.filter((p) => p.state.state === 'to_do' && p.state.undecided)
  return {
    rows: parts.map((p) => ({
      key: p.key,
      label: p.label,
      tag: partTags[p.state.state],
      detail:
        options.noEmail && p.state.state === 'no_record'
          ? 'No email address was given, so no email record can be linked.'
          : partDetail(type, p.key, p.state),
      ...(p.state.state === 'kept'
        ? { decision: { ground: partGrounds[p.state.ground], reasoning: p.state.reasoning } }
        : {}),
    })),
    outcome: derived.ok ? { text: outcomes[derived.outcome] } : { problem: derived.problem },
    // An objection is decided on its own form, which also records the decision on the record.
    decidable:
      type === 'objection'
        ? []
        : parts.filter((p) => p.decidable).map((p) => ({ value: p.key, text: p.label })),
    grounds: partGroundsFor(type)
      .filter((g) => !(options.namedData && g === 'not_inaccurate'))
      .map((g) => ({ value: g, text: partGrounds[g] })),
    closing: options.closing,
    canDecide: options.canDecide,
    corrections:
      type === 'rectification' && undecided.length > 0
        ? {
            open: undecided.map((p) => ({ value: p.key, text: p.label })),
            decisions: Object.entries(rectificationDecisions)
              .filter(([value]) => value !== 'supplemented' || Boolean(options.statement))
              .map(([value, text]) => ({ value, text })),
            statement: options.statement ?? null,
            addressNamed: options.namedData?.includes('email') ?? false,
          }
        : null,
  }
}

/** A task on the case as its list shows it: how it may be ticked off, and how it was. */
export interface TaskRow {
  id: string
  title: string
  done: boolean
  /** Who ticked it off, how, and their note. */
  doneText: string | null
  /** The choices, when a task can be resolved more than one way (Art. 19, Art. 17(1)(b)). */
  resolutions: { value: string; text: string }[] | null
  noteLabel: string
}

const noteLabels: Record<TaskKind, string> = {
  rectify: 'How it was corrected',
  stop_processing: 'How the processing was stopped',
  consider_erasure: 'Why (the letter quotes a ground for keeping it)',
  erase_category: 'How it was deleted',
  notify_recipient: 'How and when they were told, or why not',
}

export function taskRowsOf(tasks: CaseTask[]): TaskRow[] {
  return tasks.map((t) => {
    const choices = resolutionsFor(t.kind)
    const how = t.resolution && Object.keys(choices).length > 1 ? choices[t.resolution] : undefined
    return {
      id: t.id,
      title: t.title,
      done: t.doneAt !== null,
      doneText: t.doneAt ? `${t.doneByName ?? 'Staff'}${how ? ` (${how})` : ''}: ${t.doneNote ?? ''}` : null,
      resolutions:
        Object.keys(choices).length > 1
          ? Object.entries(choices).map(([value, text]) => ({ value, text }))
          : null,
      noteLabel: t.kind ? noteLabels[t.kind] : 'What was done',
    }
  })
}
