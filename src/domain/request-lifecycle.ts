import {
  answerArrived,
  askPerson,
  clockView,
  ClockRuleError,
  closeClock,
  dueForQueue,
  extend,
  type CaseClock,
  type PauseKind,
} from './case-clock.js'
import { formatLongDate, londonDate, responseDeadline, rulesRegime, type IsoDate } from './clock.js'
import { redactEmailAddresses } from './email-address.js'
import { fillPlaceholders, refusalRightsParagraph, wrapLetter, type LetterContext } from './letters.js'
import type { RequestEvent } from './request-events.js'
import { completionClosing } from './completion-letter.js'
import { derivedOutcome, keptSummary, type RequestPart } from './request-outcome.js'
import {
  groundMismatch,
  groundStatement,
  isRefusalGroundFor,
  refusalGrounds,
  unfinishedReminder,
  type RefusalGround,
} from './refusals.js'
import { isOpen, type RequestStatus } from './request-status.js'
import { requestTypeInfo, type RequestType } from './request-types.js'
import type { RecordSnapshot } from './retention.js'
import type { RightsRequest } from './rights-request.js'

/**
 * The request lifecycle: every change to a rights request is one of these transitions, a plain
 * function from the request, the input and the instant to what changes, the events to record and
 * the letters to send. Nothing here reads or writes; `changeRequest` in the requests module applies
 * the result in one transaction.
 */

export const outcomes = {
  fulfilled: 'Fulfilled',
  partly_fulfilled: 'Partly fulfilled',
  no_data_held: 'No personal data held',
} as const
export type Outcome = keyof typeof outcomes

export const replyMaxLength = 5000

/** The statuses a request closed by mistake can be reopened from. */
export const reopenableStatuses: readonly RequestStatus[] = ['duplicate', 'withdrawn', 'completed']

const pauseStatus: Record<PauseKind, RequestStatus> = {
  clarification: 'awaiting_clarification',
  identity: 'awaiting_identity',
  fee: 'awaiting_fee',
}

/** What the email record looked like when the request met it, kept as evidence. */
export interface RecordLink {
  recordId: string | null
  snapshot: RecordSnapshot
  answer: string | null
}

export type Transition =
  | {
      kind: 'confirm'
      via: 'email_link' | 'staff'
      clockStartOn: IsoDate
      reference: string
      record: RecordLink
      /** The receipt's opening as an administrator worded it, placeholders unfilled. */
      receipt: string
      identityNoteId?: string
    }
  | { kind: 'close_as_duplicate'; first: { id: string; reference: string | null } }
  | { kind: 'lapse' }
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'ask'; pause: PauseKind; letter: string }
  | { kind: 'arrival'; arrivedOn: IsoDate; note: string }
  | { kind: 'reply'; text: string }
  | { kind: 'extend'; letter: string }
  | { kind: 'message'; letter: string }
  | { kind: 'refuse'; ground: string; letter: string }
  | {
      kind: 'complete'
      /** The parts of the request and what became of each, from the case's recorded facts. */
      parts: RequestPart[]
      letter: string
      /** Tasks on the case still to be ticked off. */
      openTasks: number
      /** Why the prepared answer cannot be sent yet, if it cannot. */
      answerProblem: string | null
    }
  | {
      kind: 'close'
      as: 'duplicate' | 'withdrawn'
      note: string
      /** For a duplicate: what was typed as the reference of the first request, and what it found. */
      duplicateOf?: { typed: string; found: DuplicateCandidate | null }
    }
  | { kind: 'withdraw' }
  | { kind: 'reopen'; reason: string }
  /** An action on the person's data taken for the request; the request itself only records it. */
  | {
      kind: 'record_action'
      event: RequestEvent
      allowClosed?: boolean
      /** A letter the action sends (lifting a restriction tells the person first, Art. 18(3)). */
      letter?: ActionLetter
    }

