import { describe, expect, it } from 'vitest'
import { formatLongDate } from '../../src/domain/clock.js'
import { builtInReceipt, defaultLetter } from '../../src/domain/letters.js'
import { unfinishedReminder } from '../../src/domain/refusals.js'
import {
  allows,
  applyTransition,
  caseClockOf,
  extendedDeadline,
  replyMaxLength,
  RequestRuleError,
  TransitionNotAllowed,
  type Transition,
  type TransitionContext,
  type TransitionKind,
  type TransitionResult,
} from '../../src/domain/request-lifecycle.js'
import { requestStatuses, type RequestStatus } from '../../src/domain/request-status.js'
import type { RecordSnapshot } from '../../src/domain/retention.js'
import type { RequestEvent } from '../../src/domain/request-events.js'
import type { RequestPart } from '../../src/domain/request-outcome.js'
import type { RightsRequest } from '../../src/domain/rights-request.js'

const at = new Date('2026-03-10T10:00:00Z')
const today = '2026-03-10'
const context: TransitionContext = { at, controllerName: 'Example Org', dpoEmail: 'dpo@example.org' }
const closedAt = '2026-03-09T15:00:00.000Z'

const snapshot: RecordSnapshot = {
  recordId: 'rec-1',
  takenOn: '2026-03-02',
  state: 'active',
  rule: 'The survey is still open.',
  answersLinked: true,
  holdings: [],
}

/** A confirmed, running access request, received on Monday 2 March 2026 and due on 2 April 2026. */
function makeRequest(overrides: Partial<RightsRequest> = {}): RightsRequest {
  return {
    id: 'req-1',
    studyId: 'study-1',
    reference: 'DSR-2026-0001',
    type: 'access',
    status: 'received',
    channel: 'web',
    email: 'person@example.com',
    emailHmac: 'hmac-of-person',
    requesterName: 'Sam Person',
    details: { type: 'access', description: 'Everything you hold about me' },
    receivedAt: '2026-03-02T09:00:00.000Z',
    receivedOn: '2026-03-02',
    confirmedAt: '2026-03-02T09:30:00.000Z',
    clockStartOn: '2026-03-02',
    dueOn: '2026-04-02',
    extendedDueOn: null,
    pausedDays: 0,
    closedAt: null,
    closeReason: null,
    duplicateOf: null,
    assigneeId: null,
    extended: false,
    extensionReason: null,
    pause: null,
    outcome: null,
    outcomeReason: null,
    recordAnswer: null,
    recordId: 'rec-1',
    recordSnapshot: snapshot,
    version: 3,
    createdAt: '2026-03-02T09:00:00.000Z',
    updatedAt: '2026-03-05T12:00:00.000Z',
    ...overrides,
  }
}

const unconfirmedFields: Partial<RightsRequest> = {
  reference: null,
  confirmedAt: null,
  clockStartOn: null,
  dueOn: null,
  recordId: null,
  recordSnapshot: null,
}

/** One request per status, plus a duplicate closed by staff (which, unlike one closed at confirmation, has a clock). */
const fixtures = {
  unconfirmed: makeRequest({ status: 'unconfirmed', ...unconfirmedFields }),
  received: makeRequest(),
  awaiting_clarification: makeRequest({
    status: 'awaiting_clarification',
    pause: { kind: 'clarification', since: '2026-03-05' },
  }),
  awaiting_identity: makeRequest({
    status: 'awaiting_identity',
    pause: { kind: 'identity', since: '2026-03-05' },
    dueOn: '2026-04-05',
  }),
  awaiting_fee: makeRequest({
    status: 'awaiting_fee',
    pause: { kind: 'fee', since: '2026-03-05' },
    dueOn: '2026-04-05',
  }),
  completed: makeRequest({ status: 'completed', closedAt, closeReason: 'completed', outcome: 'fulfilled' }),
  refused: makeRequest({
    status: 'refused',
    closedAt,
    closeReason: 'refused',
    outcome: 'refused',
    outcomeReason: 'manifestly_excessive',
  }),
  withdrawn: makeRequest({ status: 'withdrawn', closedAt, closeReason: 'withdrawn' }),
  duplicate: makeRequest({
    status: 'duplicate',
    ...unconfirmedFields,
    confirmedAt: closedAt,
    duplicateOf: 'req-0',
    closedAt,
    closeReason: 'duplicate',
  }),
  duplicate_closed_by_staff: makeRequest({ status: 'duplicate', closedAt, closeReason: 'duplicate' }),
  unverified: makeRequest({
    status: 'unverified',
    ...unconfirmedFields,
    email: null,
    emailHmac: null,
    requesterName: null,
    details: null,
    closedAt,
    closeReason: 'unverified',
  }),
} satisfies Record<string, RightsRequest>

type Fixture = keyof typeof fixtures

/** An input each transition accepts whenever its status allows it (bar the rule errors in the table). */
const donePart: RequestPart = {
  key: 'email',
  label: 'Email address',
  decidable: false,
  state: { state: 'done', on: null },
}
const keptPart: RequestPart = {
  key: 'survey_answers',
  label: 'Answers to the survey questions',
  decidable: true,
  state: { state: 'kept', ground: 'erasure_research', reasoning: 'The analysis is under way.' },
}

