import { describe, expect, it } from 'vitest'
import type { AnswerInput, AnswerRecord } from '../../src/domain/answer.js'
import { lateAskWarning, clockView, type CaseClock } from '../../src/domain/case-clock.js'
import { responseDeadline, rulesRegime } from '../../src/domain/clock.js'
import {
  completionClosing,
  completionDetails,
  type CompletionLetterFacts,
} from '../../src/domain/completion-letter.js'
import type { DataCategory } from '../../src/domain/data-map.js'
import type { LetterContext } from '../../src/domain/letters.js'
import {
  applyTransition,
  duplicateProblem,
  lateRefusal,
  type DuplicateCandidate,
} from '../../src/domain/request-lifecycle.js'
import {
  derivedOutcome,
  partGrounds,
  requestParts,
  type OutcomeFacts,
  type RequestPart,
} from '../../src/domain/request-outcome.js'
import type { RequestType } from '../../src/domain/request-types.js'
import { retentionStateAt, snapshotOf, type RecordFacts } from '../../src/domain/retention.js'
import type { RightsRequest } from '../../src/domain/rights-request.js'

const today = '2021-11-01'
const policy = { surveyClosesOn: '2021-08-31', platformMonthsAfterClose: 6, voucherMonthsAfterSent: 2 }

const category = (key: string, label: string, lawfulBasis: DataCategory['lawfulBasis']): DataCategory => ({
  key,
  label,
  purpose: 'Research in the public interest.',
  lawfulBasis,
  specialCategory: false,
  heldIn: 'The survey platform',
  retentionRule: `Rule for ${key}`,
  linkedAfterExtraction: false,
})

const dataMap: DataCategory[] = [
  category('email', 'Email address', 'legitimate_interests'),
  category('occupation', 'Occupation', 'public_task'),
  category('ethnicity', 'Ethnicity', 'consent'),
  category('survey_answers', 'Answers to the survey questions', 'public_task'),
]

function record(facts: Partial<RecordFacts> = {}, extra: Partial<AnswerRecord> = {}): AnswerRecord {
  const all: RecordFacts = {
    voucherSentOn: null,
    extractedOn: null,
    deletedHoldings: {},
    erased: null,
    restriction: null,
    ...facts,
  }
  return {
    email: all.erased ? null : 'person@example.org',
    participatedOn: '2021-06-01',
    voucherSentOn: all.voucherSentOn,
    extractedOn: all.extractedOn,
    erasedOn: all.erased?.on ?? null,
    consentWithdrawnOn: null,
    restrictionSince: all.restriction?.since ?? null,
    view: retentionStateAt(all, policy, today),
    ...extra,
  }
}

type Situation = 'linked' | 'extracted' | 'noRecord' | 'deletedBefore'

function recordIn(situation: Situation): AnswerRecord | null {
  switch (situation) {
    case 'linked':
      return record()
    case 'extracted':
      return record({ extractedOn: '2021-09-15' })
    case 'deletedBefore':
      return record({ erased: { on: '2021-10-03', reason: 'retention_schedule' } })
    case 'noRecord':
      return null
  }
}

const letterFacts: CompletionLetterFacts = {
  downloadsUntil: '2021-12-01',
  restrictionGround: null,
  restrictionReviewOn: null,
}

const context: LetterContext = {
  reference: 'DSR-2021-00001',
  type: 'erasure',
  name: 'Sam Person',
  receivedOn: '2021-10-20',
  dueOn: '2021-11-22',
  controllerName: 'The controller',
  dpoEmail: 'dpo@controller.test',
}

const reasoning = 'The analysis of this wave is under way and your answers are part of it.'

/** The parts of a request over a record, and the letter's draft and closing built from them. */
function letterFor(
  type: RequestType,
  situation: Situation,
  f: Partial<OutcomeFacts> = {},
  facts: CompletionLetterFacts = letterFacts,
) {
  const now = recordIn(situation)
  const input: AnswerInput = {
    reference: 'DSR-2021-00001',
    generatedOn: today,
    study: {
      title: 'The study',
      controllerName: 'The controller',
      controllerAddress: '1 High Street',
      dpoEmail: 'dpo@controller.test',
      privacyNoticeDate: '2021-06-16',
      recipients: '',
      internationalTransfers: '',
    },
    dataMap,
    record: f.record === undefined ? now : f.record,
    attachments: [],
  }
  const parts = requestParts({
    type,
    dataMap,
    snapshot: snapshotOf(now ? 'rec-1' : null, now?.view ?? null, '2021-10-20'),
    record: input.record,
    actions: [],
    decisions: [],
    answer: null,
    objection: null,
    ...f,
  })
  return {
    parts,
    outcome: derivedOutcome(parts),
    details: completionDetails(type, input, parts, facts),
    closing: completionClosing(parts, { ...context, type }),
  }
}