/** The request a request is said to duplicate, as read under the lock. */
export interface DuplicateCandidate {
  id: string
  reference: string | null
  type: RequestType
  studyId: string
  status: RequestStatus
  emailHmac: string | null
  receivedOn: IsoDate
}

/**
 * Why a request cannot be closed as a duplicate of the one found, or null when it can: only the
 * same person's open request of the same type, for the same study, is a duplicate.
 */
export function duplicateProblem(
  request: Pick<RightsRequest, 'id' | 'type' | 'studyId' | 'emailHmac'>,
  typed: string,
  found: DuplicateCandidate | null,
): string | null {
  if (typed.trim() === '') return 'Enter the reference of the request this duplicates'
  if (!found) return `There is no request ${typed.trim()}: check the reference`
  if (found.id === request.id) return 'A request cannot duplicate itself'
  if (!isOpen(found.status))
    return `${found.reference ?? 'That request'} is closed: a request duplicates only one still open`
  if (found.type !== request.type)
    return `${found.reference ?? 'That request'} is a request of another type: only one of the same type is a duplicate`
  if (found.studyId !== request.studyId) return `${found.reference ?? 'That request'} is about another study`
  if (!request.emailHmac || found.emailHmac !== request.emailHmac)
    return `${found.reference ?? 'That request'} was made from another email address: only the same person’s request is a duplicate`
  return null
}

/** A letter a record action sends; `field` is the form field it was written in. */
export interface ActionLetter {
  kind: string
  subject: string
  body: string
  field: string
}

export type TransitionKind = Transition['kind']

export type RequestChanges = Partial<
  Omit<RightsRequest, 'id' | 'studyId' | 'type' | 'channel' | 'version' | 'createdAt' | 'updatedAt'>
>

/** A letter to the person: stored on the case and emailed with a fresh status link. */
export interface OutgoingLetter {
  kind: string
  subject: string
  body: string
}

/** Emails built from the portal's own templates rather than a letter staff wrote. */
export type Notice =
  | { kind: 'receipt'; intro: string }
  | { kind: 'duplicate'; first: { id: string; reference: string | null } }
  | { kind: 'withdrawn'; withdrawnOn: IsoDate }

export interface TransitionResult {
  changes: RequestChanges
  /** The first is the transition's own event; the writer adds what its effects did to it. */
  events: RequestEvent[]
  letters: OutgoingLetter[]
  notices: Notice[]
  /** Something the person wrote, kept on the case. */
  fromPerson: string | null
  effects: {
    /** Unsent answer drafts are discarded: the request closed without them. */
    discardDrafts: boolean
    /** The prepared answer is published on the status page. */
    publishAnswer: boolean
    /** Mail held for the request loses its address and body; what is still waiting is cancelled. */
    forgetMail: boolean
  }
}

/** What a transition needs from outside the request: the time and who signs the letters. */
export interface TransitionContext {
  at: Date
  controllerName: string
  dpoEmail: string
}

/** A rule broken by the input, named by the form field that can put it right. */
export class RequestRuleError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** The element the error summary links to, when it is not the field's own id. */
    readonly href = `#${field}`,
  ) {
    super(message)
    this.name = 'RequestRuleError'
  }
}

/** The transition cannot apply to a request in this status, whatever the input. */
export class TransitionNotAllowed extends Error {
  constructor(
    readonly transition: TransitionKind,
    readonly status: RequestStatus,
    message: string,
  ) {
    super(message)
    this.name = 'TransitionNotAllowed'
  }
}

/** What a person can be asked for: only an access request's clock pauses for clarification. */
export function askableFor(type: RequestType): PauseKind[] {
  return type === 'access' ? ['clarification', 'identity', 'fee'] : ['identity', 'fee']
}