function validInput(kind: TransitionKind): Transition {
  switch (kind) {
    case 'confirm':
      return {
        kind,
        via: 'email_link',
        clockStartOn: today,
        reference: 'DSR-2026-0042',
        record: { recordId: 'rec-1', snapshot, answer: null },
        receipt: builtInReceipt,
      }
    case 'close_as_duplicate':
      return { kind, first: { id: 'req-0', reference: 'DSR-2026-0007' } }
    case 'lapse':
    case 'withdraw':
      return { kind }
    case 'assign':
      return { kind, assigneeId: 'staff-1' }
    case 'ask':
      return { kind, pause: 'identity', letter: 'Please send a photo of your passport.' }
    case 'arrival':
      return { kind, arrivedOn: today, note: 'Passport checked' }
    case 'reply':
      return { kind, text: 'I meant my survey answers.' }
    case 'extend':
      return { kind, letter: 'Your request is complex. We will now answer by {due}.' }
    case 'message':
      return { kind, letter: 'A short update on {reference}.' }
    case 'refuse':
      return {
        kind,
        ground: 'manifestly_excessive',
        letter: 'We have decided not to act on your request {reference}: it repeats 40 requests this week.',
      }
    case 'complete':
      return {
        kind,
        parts: [donePart],
        letter: 'Here is your data.',
        openTasks: 0,
        answerProblem: null,
      }
    case 'close':
      return { kind, as: 'withdrawn', note: 'The person withdrew by phone.' }
    case 'reopen':
      return { kind, reason: 'Closed by mistake' }
    case 'record_action':
      return { kind, event: { kind: 'case.note_added', data: { noteId: 'note-1' } } }
  }
}

/**
 * What each transition does from each status, with the input above:
 * - a status: it succeeds and `changes.status` is that status;
 * - 'same': it succeeds without changing the status;
 * - 'rule error: <field>': the status allows it, but no input can satisfy the rules there;
 * - 'not allowed': `allows` is false and `applyTransition` throws TransitionNotAllowed.
 */
type Expected = RequestStatus | 'same' | 'not allowed' | `rule error: ${string}`

const table: Record<Fixture, Record<TransitionKind, Expected>> = {
  unconfirmed: {
    confirm: 'received',
    close_as_duplicate: 'duplicate',
    lapse: 'unverified',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'not allowed',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'not allowed',
    record_action: 'not allowed',
  },
  received: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'same',
    ask: 'awaiting_identity',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'same',
    message: 'same',
    refuse: 'refused',
    complete: 'completed',
    close: 'withdrawn',
    withdraw: 'withdrawn',
    reopen: 'not allowed',
    record_action: 'same',
  },
  awaiting_clarification: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'same',
    ask: 'rule error: kind',
    arrival: 'not allowed',
    reply: 'received',
    extend: 'same',
    message: 'same',
    refuse: 'refused',
    complete: 'completed',
    close: 'withdrawn',
    withdraw: 'withdrawn',
    reopen: 'not allowed',
    record_action: 'same',
  },
  awaiting_identity: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'same',
    ask: 'rule error: kind',
    arrival: 'received',
    reply: 'same',
    extend: 'rule error: reason',
    message: 'same',
    refuse: 'refused',
    complete: 'completed',
    close: 'withdrawn',
    withdraw: 'withdrawn',
    reopen: 'not allowed',
    record_action: 'same',
  },
  awaiting_fee: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'same',
    ask: 'rule error: kind',
    arrival: 'received',
    reply: 'same',
    extend: 'rule error: reason',
    message: 'same',
    refuse: 'refused',
    complete: 'completed',
    close: 'withdrawn',
    withdraw: 'withdrawn',
    reopen: 'not allowed',
    record_action: 'same',
  },
  completed: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'same',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'received',
    record_action: 'not allowed',
  },
  refused: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'same',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'not allowed',
    record_action: 'not allowed',
  },
  withdrawn: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'same',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'received',
    record_action: 'not allowed',
  },
  duplicate: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'not allowed',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'not allowed',
    record_action: 'not allowed',
  },
  duplicate_closed_by_staff: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'same',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'received',
    record_action: 'not allowed',
  },
  unverified: {
    confirm: 'not allowed',
    close_as_duplicate: 'not allowed',
    lapse: 'not allowed',
    assign: 'not allowed',
    ask: 'not allowed',
    arrival: 'not allowed',
    reply: 'not allowed',
    extend: 'not allowed',
    message: 'not allowed',
    refuse: 'not allowed',
    complete: 'not allowed',
    close: 'not allowed',
    withdraw: 'not allowed',
    reopen: 'not allowed',
    record_action: 'not allowed',
  },
}

const cases = (Object.keys(table) as Fixture[]).flatMap((fixture) =>
  (Object.entries(table[fixture]) as [TransitionKind, Expected][]).map(
    ([kind, expected]) => [fixture, kind, expected] as const,
  ),
)

function apply(request: RightsRequest, transition: Transition): TransitionResult {
  return applyTransition(request, transition, context)
}

/** The request as stored after a transition's changes are written. */
function after(request: RightsRequest, result: TransitionResult): RightsRequest {
  return { ...request, ...result.changes }
}

function ruleError(run: () => unknown): RequestRuleError {
  try {
    run()
  } catch (error) {
    if (error instanceof RequestRuleError) return error
    throw error
  }
  throw new Error('Expected a RequestRuleError')
}