const on = '2021-11-01'
const noRecordSentence =
  'We searched our records for The study and found no record of your email address, so we hold no personal data about you for this study.'
const deletedBeforeSentence = 'We deleted your email address on 3 October 2021, before this request.'

/** Every request type, read for a person with no record and one whose record was deleted before. */
const allTypes: RequestType[] = [
  'access',
  'portability',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'withdraw_consent',
]

describe('a letter to someone we have no record of', () => {
  it.each(allTypes)('%s: says no record was found, and never that we hold data about them', (type) => {
    const letter = letterFor(type, 'noRecord')
    expect(letter.outcome).toEqual({ ok: true, outcome: 'no_data_held' })
    expect(letter.details).toBe(noRecordSentence)
    expect(letter.details).not.toContain('data we hold about you')
    expect(letter.details).not.toMatch(/deleted|corrected|stopped|downloaded|withdrew/)
    expect(letter.closing).toBeNull()
  })
})

describe('a letter to someone whose record was deleted before the request', () => {
  it.each(allTypes)('%s: says when the address was deleted, and claims nothing done since', (type) => {
    const letter = letterFor(type, 'deletedBefore')
    expect(letter.outcome).toEqual({ ok: true, outcome: 'no_data_held' })
    expect(letter.details.startsWith(deletedBeforeSentence)).toBe(true)
    expect(letter.details).toContain('nothing we hold can be linked to you any more')
    expect(letter.details).not.toMatch(/corrected|stopped|can be downloaded|withdrew|Our answer includes/)
    expect(letter.details).not.toContain('from everywhere we hold it')
    expect(letter.closing).toBeNull()
  })
})

describe('an access answer', () => {
  it('fulfilled: names what the answer includes and until when it can be downloaded', () => {
    const letter = letterFor('access', 'linked', { answer: { attachments: ['platform.csv'], values: [] } })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain(
      'Our answer includes your email address, occupation, ethnicity and answers to the survey questions.',
    )
    expect(letter.details).toContain('until 1 December 2021')
    expect(letter.closing).toBeNull()
  })

  it('partly fulfilled: names only what was included, and the closing gives the ground and the reasons', () => {
    const letter = letterFor('access', 'linked', {
      answer: { attachments: [], values: [] },
      decisions: ['occupation', 'ethnicity', 'survey_answers'].map((part) => ({
        part,
        ground: 'research_statistics' as const,
        reasoning,
      })),
    })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'partly_fulfilled' })
    expect(letter.details).toContain('Our answer includes your email address.')
    expect(letter.details).not.toContain('answers to the survey questions')
    expect(letter.closing).toContain(`- Answers to the survey questions: ${partGrounds.research_statistics}`)
    expect(letter.closing).toContain(reasoning)
    expect(letter.closing).toContain("Information Commissioner's Office")
    expect(letter.closing).toContain('judicial remedy')
  })

  it('with survey data anonymised before: says so under Art. 11(2), and the closing gives the rights', () => {
    const letter = letterFor('access', 'extracted', { answer: { attachments: [], values: [] } })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain('Our answer includes your email address.')
    expect(letter.details).toContain(
      'Your occupation, ethnicity and answers to the survey questions were anonymised on 15 September 2021',
    )
    expect(letter.details).toContain('(Article 11(2))')
    expect(letter.closing).not.toContain('What we have not done')
    expect(letter.closing).toContain("Information Commissioner's Office")
    expect(letter.closing).toContain('judicial remedy')
  })
})