/** The clock a confirmed request carries. Unconfirmed requests have none. */
export function caseClockOf(request: RightsRequest): CaseClock | null {
  if (!request.clockStartOn) return null
  return {
    clockStartOn: request.clockStartOn,
    pausedDays: request.pausedDays,
    extended: request.extended,
    pause: request.pause,
    receivedOn: request.receivedOn,
  }
}

/** The columns a clock is stored as, with the due date the queue sorts by. */
export function clockChanges(clock: CaseClock, today: IsoDate): RequestChanges {
  const due = dueForQueue(clock, today)
  return {
    clockStartOn: clock.clockStartOn,
    pausedDays: clock.pausedDays,
    extended: clock.extended,
    pause: clock.pause,
    dueOn: due,
    extendedDueOn: clock.extended ? due : null,
  }
}

/**
 * The deadline an extension made today would set: three months from the same start, moved by
 * every clarification day so far, the open pause counted to today. The case page drafts it, the
 * extension letter states it and the request stores it.
 */
export function extendedDeadline(clock: CaseClock, today: IsoDate): IsoDate {
  return dueForQueue({ ...clock, extended: true }, today)
}

export function letterContextOf(
  request: RightsRequest,
  context: Pick<TransitionContext, 'controllerName' | 'dpoEmail'>,
  dueOn: IsoDate | null,
): LetterContext {
  return {
    reference: request.reference ?? '',
    type: request.type,
    name: request.requesterName,
    receivedOn: request.receivedOn,
    dueOn,
    controllerName: context.controllerName,
    dpoEmail: context.dpoEmail,
  }
}

/**
 * The receipt: emailed from its template with a status link, or, for a request with no email
 * address, a letter kept on the case to print and post, saying the same without the link.
 */
function receiptFor(
  request: RightsRequest,
  receipt: string,
  context: LetterContext,
): Pick<TransitionResult, 'letters' | 'notices'> {
  const intro = fillPlaceholders(receipt, context)
  if (request.email) return { letters: [], notices: [{ kind: 'receipt', intro }] }
  const info = requestTypeInfo[request.type]
  const body = [
    intro,
    `Request: ${info.name} (${info.article} UK GDPR)\nReceived on: {received}\nWe must answer by: {due}`,
    'If your request is complex we may extend the time limit by up to two months. If we do, we will write to tell you why before {due}.',
    'Please quote {reference} whenever you contact us about this request.',
  ].join('\n\n')
  return {
    letters: [
      {
        kind: 'receipt',
        subject: `We have your request ${context.reference}`,
        body: wrapLetter(fillPlaceholders(body, context), context),
      },
    ],
    notices: [],
  }
}

/** Whether a transition may start from this status (before its input is looked at). */
export function allows(
  kind: TransitionKind,
  request: Pick<RightsRequest, 'status' | 'clockStartOn'>,
): boolean {
  const status = request.status
  switch (kind) {
    case 'confirm':
    case 'close_as_duplicate':
    case 'lapse':
      return status === 'unconfirmed'
    case 'arrival':
      return status === 'awaiting_identity' || status === 'awaiting_fee'
    case 'reply':
      return (
        status === 'awaiting_clarification' || status === 'awaiting_identity' || status === 'awaiting_fee'
      )
    case 'message':
      // Only a request with a reference has someone proven to be behind it to write to.
      return status !== 'unconfirmed' && status !== 'unverified' && request.clockStartOn !== null
    case 'reopen':
      return reopenableStatuses.includes(status) && request.clockStartOn !== null
    case 'record_action':
    case 'assign':
    case 'ask':
    case 'extend':
    case 'refuse':
    case 'complete':
    case 'close':
    case 'withdraw':
      return isOpen(status)
  }
}

/**
 * Throws TransitionNotAllowed, worded for the person who tried, unless the transition may start
 * from the request's status. A record action may be allowed on a closed (confirmed) request.
 */