describe('the status × transition table', () => {
  it('has a fixture for every status, each in the status it is named for', () => {
    const statuses = new Set(Object.values(fixtures).map((request) => request.status))
    expect([...statuses].sort()).toEqual([...requestStatuses].sort())
    for (const name of Object.keys(fixtures) as Fixture[]) {
      expect(name.startsWith(fixtures[name].status)).toBe(true)
    }
  })

  it.each(cases)('%s + %s → %s', (fixture, kind, expected) => {
    const request = fixtures[fixture]
    const transition = validInput(kind)
    expect(allows(kind, request)).toBe(expected !== 'not allowed')

    if (expected === 'not allowed') {
      let thrown: unknown
      try {
        apply(request, transition)
      } catch (error) {
        thrown = error
      }
      expect(thrown).toBeInstanceOf(TransitionNotAllowed)
      expect(thrown).toMatchObject({ transition: kind, status: request.status })
      return
    }
    if (expected.startsWith('rule error: ')) {
      expect(ruleError(() => apply(request, transition)).field).toBe(expected.slice('rule error: '.length))
      return
    }
    const result = apply(request, transition)
    expect(result.events.length).toBeGreaterThan(0)
    if (expected === 'same') expect(result.changes).not.toHaveProperty('status')
    else expect(result.changes.status).toBe(expected)
  })

  it('explains why a transition is not allowed in words for the person who tried', () => {
    expect(() => apply(fixtures.duplicate, validInput('reopen'))).toThrow(
      'This request was a duplicate from the start; the first request is the one to handle',
    )
    expect(() => apply(fixtures.refused, validInput('reopen'))).toThrow(
      'Only a request closed as a duplicate, withdrawn or completed can be reopened',
    )
    expect(() => apply(fixtures.received, validInput('confirm'))).toThrow(
      'Request is not waiting for confirmation',
    )
    expect(() => apply(fixtures.received, validInput('reply'))).toThrow('We are not waiting for a reply')
    expect(() => apply(fixtures.unverified, validInput('message'))).toThrow(
      'Nobody has confirmed this request, so there is nobody to write to',
    )
    // A duplicate closed at confirmation has no reference of its own: the first request is written to.
    expect(() => apply(fixtures.duplicate, validInput('message'))).toThrow(
      'This duplicate has no reference of its own: write from the request it duplicates',
    )
    expect(() => apply(fixtures.awaiting_clarification, validInput('arrival'))).toThrow(
      'This request is not waiting for identity or a fee',
    )
    expect(() => apply(fixtures.completed, validInput('arrival'))).toThrow('This request is closed')
  })

  it('lets a record action through on a closed request only when it has a clock and asks for it', () => {
    const event: RequestEvent = { kind: 'case.restriction_lifted', data: { recordId: 'rec-1' } }
    const action: Transition = {
      kind: 'record_action',
      allowClosed: true,
      event,
      letter: {
        kind: 'restriction_lifted',
        subject: 'Lifting the restriction',
        body: 'We will lift it.',
        field: 'lift-letter',
      },
    }
    const result = apply(fixtures.completed, action)
    expect(result.changes).toEqual({})
    expect(result.events).toEqual([event])
    expect(result.letters).toHaveLength(1)
    expect(result.letters[0]?.body).toContain('We will lift it.')
    expect(() => apply(fixtures.duplicate, action)).toThrow(TransitionNotAllowed)
    expect(() => apply(fixtures.unverified, action)).toThrow(TransitionNotAllowed)
    expect(() => apply(fixtures.unconfirmed, action)).toThrow(TransitionNotAllowed)
  })
})