describe('a portability answer', () => {
  it('fulfilled: names the value it includes, and what the right does not cover', () => {
    const letter = letterFor('portability', 'linked', { answer: { attachments: [], values: ['ethnicity'] } })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain('Your ethnicity can be downloaded as JSON and CSV files')
    expect(letter.details).toContain('These are not covered by the right to data portability:')
    expect(letter.details).toContain('- Occupation:')
    expect(letter.details).toContain('(Article 20(3))')
    expect(letter.details).toContain('- Email address:')
    expect(letter.details).toContain('(Article 20(1))')
  })

  it('partly fulfilled: never says a value not included can be downloaded', () => {
    const letter = letterFor('portability', 'linked', {
      answer: { attachments: [], values: [] },
      decisions: [{ part: 'ethnicity', ground: 'archiving', reasoning }],
    })
    // Nothing was done, so this is a refusal; and the draft offers nothing to download.
    expect(letter.outcome).toMatchObject({ ok: false, part: null })
    expect(letter.details).not.toContain('can be downloaded')
    expect(letter.details).not.toContain('Your ethnicity')
    expect(letter.closing).toContain(`- Ethnicity: ${partGrounds.archiving}. ${reasoning}`)
  })

  it('no data held: a question the person left blank is said to be not given, never downloadable', () => {
    const letter = letterFor('portability', 'linked', {
      answer: { attachments: [], values: [], notGiven: ['ethnicity'] },
    })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'no_data_held' })
    expect(letter.details).toContain('You did not give us your ethnicity when you took part, so we hold none')
    expect(letter.details).not.toContain('can be downloaded')
    expect(letter.closing).toBeNull()
  })

  it('with the consent data anonymised before: nothing to download, and Art. 11(2)', () => {
    const letter = letterFor('portability', 'extracted', { answer: { attachments: [], values: [] } })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'no_data_held' })
    expect(letter.details).not.toContain('can be downloaded')
    expect(letter.details).toContain('Your ethnicity was anonymised on 15 September 2021')
    expect(letter.closing).toContain('judicial remedy')
  })
})

describe('an erasure answer', () => {
  const erased = { actions: [{ kind: 'erased' as const, on }] }

  it('fulfilled: says the address was deleted that day and the rest can no longer be linked', () => {
    const letter = letterFor('erasure', 'linked', erased)
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain(
      'We deleted your email address on 1 November 2021, from our records and from everywhere we hold it.',
    )
    expect(letter.details).toContain(
      'Your occupation, ethnicity and answers to the survey questions can no longer be linked to you',
    )
    expect(letter.closing).toBeNull()
  })

  it('partly fulfilled: the kept part is not said to be unlinked, and the closing says why it was kept', () => {
    const letter = letterFor('erasure', 'linked', {
      ...erased,
      decisions: [{ part: 'survey_answers', ground: 'erasure_research', reasoning }],
    })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'partly_fulfilled' })
    expect(letter.details).toContain('We deleted your email address on 1 November 2021')
    expect(letter.details).toContain('Your occupation and ethnicity can no longer be linked to you')
    expect(letter.details).not.toMatch(/answers to the survey questions can no longer be linked/)
    expect(letter.details).toContain(
      'We have kept your answers to the survey questions, for the reasons at the end of this letter.',
    )
    expect(letter.closing).toContain(
      `What we have not done, and why:\n- Answers to the survey questions: ${partGrounds.erasure_research}. ${reasoning}`,
    )
    expect(letter.closing).toContain('(Article 17(3)(d))')
    expect(letter.closing).toContain("Information Commissioner's Office")
    expect(letter.closing).toContain('judicial remedy')
  })

  it('says nothing was deleted while nothing was', () => {
    const letter = letterFor('erasure', 'linked')
    expect(letter.outcome.ok).toBe(false)
    expect(letter.details).not.toMatch(/deleted|can no longer be linked/)
  })
})

describe('a rectification answer', () => {
  it('fulfilled: says the address was corrected, that day', () => {
    const letter = letterFor('rectification', 'linked', { actions: [{ kind: 'address_rectified', on }] })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain('We corrected your email address in our records on 1 November 2021')
  })

  it('never says corrected without the correction', () => {
    expect(letterFor('rectification', 'linked').details).not.toContain('corrected')
    const accurate = letterFor('rectification', 'linked', {
      decisions: [{ part: 'correction', ground: 'not_inaccurate', reasoning }],
    })
    expect(accurate.details).not.toContain('corrected')
    expect(accurate.closing).toContain(partGrounds.not_inaccurate)
  })
})