export function assertAllowed(
  kind: TransitionKind,
  request: Pick<RightsRequest, 'status' | 'clockStartOn'>,
  options: { allowClosed?: boolean | undefined } = {},
): void {
  const permitted =
    kind === 'record_action' && options.allowClosed ? request.clockStartOn !== null : allows(kind, request)
  if (!permitted) throw refusal(kind, request)
}

function refusal(
  kind: TransitionKind,
  request: Pick<RightsRequest, 'status' | 'clockStartOn'>,
): TransitionNotAllowed {
  const message =
    kind === 'confirm' || kind === 'close_as_duplicate' || kind === 'lapse'
      ? 'Request is not waiting for confirmation'
      : kind === 'reply'
        ? 'We are not waiting for a reply'
        : kind === 'reopen'
          ? request.status === 'duplicate' && !request.clockStartOn
            ? 'This request was a duplicate from the start; the first request is the one to handle'
            : 'Only a request closed as a duplicate, withdrawn or completed can be reopened'
          : kind === 'message'
            ? request.status === 'duplicate'
              ? 'This duplicate has no reference of its own: write from the request it duplicates'
              : 'Nobody has confirmed this request, so there is nobody to write to'
            : kind === 'arrival' && isOpen(request.status)
              ? 'This request is not waiting for identity or a fee'
              : 'This request is closed'
  return new TransitionNotAllowed(kind, request.status, message)
}

function requireText(value: string, field: string, message: string, href?: string): string {
  const text = value.trim()
  if (text === '') throw new RequestRuleError(field, message, href)
  return text
}

/**
 * A letter staff wrote, ready to go: not empty, and with no `[reminder]` of what to write left in
 * it. Every letter that leaves the portal passes through here, so none leaves unfinished.
 */
function finishedLetter(
  value: string,
  field: string,
  messages: { empty: string; reminder: string },
  href?: string,
): string {
  const text = requireText(value, field, messages.empty, href)
  const reminder = unfinishedReminder(text)
  if (reminder) throw new RequestRuleError(field, `Replace ${reminder} ${messages.reminder}`, href)
  return text
}

function clockOf(request: RightsRequest, kind: TransitionKind): CaseClock {
  const clock = caseClockOf(request)
  if (!clock) throw new TransitionNotAllowed(kind, request.status, 'The request has not been confirmed')
  return clock
}

/** Runs a clock rule, turning its refusal into an error on the form field that caused it. */
function clockRule<T>(field: string, rule: () => T): T {
  try {
    return rule()
  } catch (error) {
    if (error instanceof ClockRuleError) throw new RequestRuleError(field, error.message)
    throw error
  }
}

const nothing = (): Omit<TransitionResult, 'changes' | 'events'> => ({
  letters: [],
  notices: [],
  fromPerson: null,
  effects: { discardDrafts: false, publishAnswer: false, forgetMail: false },
})

/** Closing: the clock as it stood (a clarification pause counted to today) and the dates. */
function closing(
  request: RightsRequest,
  at: Date,
): { changes: RequestChanges; answeredAgainst: IsoDate | null } {
  const clock = caseClockOf(request)
  if (!clock) return { changes: { pause: null }, answeredAgainst: null }
  const today = londonDate(at)
  const closed = closeClock(clock, today)
  // A clock stopped for identity or a fee never restarted: there is no deadline to be on time for.
  const changes = closed.pause
    ? { ...clockChanges(closed, today), dueOn: null, extendedDueOn: null }
    : clockChanges(closed, today)
  return { changes: { ...changes, closedAt: at.toISOString() }, answeredAgainst: changes.dueOn ?? null }
}

/**
 * Before Art. 12A (requests received before 5 February 2026), a refusal had to reach the person
 * within one month of receipt, whatever extension was taken (Art. 12(4) as it then stood). Past
 * that month, the request can only be answered.
 */