describe('rule errors name the form field', () => {
  const erasure = makeRequest({ type: 'erasure', details: { type: 'erasure' } })
  const rectification = makeRequest({
    type: 'rectification',
    details: { type: 'rectification', inaccurate: 'Name', correction: 'Sam' },
  })
  const pastFirstMonth = makeRequest({ clockStartOn: '2026-02-02', receivedOn: '2026-02-02' })
  const complete = (overrides: Partial<Extract<Transition, { kind: 'complete' }>>): Transition => ({
    kind: 'complete',
    parts: [donePart],
    letter: 'Here is your data.',
    openTasks: 0,
    answerProblem: null,
    ...overrides,
  })

  const ruleCases: {
    name: string
    request: RightsRequest
    transition: Transition
    field: string
    href?: string
    message?: string | RegExp
  }[] = [
    {
      name: 'ask with an empty letter',
      request: fixtures.received,
      transition: { kind: 'ask', pause: 'identity', letter: '  \n ' },
      field: 'body',
      message: 'Enter the message to send',
    },
    {
      name: 'message with an empty letter',
      request: fixtures.completed,
      transition: { kind: 'message', letter: '' },
      field: 'body',
    },
    {
      name: 'clarification on a non-access request',
      request: rectification,
      transition: { kind: 'ask', pause: 'clarification', letter: 'What do you mean?' },
      field: 'kind',
      message: /Only an access request can be paused for clarification/,
    },
    {
      name: 'asking while already paused',
      request: fixtures.awaiting_clarification,
      transition: { kind: 'ask', pause: 'fee', letter: 'Please pay £10.' },
      field: 'kind',
      message: 'The case is already waiting for the person',
    },
    {
      name: 'an arrival in the future',
      request: fixtures.awaiting_identity,
      transition: { kind: 'arrival', arrivedOn: '2026-03-11', note: '' },
      field: 'arrivedOn',
      message: 'The date it arrived must be today or in the past',
    },
    {
      name: 'an arrival before the question was asked',
      request: fixtures.awaiting_fee,
      transition: { kind: 'arrival', arrivedOn: '2026-03-04', note: '' },
      field: 'arrivedOn',
      message: 'The answer cannot arrive before the question',
    },
    {
      name: 'an empty reply',
      request: fixtures.awaiting_clarification,
      transition: { kind: 'reply', text: '   ' },
      field: 'reply',
      message: 'Enter your reply',
    },
    {
      name: 'an over-long reply',
      request: fixtures.awaiting_clarification,
      transition: { kind: 'reply', text: 'x'.repeat(replyMaxLength + 1) },
      field: 'reply',
      message: `Your reply must be ${replyMaxLength} characters or fewer`,
    },
    {
      name: 'extend with an empty letter',
      request: fixtures.received,
      transition: { kind: 'extend', letter: '' },
      field: 'reason',
      message: 'Enter why the request needs longer',
    },
    {
      name: 'extend after the first month ended',
      request: pastFirstMonth,
      transition: { kind: 'extend', letter: 'It is complex.' },
      field: 'reason',
      message: 'The first month ended on 2 March 2026: an extension had to be notified by then',
    },
    {
      name: 'extend a second time',
      request: makeRequest({ extended: true, extendedDueOn: '2026-06-02' }),
      transition: { kind: 'extend', letter: 'It is complex.' },
      field: 'reason',
      message: 'The time limit has already been extended',
    },
    {
      name: 'refuse with an empty letter',
      request: fixtures.received,
      transition: { kind: 'refuse', ground: 'manifestly_excessive', letter: ' ' },
      field: 'letter',
      href: '#refuse-letter',
      message: 'Enter the reasons for the refusal',
    },
    {
      name: 'a refusal still holding a reminder',
      request: fixtures.received,
      transition: {
        kind: 'refuse',
        ground: 'manifestly_excessive',
        letter: 'We will not act on it. [Give the reasons.]',
      },
      field: 'letter',
      href: '#refuse-letter',
      message: 'Replace [Give the reasons.] with the reasons for the refusal',
    },
    {
      name: 'an unknown refusal ground',
      request: erasure,
      transition: { kind: 'refuse', ground: 'we_are_busy', letter: 'No.' },
      field: 'ground',
      message: 'Select the reason for refusing',
    },
    {
      name: 'an Art. 17(3) ground on an access request',
      request: fixtures.received,
      transition: { kind: 'refuse', ground: 'research_exemption', letter: 'No.' },
      field: 'ground',
      message: 'Article 17(3) exemptions apply only to erasure requests',
    },
    {
      name: 'complete with a part still to do',
      request: fixtures.received,
      transition: complete({
        parts: [donePart, { ...keptPart, state: { state: 'to_do', next: 'Erase the record' } }],
      }),
      field: 'parts',
      href: '#parts',
      message: 'Answers to the survey questions: Erase the record, or record why it is not done',
    },
    {
      name: 'complete when nothing was done and something was kept back',
      request: fixtures.received,
      transition: complete({ parts: [keptPart] }),
      field: 'parts',
      href: '#parts',
      message: 'refuse it instead',
    },
    {
      name: 'complete with a reminder left in the letter',
      request: fixtures.received,
      transition: complete({ letter: 'Done. [Say what was deleted and when.]' }),
      field: 'letter',
      message: 'Replace [Say what was deleted and when.]',
    },
    {
      name: 'complete with an empty letter',
      request: fixtures.received,
      transition: complete({ letter: '' }),
      field: 'letter',
      href: '#letter',
    },
    {
      name: 'complete with open tasks',
      request: fixtures.received,
      transition: complete({ openTasks: 2 }),
      field: 'parts',
      href: '#tasks',
      message: 'Tick off every task before completing the request',
    },
    {
      name: 'complete while the answer cannot be sent',
      request: fixtures.received,
      transition: complete({ answerProblem: 'The answer file is still being prepared' }),
      field: 'parts',
      href: '#answer',
      message: 'The answer file is still being prepared',
    },
    {
      name: 'close with an empty note',
      request: fixtures.received,
      transition: { kind: 'close', as: 'withdrawn', note: '' },
      field: 'note',
      message: 'Enter how the person withdrew the request',
    },
    {
      name: 'close as a duplicate without the reference of the first request',
      request: fixtures.received,
      transition: { kind: 'close', as: 'duplicate', note: ' ', duplicateOf: { typed: ' ', found: null } },
      field: 'duplicateOf',
      message: 'Enter the reference of the request this duplicates',
    },
    {
      name: 'reopen without a reason',
      request: fixtures.completed,
      transition: { kind: 'reopen', reason: '\t' },
      field: 'reopenReason',
      message: 'Enter why the request is being reopened',
    },
  ]

  it.each(ruleCases)('$name → $field', ({ request, transition, field, href, message }) => {
    const error = ruleError(() => apply(request, transition))
    expect(error.field).toBe(field)
    expect(error.href).toBe(href ?? `#${field}`)
    if (message !== undefined) expect(error.message).toMatch(message)
  })

  it('accepts a reply of exactly the maximum length, counted in characters rather than UTF-16 units', () => {
    const text = '😀'.repeat(replyMaxLength)
    const result = apply(fixtures.awaiting_clarification, { kind: 'reply', text })
    expect(result.changes.status).toBe('received')
    expect(result.fromPerson).toBe(text)
  })

  it('accepts every Art. 17(3) ground on an erasure request', () => {
    const result = apply(erasure, { kind: 'refuse', ground: 'research_exemption', letter: 'No.' })
    expect(result.changes.outcomeReason).toBe('research_exemption')
  })

  it('records what the parts add up to, never a chosen outcome', () => {
    expect(apply(fixtures.received, complete({})).changes.outcome).toBe('fulfilled')
    const partly = apply(fixtures.received, complete({ parts: [donePart, keptPart] }))
    expect(partly.changes).toMatchObject({
      outcome: 'partly_fulfilled',
      outcomeReason: 'erasure_research: survey_answers',
    })
    const none = apply(
      fixtures.received,
      complete({ parts: [{ ...donePart, decidable: false, state: { state: 'no_record' } }] }),
    )
    expect(none.changes.outcome).toBe('no_data_held')
    expect(partly.events[0]).toMatchObject({
      kind: 'case.completed',
      data: {
        outcome: 'partly_fulfilled',
        parts: [
          { part: 'email', state: 'done' },
          { part: 'survey_answers', state: 'kept', ground: 'erasure_research' },
        ],
      },
    })
  })

  it('adds the kept parts, their grounds and reasons, and the Art. 12(4) rights to a partial answer', () => {
    const written = 'We deleted your email address.'
    const full = apply(fixtures.received, complete({ letter: written })).letters[0]?.body ?? ''
    expect(full).not.toContain('Information Commissioner')
    const partly = apply(fixtures.received, complete({ letter: written, parts: [donePart, keptPart] }))
    const body = partly.letters[0]?.body ?? ''
    expect(body).toContain(written)
    expect(body).toContain('What we have not done, and why:')
    expect(body).toContain('- Answers to the survey questions: Erasing the data would make research')
    expect(body).toContain('(Article 17(3)(d)). The analysis is under way.')
    expect(body).toContain("complain to the Information Commissioner's Office")
    expect(body).toContain('judicial remedy')
  })
})