describe('a restriction answer', () => {
  it('fulfilled: says since when the data is kept but not used, with its ground and review date', () => {
    const restricted = record({ restriction: { since: '2021-10-25' } })
    const letter = letterFor(
      'restriction',
      'linked',
      { record: restricted, actions: [{ kind: 'restricted', on: '2021-10-25' }] },
      {
        ...letterFacts,
        restrictionGround: 'you contest the accuracy of the data, Art. 18(1)(a)',
        restrictionReviewOn: '2022-01-25',
      },
    )
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toContain(
      'Since 25 October 2021 we keep your data but do not use it (you contest the accuracy of the data, Art. 18(1)(a)). We will review this by 25 January 2022.',
    )
  })

  it('never says the data is restricted while it is not', () => {
    expect(letterFor('restriction', 'linked').details).not.toContain('do not use it')
  })
})

describe('an objection answer', () => {
  const research = { objection: { label: 'Research in the public interest.', directMarketing: false } }

  it('fulfilled: says the processing objected to has stopped, that day', () => {
    const letter = letterFor('objection', 'linked', {
      ...research,
      actions: [{ kind: 'processing_stopped', on }],
    })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toBe(
      'We have stopped research in the public interest on 1 November 2021, as you asked.',
    )
  })

  it('on compelling grounds: never says stopped, and the closing gives the grounds and the reasons', () => {
    const letter = letterFor('objection', 'linked', {
      ...research,
      decisions: [{ part: 'processing', ground: 'compelling_grounds', reasoning }],
    })
    expect(letter.details).not.toMatch(/stop/i)
    expect(letter.closing).toContain(partGrounds.compelling_grounds)
    expect(letter.closing).toContain('(Article 21(1))')
    expect(letter.closing).toContain(reasoning)
    expect(letter.closing).toContain('judicial remedy')
  })

  it('never says stopped while undecided', () => {
    expect(letterFor('objection', 'linked', research).details).not.toMatch(/stop/i)
  })
})

describe('a withdrawal of consent answer', () => {
  it('fulfilled: says the withdrawal was recorded and what is no longer used', () => {
    const letter = letterFor('withdraw_consent', 'linked', { actions: [{ kind: 'consent_withdrawn', on }] })
    expect(letter.outcome).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(letter.details).toBe(
      'We recorded that you withdrew your consent on 1 November 2021. From that day we no longer use your ethnicity.',
    )
  })

  it('with the consent data anonymised: says only what could be acted on, and why not the rest', () => {
    const letter = letterFor('withdraw_consent', 'extracted', {
      actions: [{ kind: 'consent_withdrawn', on }],
    })
    expect(letter.details).toContain('We recorded that you withdrew your consent on 1 November 2021.')
    expect(letter.details).not.toContain('no longer use your ethnicity')
    expect(letter.details).toContain('Your ethnicity was anonymised on 15 September 2021')
  })

  it('never says the withdrawal was recorded before it was', () => {
    expect(letterFor('withdraw_consent', 'linked').details).not.toContain('withdrew')
  })
})