export function lateRefusal(request: RightsRequest, today: IsoDate): string | null {
  const clock = caseClockOf(request)
  if (!clock || clock.pause?.kind === 'identity' || clock.pause?.kind === 'fee') return null
  if (rulesRegime(request.receivedOn) !== 'art12(3)') return null
  const firstMonth = dueForQueue({ ...clock, extended: false }, today)
  if (today <= firstMonth) return null
  return `This request was received before 5 February 2026, when a refusal had to reach the person within one month (by ${formatLongDate(firstMonth)}). It can no longer be refused: answer it instead`
}

/** Text for an event: addresses a member of staff typed never reach the audit trail. */
const forEvent = (text: string) => redactEmailAddresses(text)

/**
 * Applies a transition to a request. Throws TransitionNotAllowed when the request's status does
 * not allow it, and RequestRuleError when the input breaks a rule.
 */
export function applyTransition(
  request: RightsRequest,
  transition: Transition,
  context: TransitionContext,
): TransitionResult {
  assertAllowed(
    transition.kind,
    request,
    transition.kind === 'record_action' ? { allowClosed: transition.allowClosed } : {},
  )
  const { at } = context
  const today = londonDate(at)
  const letter = (dueOn: IsoDate | null, kind: string, subject: string, body: string): OutgoingLetter => {
    const letterContext = letterContextOf(request, context, dueOn)
    return { kind, subject, body: wrapLetter(fillPlaceholders(body, letterContext), letterContext) }
  }
  const reference = request.reference ?? ''

  switch (transition.kind) {
    case 'confirm': {
      const deadline = responseDeadline({ start: transition.clockStartOn, receivedOn: request.receivedOn })
      const confirmed = { ...request, reference: transition.reference }
      return {
        ...nothing(),
        changes: {
          status: 'received',
          reference: transition.reference,
          confirmedAt: at.toISOString(),
          clockStartOn: transition.clockStartOn,
          dueOn: deadline.due,
          recordId: transition.record.recordId,
          recordSnapshot: transition.record.snapshot,
          recordAnswer: transition.record.answer,
        },
        events: [
          {
            kind: 'request.confirmed',
            data: {
              reference: transition.reference,
              clockStartOn: transition.clockStartOn,
              recordId: transition.record.recordId,
              recordState: transition.record.snapshot.state,
              identityEstablishedBy: transition.via,
              ...(transition.identityNoteId ? { identityNoteId: transition.identityNoteId } : {}),
              dueOn: deadline.due,
              rule: deadline.explanation,
              regime: deadline.regime,
            },
          },
        ],
        ...receiptFor(confirmed, transition.receipt, letterContextOf(confirmed, context, deadline.due)),
      }
    }

    case 'close_as_duplicate':
      return {
        ...nothing(),
        changes: {
          status: 'duplicate',
          duplicateOf: transition.first.id,
          confirmedAt: at.toISOString(),
          closedAt: at.toISOString(),
          closeReason: 'duplicate',
        },
        events: [
          {
            kind: 'request.closed_as_duplicate',
            data: { duplicateOf: transition.first.id, reference: transition.first.reference },
          },
        ],
        notices: [{ kind: 'duplicate', first: transition.first }],
      }

    case 'lapse':
      return {
        ...nothing(),
        changes: {
          status: 'unverified',
          email: null,
          emailHmac: null,
          requesterName: null,
          ...(request.postalAddress ? { postalAddress: null } : {}),
          details: null,
          closedAt: at.toISOString(),
          closeReason: 'unverified',
        },
        events: [
          {
            kind: 'request.unverified',
            data: { personalDataRemoved: ['email', 'emailHmac', 'name', 'details'] },
          },
        ],
        effects: { discardDrafts: false, publishAnswer: false, forgetMail: true },
      }

    case 'assign':
      return {
        ...nothing(),
        changes: { assigneeId: transition.assigneeId },
        events: [
          transition.assigneeId
            ? { kind: 'case.assigned', data: { assigneeId: transition.assigneeId } }
            : { kind: 'case.unassigned', data: { assigneeId: null } },
        ],
      }

    case 'ask': {
      const body = finishedLetter(transition.letter, 'body', {
        empty: 'Enter the message to send',
        reminder: 'with what you need from the person',
      })
      if (!askableFor(request.type).includes(transition.pause)) {
        throw new RequestRuleError(
          'kind',
          'Only an access request can be paused for clarification; send a message instead',
        )
      }
      const clock = clockRule('kind', () =>
        askPerson(clockOf(request, transition.kind), transition.pause, today),
      )
      const subject = {
        clarification: 'A question about',
        identity: 'Proof of identity for',
        fee: 'A fee for',
      }[transition.pause]
      return {
        ...nothing(),
        changes: { ...clockChanges(clock, today), status: pauseStatus[transition.pause] },
        events: [
          {
            kind: `case.asked_${transition.pause}`,
            data: {
              askedOn: today,
              clockEffect: transition.pause === 'clarification' ? 'paused' : 'stopped',
            },
          },
        ],
        letters: [letter(null, transition.pause, `${subject} your request ${reference}`, body)],
      }
    }

    case 'arrival': {
      if (transition.arrivedOn > today) {
        throw new RequestRuleError('arrivedOn', 'The date it arrived must be today or in the past')
      }
      const pauseKind = request.pause?.kind === 'fee' ? 'fee' : 'identity'
      const clock = clockRule('arrivedOn', () =>
        answerArrived(clockOf(request, transition.kind), transition.arrivedOn),
      )
      return {
        ...nothing(),
        changes: { ...clockChanges(clock, today), status: 'received' },
        events: [
          {
            kind: `case.${pauseKind}_received`,
            data: {
              arrivedOn: transition.arrivedOn,
              clockRestartsOn: transition.arrivedOn,
              note: transition.note.trim() ? forEvent(transition.note.trim()) : null,
            },
          },
        ],
      }
    }

    case 'reply': {
      const text = requireText(transition.text, 'reply', 'Enter your reply')
      if ([...text].length > replyMaxLength) {
        throw new RequestRuleError('reply', `Your reply must be ${replyMaxLength} characters or fewer`)
      }
      if (request.pause?.kind !== 'clarification') {
        // Proof or payment is checked by staff, who record its arrival; the reply is kept for them.
        return {
          ...nothing(),
          changes: {},
          events: [{ kind: 'case.person_replied', data: { resumed: false } }],
          fromPerson: text,
        }
      }
      const clock = answerArrived(clockOf(request, transition.kind), today)
      return {
        ...nothing(),
        changes: { ...clockChanges(clock, today), status: 'received' },
        events: [
          {
            kind: 'case.person_replied',
            data: { resumed: true, pausedDays: clock.pausedDays - request.pausedDays },
          },
        ],
        fromPerson: text,
      }
    }

    case 'extend': {
      // Art. 12A: an extension notice gives the reasons for the delay.
      const body = finishedLetter(transition.letter, 'reason', {
        empty: 'Enter why the request needs longer',
        reminder: 'with the reasons this request needs longer',
      })
      const clock = clockRule('reason', () => extend(clockOf(request, transition.kind), today))
      const dueOn = extendedDeadline(clock, today)
      return {
        ...nothing(),
        changes: { ...clockChanges(clock, today), extensionReason: body },
        events: [
          {
            kind: 'case.extended',
            data: {
              extendedDueOn: dueOn,
              noticeBy: clockView(clock, today).extensionNoticeBy,
              notifiedOn: today,
            },
          },
        ],
        letters: [letter(dueOn, 'extension', `We need more time for your request ${reference}`, body)],
      }
    }

    case 'message': {
      const body = finishedLetter(transition.letter, 'body', {
        empty: 'Enter the message to send',
        reminder: 'with your message',
      })
      return {
        ...nothing(),
        changes: {},
        events: [{ kind: 'case.message_sent', data: {} }],
        letters: [letter(request.dueOn, 'message', `A message about your request ${reference}`, body)],
      }
    }

    case 'refuse': {
      const written = finishedLetter(
        transition.letter,
        'letter',
        { empty: 'Enter the reasons for the refusal', reminder: 'with the reasons for the refusal' },
        '#refuse-letter',
      )
      const ground = transition.ground
      if (!isRefusalGroundFor(request.type, ground)) {
        throw new RequestRuleError(
          'ground',
          Object.hasOwn(refusalGrounds, ground)
            ? groundMismatch(request.type, ground as RefusalGround)
            : 'Select the reason for refusing',
        )
      }
      const tooLate = lateRefusal(request, today)
      if (tooLate) throw new RequestRuleError('ground', tooLate)
      const close = closing(request, at)
      const letterContext = letterContextOf(request, context, close.answeredAgainst)
      const body = `${fillPlaceholders(written, letterContext)}\n\n${groundStatement(ground)}\n\n${refusalRightsParagraph(letterContext)}`
      return {
        ...nothing(),
        changes: {
          ...close.changes,
          status: 'refused',
          outcome: 'refused',
          outcomeReason: ground,
          closeReason: 'refused',
        },
        events: [{ kind: 'case.refused', data: { ground, answeredOn: today, dueOn: close.answeredAgainst } }],
        letters: [
          letter(close.answeredAgainst, 'refusal', `Our decision on your request ${reference}`, body),
        ],
        effects: { discardDrafts: true, publishAnswer: false, forgetMail: false },
      }
    }

    case 'complete': {
      const written = finishedLetter(transition.letter, 'letter', {
        empty: 'Enter the answer to send',
        reminder: 'with what was done, or take it out',
      })
      if (transition.openTasks > 0) {
        throw new RequestRuleError('parts', 'Tick off every task before completing the request', '#tasks')
      }
      if (transition.answerProblem) throw new RequestRuleError('parts', transition.answerProblem, '#answer')
      // The outcome is what the parts add up to, never chosen against them.
      const derived = derivedOutcome(transition.parts)
      if (!derived.ok) throw new RequestRuleError('parts', derived.problem, '#parts')
      const close = closing(request, at)
      const closingPart = completionClosing(
        transition.parts,
        letterContextOf(request, context, close.answeredAgainst),
      )
      const body = closingPart ? `${written}\n\n${closingPart}` : written
      return {
        ...nothing(),
        changes: {
          ...close.changes,
          status: 'completed',
          outcome: derived.outcome,
          outcomeReason: keptSummary(transition.parts),
          closeReason: 'completed',
        },
        events: [
          {
            kind: 'case.completed',
            data: {
              outcome: derived.outcome,
              answeredOn: today,
              dueOn: close.answeredAgainst,
              onTime: close.answeredAgainst === null ? null : today <= close.answeredAgainst,
              parts: transition.parts.map((p) => ({
                part: p.key,
                state: p.state.state,
                ...(p.state.state === 'kept' ? { ground: p.state.ground } : {}),
              })),
            },
          },
        ],
        letters: [
          letter(close.answeredAgainst, 'completion', `Our answer to your request ${reference}`, body),
        ],
        effects: { discardDrafts: false, publishAnswer: true, forgetMail: false },
      }
    }

    case 'close': {
      if (transition.as !== 'duplicate' && transition.as !== 'withdrawn') {
        throw new RequestRuleError('as', 'Select why you are closing the request')
      }
      const effects = { discardDrafts: true, publishAnswer: false, forgetMail: false }
      if (transition.as === 'withdrawn') {
        const note = requireText(transition.note, 'note', 'Enter how the person withdrew the request')
        return {
          ...nothing(),
          changes: { ...closing(request, at).changes, status: 'withdrawn', closeReason: 'withdrawn' },
          events: [{ kind: 'case.closed_as_withdrawn', data: { note: forEvent(note) } }],
          effects,
        }
      }
      const typed = transition.duplicateOf?.typed ?? ''
      const first = transition.duplicateOf?.found ?? null
      const problem = duplicateProblem(request, typed, first)
      if (problem || !first) throw new RequestRuleError('duplicateOf', problem ?? 'Enter the reference')
      const note = transition.note.trim()
      const close = closing(request, at)
      return {
        ...nothing(),
        changes: { ...close.changes, status: 'duplicate', closeReason: 'duplicate', duplicateOf: first.id },
        events: [
          {
            kind: 'case.closed_as_duplicate',
            data: { duplicateOf: first.id, reference: first.reference, note: note ? forEvent(note) : null },
          },
        ],
        letters: [
          letter(
            close.answeredAgainst,
            'duplicate',
            `We have closed your request ${reference}`,
            `We have closed your request {reference}, received on {received}, because it repeats your request ${first.reference ?? ''}, received on ${formatLongDate(first.receivedOn)}, which we are still working on. We will answer you under ${first.reference ?? 'that request'}.\n\nIf you meant this as a separate request, email {dpo} quoting {reference} and we will reopen it.`,
          ),
        ],
        effects,
      }
    }

    case 'withdraw':
      return {
        ...nothing(),
        changes: { ...closing(request, at).changes, status: 'withdrawn', closeReason: 'withdrawn' },
        events: [{ kind: 'request.withdrawn', data: { reference: request.reference, withdrawnOn: today } }],
        notices: request.email ? [{ kind: 'withdrawn', withdrawnOn: today }] : [],
        effects: { discardDrafts: true, publishAnswer: false, forgetMail: false },
      }

    case 'reopen': {
      const reason = requireText(transition.reason, 'reopenReason', 'Enter why the request is being reopened')
      if (!request.email && !request.postalAddress) {
        throw new RequestRuleError(
          'reopenReason',
          'The person’s contact details have been removed, so they cannot be told it is open again: log a new request instead',
        )
      }
      // The clock carries on from its original start, as if the request had never been closed.
      const clock = clockOf(request, transition.kind)
      const changes = clockChanges(clock, today)
      const status = clock.pause ? pauseStatus[clock.pause.kind] : 'received'
      const dueOn = clock.pause ? null : (changes.dueOn ?? null)
      const dueSentence =
        clock.pause?.kind === 'identity'
          ? 'The time limit for our answer starts again on the day we receive the proof of identity we asked for.'
          : clock.pause?.kind === 'fee'
            ? 'The time limit for our answer starts again on the day we receive the fee we asked for.'
            : dueOn && dueOn < today
              ? `The time limit for our answer ended on ${formatLongDate(dueOn)}. We are sorry for the delay and will answer as soon as we can.`
              : 'We will answer by {due}.'
      return {
        ...nothing(),
        changes: {
          ...changes,
          status,
          closedAt: null,
          closeReason: null,
          outcome: null,
          outcomeReason: null,
          duplicateOf: null,
        },
        events: [
          {
            kind: 'case.reopened',
            data: { previousStatus: request.status, status, reason: forEvent(reason), dueOn },
          },
        ],
        letters: [
          letter(
            dueOn,
            'reopened',
            `We have reopened your request ${reference}`,
            `We have reopened your request {reference}, received on {received}, and are working on it again.\n\n${dueSentence}`,
          ),
        ],
      }
    }

    case 'record_action': {
      const sent = transition.letter
      const body = sent
        ? finishedLetter(sent.body, sent.field, {
            empty: 'Enter the letter to send',
            reminder: 'with what the person needs to know',
          })
        : null
      return {
        ...nothing(),
        changes: {},
        events: [transition.event],
        letters: sent && body ? [letter(request.dueOn, sent.kind, sent.subject, body)] : [],
      }
    }
  }
}