describe('the clock', () => {
  const paused = fixtures.awaiting_clarification // paused since 5 March; 6 days counted by 10 March

  it('counts a clarification pause the same whether the person withdraws or staff close as withdrawn', () => {
    const byPerson = apply(paused, { kind: 'withdraw' }).changes
    const byStaff = apply(paused, {
      kind: 'close',
      as: 'withdrawn',
      note: 'They phoned to withdraw.',
    }).changes
    const clockFields = (changes: TransitionResult['changes']) => ({
      pausedDays: changes.pausedDays,
      pause: changes.pause,
      dueOn: changes.dueOn,
      status: changes.status,
      closedAt: changes.closedAt,
    })
    expect(clockFields(byPerson)).toEqual({
      pausedDays: 6,
      pause: null,
      dueOn: '2026-04-08',
      status: 'withdrawn',
      closedAt: at.toISOString(),
    })
    expect(clockFields(byStaff)).toEqual(clockFields(byPerson))
  })

  it('dates the refusal and completion letters by the deadline the close works out, pause included', () => {
    // Paused since 5 March, the stored due date is stale; closing on 10 March counts 6 days.
    const stale = { ...paused, dueOn: '2026-04-07' }
    const refused = apply(stale, {
      kind: 'refuse',
      ground: 'manifestly_excessive',
      letter: 'We would have answered by {due}.',
    })
    expect(refused.changes.dueOn).toBe('2026-04-08')
    expect(refused.letters[0]?.body).toContain('We would have answered by 8 April 2026.')
    const completed = apply(stale, {
      kind: 'complete',
      parts: [donePart],
      letter: 'Answered before {due}.',
      openTasks: 0,
      answerProblem: null,
    })
    expect(completed.letters[0]?.body).toContain('Answered before 8 April 2026.')
  })

  it('stores no deadline for a case closed while its clock was stopped for identity or a fee', () => {
    for (const waiting of [fixtures.awaiting_identity, fixtures.awaiting_fee]) {
      const closed = apply(waiting, { kind: 'close', as: 'withdrawn', note: 'By post.' }).changes
      expect(closed).toMatchObject({ dueOn: null, extendedDueOn: null, pause: waiting.pause })
    }
  })

  it('answers a clarification reply by resuming the clock with the paused days added', () => {
    const result = apply(paused, { kind: 'reply', text: 'I meant the survey.' })
    expect(result.changes).toMatchObject({
      status: 'received',
      pausedDays: 6,
      pause: null,
      dueOn: '2026-04-08',
    })
    expect(result.events[0]).toEqual({ kind: 'case.person_replied', data: { resumed: true, pausedDays: 6 } })
    expect(result.fromPerson).toBe('I meant the survey.')
  })

  it('keeps a reply to an identity request for staff without restarting the clock', () => {
    const result = apply(fixtures.awaiting_identity, { kind: 'reply', text: 'Attached.' })
    expect(result.changes).toEqual({})
    expect(result.events[0]).toEqual({ kind: 'case.person_replied', data: { resumed: false } })
    expect(result.fromPerson).toBe('Attached.')
  })

  it('restarts the clock from the day proof of identity or a fee arrives', () => {
    const identity = apply(fixtures.awaiting_identity, { kind: 'arrival', arrivedOn: '2026-03-06', note: '' })
    expect(identity.changes).toMatchObject({
      status: 'received',
      clockStartOn: '2026-03-06',
      pausedDays: 0,
      pause: null,
      dueOn: '2026-04-07', // 6 April 2026 is Easter Monday
    })
    expect(identity.events[0]).toEqual({
      kind: 'case.identity_received',
      data: { arrivedOn: '2026-03-06', clockRestartsOn: '2026-03-06', note: null },
    })
    const fee = apply(fixtures.awaiting_fee, { kind: 'arrival', arrivedOn: today, note: ' Paid by card ' })
    expect(fee.events[0]).toEqual({
      kind: 'case.fee_received',
      data: { arrivedOn: today, clockRestartsOn: today, note: 'Paid by card' },
    })
    expect(fee.changes.dueOn).toBe('2026-04-10')
  })

  it('stops the clock when identity is asked for, and pauses it for clarification', () => {
    const identity = apply(fixtures.received, validInput('ask'))
    expect(identity.changes).toMatchObject({
      status: 'awaiting_identity',
      pause: { kind: 'identity', since: today },
    })
    expect(identity.events[0]).toEqual({
      kind: 'case.asked_identity',
      data: { askedOn: today, clockEffect: 'stopped' },
    })
    const clarification = apply(fixtures.received, {
      kind: 'ask',
      pause: 'clarification',
      letter: 'Which survey?',
    })
    expect(clarification.changes).toMatchObject({
      status: 'awaiting_clarification',
      pause: { kind: 'clarification', since: today },
    })
    expect(clarification.events[0]?.data).toEqual({ askedOn: today, clockEffect: 'paused' })
    expect(clarification.letters[0]?.subject).toBe('A question about your request DSR-2026-0001')
  })

  it('closes during an identity pause with the pause kept and no deadline to be on time for', () => {
    const refused = apply(fixtures.awaiting_identity, validInput('refuse'))
    expect(refused.changes.pause).toEqual({ kind: 'identity', since: '2026-03-05' })
    expect(refused.events[0]).toMatchObject({
      kind: 'case.refused',
      data: { dueOn: null, answeredOn: today },
    })

    const completed = apply(fixtures.awaiting_identity, validInput('complete'))
    expect(completed.changes.pause).toEqual({ kind: 'identity', since: '2026-03-05' })
    expect(completed.events[0]).toEqual({
      kind: 'case.completed',
      data: {
        outcome: 'fulfilled',
        answeredOn: today,
        dueOn: null,
        onTime: null,
        parts: [{ part: 'email', state: 'done' }],
      },
    })
  })

  it('measures a completion on a running clock against its deadline', () => {
    const completed = apply(fixtures.received, validInput('complete'))
    expect(completed.events[0]?.data).toMatchObject({ dueOn: '2026-04-02', onTime: true })
    const late = makeRequest({ clockStartOn: '2026-01-05', receivedOn: '2026-01-05', dueOn: '2026-02-05' })
    expect(apply(late, validInput('complete')).events[0]?.data).toMatchObject({
      dueOn: '2026-02-05',
      onTime: false,
    })
  })

  it('extends during a clarification pause to the deadline the extension letter states', () => {
    const clock = caseClockOf(paused)
    expect(clock).not.toBeNull()
    const expected = extendedDeadline(clock!, today)
    expect(expected).toBe('2026-06-08') // three months from 2 March, plus the 6 days paused so far

    const result = apply(paused, {
      kind: 'extend',
      letter: ' This request is complex. We will now answer by {due}. ',
    })
    expect(result.changes).toMatchObject({
      extended: true,
      extendedDueOn: expected,
      dueOn: expected,
      pause: { kind: 'clarification', since: '2026-03-05' },
      extensionReason: 'This request is complex. We will now answer by {due}.',
    })
    expect(result.events[0]).toEqual({
      kind: 'case.extended',
      data: { extendedDueOn: expected, noticeBy: '2026-04-02', notifiedOn: today },
    })
    expect(result.letters).toHaveLength(1)
    expect(result.letters[0]?.kind).toBe('extension')
    expect(result.letters[0]?.body).toContain(`We will now answer by ${formatLongDate(expected)}.`)
  })

  it('reopens a completed request from its original clock start, answering by the deadline still ahead', () => {
    const result = apply(fixtures.completed, { kind: 'reopen', reason: 'Answer was sent to the wrong case' })
    expect(result.changes).toMatchObject({
      clockStartOn: '2026-03-02',
      status: 'received',
      closedAt: null,
      closeReason: null,
      outcome: null,
      outcomeReason: null,
      duplicateOf: null,
      dueOn: '2026-04-02',
    })
    expect(result.events[0]).toEqual({
      kind: 'case.reopened',
      data: {
        previousStatus: 'completed',
        status: 'received',
        reason: 'Answer was sent to the wrong case',
        dueOn: '2026-04-02',
      },
    })
    const body = result.letters[0]?.body ?? ''
    expect(body).toContain('received on 2 March 2026')
    expect(body).toContain('We will answer by 2 April 2026.')
    expect(body).not.toContain('{')
  })

  it('reopens a request whose deadline has passed with an apology instead of a date', () => {
    const late = makeRequest({
      status: 'completed',
      clockStartOn: '2026-01-05',
      receivedOn: '2026-01-05',
      dueOn: '2026-02-05',
      closedAt: '2026-02-01T10:00:00.000Z',
      closeReason: 'completed',
      outcome: 'fulfilled',
    })
    const result = apply(late, { kind: 'reopen', reason: 'Closed by mistake' })
    expect(result.changes).toMatchObject({
      status: 'received',
      clockStartOn: '2026-01-05',
      dueOn: '2026-02-05',
    })
    const body = result.letters[0]?.body ?? ''
    expect(body).toContain('The time limit for our answer ended on 5 February 2026.')
    expect(body).not.toContain('We will answer by')
  })

  it('reopens a request closed while waiting for identity into waiting for identity', () => {
    const withdrawn = after(
      fixtures.awaiting_identity,
      apply(fixtures.awaiting_identity, { kind: 'withdraw' }),
    )
    expect(withdrawn.status).toBe('withdrawn')
    const result = apply(withdrawn, { kind: 'reopen', reason: 'Withdrawal was from someone else' })
    expect(result.changes).toMatchObject({
      status: 'awaiting_identity',
      pause: { kind: 'identity', since: '2026-03-05' },
      closedAt: null,
    })
    expect(result.events[0]?.data).toMatchObject({ previousStatus: 'withdrawn', dueOn: null })
    expect(result.letters[0]?.body).toContain(
      'The time limit for our answer starts again on the day we receive the proof of identity we asked for.',
    )
  })

  it('reopens a duplicate closed by staff and forgets what it duplicated', () => {
    const duplicate = { ...fixtures.duplicate_closed_by_staff, duplicateOf: 'req-0' }
    const result = apply(duplicate, { kind: 'reopen', reason: 'Not a duplicate after all' })
    expect(result.changes).toMatchObject({ status: 'received', duplicateOf: null, closeReason: null })
  })
})