describe('the closing the portal adds', () => {
  const done: RequestPart = {
    key: 'email',
    label: 'Email address',
    decidable: false,
    state: { state: 'done', on },
  }

  it('is null when the request was done in full', () => {
    expect(completionClosing([done], context)).toBeNull()
  })

  it('gives each kept part with its ground and reasons, then the right to complain and to a judicial remedy', () => {
    const closing =
      completionClosing(
        [
          done,
          {
            key: 'survey_answers',
            label: 'Answers to the survey questions',
            decidable: true,
            state: {
              state: 'kept',
              ground: 'erasure_legal_claims',
              reasoning: '  We are defending a claim.  ',
            },
          },
        ],
        context,
      ) ?? ''
    expect(closing).toBe(
      `What we have not done, and why:\n- Answers to the survey questions: ${partGrounds.erasure_legal_claims}. We are defending a claim.\n\nYou have the right to complain to the Information Commissioner's Office (ICO): https://ico.org.uk/make-a-complaint/ or 0303 123 1113. You also have the right to seek to enforce your rights through the courts (a judicial remedy). If you would like us to look at this again first, email dpo@controller.test quoting DSR-2021-00001.`,
    )
  })

  it('gives the rights alone when data could not be reached (Art. 11(2))', () => {
    const closing = completionClosing(
      [
        done,
        { key: 'occupation', label: 'Occupation', decidable: false, state: { state: 'not_identifiable' } },
      ],
      context,
    )
    expect(closing).toMatch(/^You have the right to complain to the Information Commissioner's Office/)
    expect(closing).toContain('judicial remedy')
  })
})

/** A confirmed request; by default received on 5 January 2026, under the old Art. 12(3) rules. */
function makeRequest(overrides: Partial<RightsRequest> = {}): RightsRequest {
  return {
    id: 'req-1',
    studyId: 'study-1',
    reference: 'DSR-2026-00001',
    type: 'erasure',
    status: 'received',
    channel: 'web',
    email: 'person@example.com',
    emailHmac: 'hmac-of-person',
    requesterName: null,
    details: { type: 'erasure' },
    receivedAt: '2026-01-05T09:00:00.000Z',
    receivedOn: '2026-01-05',
    confirmedAt: '2026-01-05T09:30:00.000Z',
    clockStartOn: '2026-01-05',
    dueOn: '2026-04-07',
    extendedDueOn: '2026-04-07',
    pausedDays: 0,
    closedAt: null,
    closeReason: null,
    duplicateOf: null,
    assigneeId: null,
    extended: true,
    extensionReason: 'Complex',
    pause: null,
    outcome: null,
    outcomeReason: null,
    recordAnswer: null,
    recordId: 'rec-1',
    recordSnapshot: null,
    version: 4,
    createdAt: '2026-01-05T09:00:00.000Z',
    updatedAt: '2026-01-20T12:00:00.000Z',
    ...overrides,
  }
}

describe('a refusal after the first month of a request received before 5 February 2026', () => {
  it('is refused, naming the day the first month ended, even when extended', () => {
    const extended = makeRequest()
    expect(lateRefusal(extended, '2026-02-05')).toBeNull()
    expect(lateRefusal(extended, '2026-02-06')).toBe(
      'This request was received before 5 February 2026, when a refusal had to reach the person within one month (by 5 February 2026). It can no longer be refused: answer it instead',
    )
  })

  it('counts the first month from a clock restarted after identity, under the old rules', () => {
    const restarted = makeRequest({ receivedOn: '2026-02-01', clockStartOn: '2026-02-10', extended: false })
    expect(lateRefusal(restarted, '2026-03-10')).toBeNull()
    expect(lateRefusal(restarted, '2026-03-11')).toContain('(by 10 March 2026)')
  })

  it('moves the first month by the days waiting for clarification, an open pause counted to today', () => {
    // 18 days waited: 5 February + 18 = 23 February.
    const resumed = makeRequest({ pausedDays: 18 })
    expect(lateRefusal(resumed, '2026-02-23')).toBeNull()
    expect(lateRefusal(resumed, '2026-02-24')).toContain('(by 23 February 2026)')
    // Still waiting since 20 January: the month has not run out, however long the wait.
    const waiting = makeRequest({ pause: { kind: 'clarification', since: '2026-01-20' } })
    expect(lateRefusal(waiting, '2026-02-24')).toBeNull()
  })

  it('does not apply to requests received from 5 February 2026, or with no clock running', () => {
    expect(
      lateRefusal(makeRequest({ receivedOn: '2026-02-05', clockStartOn: '2026-02-05' }), '2026-06-01'),
    ).toBeNull()
    expect(
      lateRefusal(makeRequest({ pause: { kind: 'identity', since: '2026-01-10' } }), '2026-03-01'),
    ).toBeNull()
    expect(lateRefusal(makeRequest({ pause: { kind: 'fee', since: '2026-01-10' } }), '2026-03-01')).toBeNull()
    expect(lateRefusal(makeRequest({ clockStartOn: null }), '2026-03-01')).toBeNull()
  })

  it('is what applyTransition refuses, on the ground field', () => {
    let caught: unknown
    try {
      applyTransition(
        makeRequest(),
        { kind: 'refuse', ground: 'manifestly_excessive', letter: 'A repeat request.' },
        { at: new Date('2026-02-20T10:00:00Z'), controllerName: 'Org', dpoEmail: 'dpo@example.org' },
      )
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ field: 'ground', href: '#ground' })
  })
})