describe('events and effects', () => {
  it('confirms with the deadline, its rule and a receipt with the placeholders filled', () => {
    const result = apply(fixtures.unconfirmed, {
      ...(validInput('confirm') as Extract<Transition, { kind: 'confirm' }>),
      clockStartOn: '2026-03-06',
      via: 'staff',
      identityNoteId: 'note-9',
    })
    expect(result.changes).toMatchObject({
      status: 'received',
      reference: 'DSR-2026-0042',
      confirmedAt: at.toISOString(),
      clockStartOn: '2026-03-06',
      dueOn: '2026-04-07',
      recordId: 'rec-1',
      recordSnapshot: snapshot,
      recordAnswer: null,
    })
    expect(result.events).toEqual([
      {
        kind: 'request.confirmed',
        data: {
          reference: 'DSR-2026-0042',
          clockStartOn: '2026-03-06',
          recordId: 'rec-1',
          recordState: 'active',
          identityEstablishedBy: 'staff',
          identityNoteId: 'note-9',
          dueOn: '2026-04-07',
          rule: 'One calendar month from 6 March 2026 (Art. 12A UK GDPR): 6 April 2026, which is a bank holiday, so the next working day, 7 April 2026.',
          regime: 'art12A',
        },
      },
    ])
    expect(result.notices).toEqual([
      {
        kind: 'receipt',
        intro:
          'Thank you for your request to get a copy of your data. Your reference number is DSR-2026-0042. We must answer by 7 April 2026.',
      },
    ])
    expect(result.letters).toEqual([])
  })

  it('leaves out the identity note when the person confirmed by email', () => {
    const result = apply(fixtures.unconfirmed, validInput('confirm'))
    expect(result.events[0]?.data).not.toHaveProperty('identityNoteId')
    expect(result.events[0]?.data).toMatchObject({ identityEstablishedBy: 'email_link', dueOn: '2026-04-10' })
  })

  it('closes an unconfirmed duplicate pointing at the first request', () => {
    const result = apply(fixtures.unconfirmed, validInput('close_as_duplicate'))
    expect(result.changes).toMatchObject({
      status: 'duplicate',
      duplicateOf: 'req-0',
      closedAt: at.toISOString(),
      closeReason: 'duplicate',
    })
    expect(result.changes).not.toHaveProperty('clockStartOn')
    expect(result.notices).toEqual([
      { kind: 'duplicate', first: { id: 'req-0', reference: 'DSR-2026-0007' } },
    ])
  })

  it('lapses an unconfirmed request, removing the personal data and forgetting its mail', () => {
    const result = apply(fixtures.unconfirmed, { kind: 'lapse' })
    expect(result.changes).toEqual({
      status: 'unverified',
      email: null,
      emailHmac: null,
      requesterName: null,
      details: null,
      closedAt: at.toISOString(),
      closeReason: 'unverified',
    })
    expect(result.effects).toEqual({ discardDrafts: false, publishAnswer: false, forgetMail: true })
    expect(result.events[0]).toEqual({
      kind: 'request.unverified',
      data: { personalDataRemoved: ['email', 'emailHmac', 'name', 'details'] },
    })
  })

  it.each([
    ['refuse', validInput('refuse')],
    ['close', validInput('close')],
    ['withdraw', validInput('withdraw')],
  ] as const)('%s discards unsent drafts and publishes nothing', (_name, transition) => {
    const result = apply(fixtures.received, transition)
    expect(result.effects).toEqual({ discardDrafts: true, publishAnswer: false, forgetMail: false })
  })

  it('complete publishes the prepared answer and keeps the drafts', () => {
    const result = apply(fixtures.received, validInput('complete'))
    expect(result.effects).toEqual({ discardDrafts: false, publishAnswer: true, forgetMail: false })
    expect(result.changes).toMatchObject({ status: 'completed', outcome: 'fulfilled', outcomeReason: null })
    expect(result.letters[0]).toMatchObject({
      kind: 'completion',
      subject: 'Our answer to your request DSR-2026-0001',
    })
  })

  it.each(['assign', 'message', 'extend', 'ask', 'record_action'] as const)(
    '%s has no side effects',
    (kind) => {
      expect(apply(fixtures.received, validInput(kind)).effects).toEqual({
        discardDrafts: false,
        publishAnswer: false,
        forgetMail: false,
      })
    },
  )

  it('redacts an email address a member of staff typed into a closing note', () => {
    const result = apply(fixtures.received, {
      kind: 'close',
      as: 'withdrawn',
      note: 'Withdrawn by email from sam.person@example.com on Monday',
    })
    expect(result.events).toHaveLength(1)
    const event = result.events[0]
    expect(event?.kind).toBe('case.closed_as_withdrawn')
    const note = (event?.data as { note: string }).note
    expect(note).not.toContain('@')
    expect(note).toBe('Withdrawn by email from [address removed] on Monday')
  })

  it('redacts addresses from arrival notes and reopen reasons too', () => {
    const arrival = apply(fixtures.awaiting_identity, {
      kind: 'arrival',
      arrivedOn: today,
      note: 'Sent from other@example.net',
    })
    expect(JSON.stringify(arrival.events)).not.toContain('@')
    const reopen = apply(fixtures.withdrawn, {
      kind: 'reopen',
      reason: 'sam@example.com says it was a mistake',
    })
    expect(JSON.stringify(reopen.events)).not.toContain('@')
  })

  it('tells the person their withdrawal was recorded, if there is an address to tell', () => {
    const result = apply(fixtures.received, { kind: 'withdraw' })
    expect(result.events[0]).toEqual({
      kind: 'request.withdrawn',
      data: { reference: 'DSR-2026-0001', withdrawnOn: today },
    })
    expect(result.notices).toEqual([{ kind: 'withdrawn', withdrawnOn: today }])
    expect(apply({ ...fixtures.received, email: null }, { kind: 'withdraw' }).notices).toEqual([])
  })

  it('writes the refusal letter with the ground and the right to complain', () => {
    const result = apply(fixtures.received, validInput('refuse'))
    expect(result.changes).toMatchObject({
      status: 'refused',
      outcome: 'refused',
      outcomeReason: 'manifestly_excessive',
      closeReason: 'refused',
      closedAt: at.toISOString(),
    })
    expect(result.events[0]).toEqual({
      kind: 'case.refused',
      data: { ground: 'manifestly_excessive', answeredOn: today, dueOn: '2026-04-02' },
    })
    const letter = result.letters[0]
    expect(letter).toMatchObject({ kind: 'refusal', subject: 'Our decision on your request DSR-2026-0001' })
    expect(letter?.body).toMatch(
      /^Dear Sam Person,\n\nWe have decided not to act on your request DSR-2026-0001:/,
    )
    expect(letter?.body).toContain('We are relying on this ground: Manifestly excessive (Art. 12(5)).')
    expect(letter?.body).toContain('https://ico.org.uk/make-a-complaint/')
    expect(letter?.body).toContain('email dpo@example.org quoting DSR-2026-0001')
    expect(letter?.body).toMatch(/Example Org\nData Protection Officer: dpo@example.org$/)
  })

  it('records an assignment and an unassignment', () => {
    expect(apply(fixtures.received, { kind: 'assign', assigneeId: 'staff-1' })).toMatchObject({
      changes: { assigneeId: 'staff-1' },
      events: [{ kind: 'case.assigned', data: { assigneeId: 'staff-1' } }],
    })
    expect(apply(fixtures.received, { kind: 'assign', assigneeId: null })).toMatchObject({
      changes: { assigneeId: null },
      events: [{ kind: 'case.unassigned', data: { assigneeId: null } }],
    })
  })
})

describe('reopening a request whose contact details were removed', () => {
  it('is refused, naming the reason field, since nobody could be told', () => {
    const purged = { ...fixtures.completed, email: null, requesterName: null }
    const error = ruleError(() => apply(purged, { kind: 'reopen', reason: 'Closed by mistake' }))
    expect(error.field).toBe('reopenReason')
    expect(error.message).toMatch(/contact details have been removed/)
  })
})

describe('no letter leaves with a reminder still in it', () => {
  const withReminder: { kind: TransitionKind; field: string; build: (reminder: string) => Transition }[] = [
    { kind: 'ask', field: 'body', build: (r) => ({ kind: 'ask', pause: 'identity', letter: `Send ${r}.` }) },
    { kind: 'extend', field: 'reason', build: (r) => ({ kind: 'extend', letter: `It is complex. ${r}` }) },
    { kind: 'message', field: 'body', build: (r) => ({ kind: 'message', letter: r }) },
    {
      kind: 'refuse',
      field: 'letter',
      build: (r) => ({ kind: 'refuse', ground: 'manifestly_excessive', letter: `No. ${r}` }),
    },
    {
      kind: 'record_action',
      field: 'lift-letter',
      build: (r) => ({
        kind: 'record_action',
        event: { kind: 'case.restriction_lifted', data: { recordId: 'rec-1' } },
        letter: {
          kind: 'restriction-lifted',
          subject: 'Lifting',
          body: `We will lift it. ${r}`,
          field: 'lift-letter',
        },
      }),
    },
  ]

  for (const { kind, field, build } of withReminder) {
    it(`refuses a ${kind} letter holding a [reminder], on its own field`, () => {
      let caught: unknown
      try {
        apply(fixtures.received, build('[Say why this request needs longer.]'))
      } catch (error) {
        caught = error
      }
      expect(caught).toBeInstanceOf(RequestRuleError)
      expect((caught as RequestRuleError).field).toBe(field)
      expect((caught as RequestRuleError).message).toContain('[Say why this request needs longer.]')
      // The same letter finished goes out.
      expect(apply(fixtures.received, build('It needs records from the archive.')).letters).toHaveLength(1)
    })
  }

  it('checks the built-in drafts themselves: each still has its reminder', () => {
    for (const kind of ['clarification', 'identity', 'fee', 'extension', 'refusal', 'message'] as const) {
      expect(unfinishedReminder(defaultLetter(kind, 'access'))).not.toBeNull()
    }
  })
})