describe('what a request may be closed as a duplicate of', () => {
  const request = makeRequest({ id: 'req-2' })
  const first: DuplicateCandidate = {
    id: 'req-1',
    reference: 'DSR-2026-00001',
    type: 'erasure',
    studyId: 'study-1',
    status: 'received',
    emailHmac: 'hmac-of-person',
    receivedOn: '2026-01-02',
  }

  it('is the same person’s open request of the same type, for the same study', () => {
    expect(duplicateProblem(request, ' DSR-2026-00001 ', first)).toBeNull()
  })

  it.each([
    ['nothing typed', '  ', first, 'Enter the reference of the request this duplicates'],
    ['no such request', ' DSR-2026-09999 ', null, 'There is no request DSR-2026-09999: check the reference'],
    ['itself', 'DSR-2026-00002', { ...first, id: 'req-2' }, 'A request cannot duplicate itself'],
    [
      'a closed request',
      'DSR-2026-00001',
      { ...first, status: 'completed' as const },
      'DSR-2026-00001 is closed: a request duplicates only one still open',
    ],
    [
      'another type',
      'DSR-2026-00001',
      { ...first, type: 'access' as const },
      'DSR-2026-00001 is a request of another type: only one of the same type is a duplicate',
    ],
    [
      'another study',
      'DSR-2026-00001',
      { ...first, studyId: 'study-2' },
      'DSR-2026-00001 is about another study',
    ],
    [
      'another person',
      'DSR-2026-00001',
      { ...first, emailHmac: 'hmac-of-someone-else' },
      'DSR-2026-00001 was made from another email address: only the same person’s request is a duplicate',
    ],
  ])('is not %s', (_name, typed, found, message) => {
    expect(duplicateProblem(request, typed, found)).toBe(message)
  })

  it('is nothing when the request has no address to compare', () => {
    expect(duplicateProblem({ ...request, emailHmac: null }, 'DSR-2026-00001', first)).toContain(
      'another email address',
    )
  })
})

describe('asking for identity or a fee late', () => {
  const clock: CaseClock = { clockStartOn: '2026-03-02', pausedDays: 0, extended: false, pause: null }

  it('warns once the clock has run more than a week, saying how long', () => {
    expect(lateAskWarning(clock, '2026-03-02')).toBeNull()
    expect(lateAskWarning(clock, '2026-03-09')).toBeNull()
    expect(lateAskWarning(clock, '2026-03-10')).toBe(
      'The clock started 8 days ago. Asking for proof of identity or a fee now stops it, and the month starts again from the day they arrive. Ask only if you have a real doubt, and say why.',
    )
  })

  it('does not warn while the case already waits for the person', () => {
    expect(
      lateAskWarning({ ...clock, pause: { kind: 'clarification', since: '2026-03-05' } }, '2026-03-20'),
    ).toBeNull()
  })
})

describe('the rules a request is answered under', () => {
  it('follow the day it was received, not the day its clock started', () => {
    expect(rulesRegime('2026-02-04')).toBe('art12(3)')
    expect(rulesRegime('2026-02-05')).toBe('art12A')
    const restarted = responseDeadline({ start: '2026-02-10', receivedOn: '2026-02-01' })
    expect(restarted.regime).toBe('art12(3)')
    expect(restarted.explanation).toContain('(Art. 12(3) UK GDPR)')
    expect(restarted.due).toBe('2026-03-10')
    expect(responseDeadline({ start: '2026-02-10' }).regime).toBe('art12A')
  })

  it('are the ones the case clock explains, and the confirmation records', () => {
    const view = clockView(
      { clockStartOn: '2026-02-10', pausedDays: 0, extended: false, pause: null, receivedOn: '2026-02-01' },
      '2026-02-12',
    )
    expect(view.deadline?.regime).toBe('art12(3)')
    expect(view.summary).toContain('Art. 12(3) UK GDPR')

    const unconfirmed = makeRequest({
      status: 'unconfirmed',
      reference: null,
      receivedOn: '2026-02-01',
      receivedAt: '2026-02-01T09:00:00.000Z',
      confirmedAt: null,
      clockStartOn: null,
      dueOn: null,
      extendedDueOn: null,
      extended: false,
    })
    const confirmed = applyTransition(
      unconfirmed,
      {
        kind: 'confirm',
        via: 'staff',
        clockStartOn: '2026-02-10',
        reference: 'DSR-2026-00042',
        record: { recordId: null, snapshot: snapshotOf(null, null, '2026-02-10'), answer: null },
        receipt: 'We must answer by {due}.',
      },
      { at: new Date('2026-02-10T10:00:00Z'), controllerName: 'Org', dpoEmail: 'dpo@example.org' },
    )
    expect(confirmed.events[0]?.data).toMatchObject({ regime: 'art12(3)', dueOn: '2026-03-10' })
  })
})
