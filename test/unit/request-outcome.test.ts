import { describe, expect, it } from 'vitest'
import type { AnswerRecord } from '../../src/domain/answer.js'
import type { DataCategory } from '../../src/domain/data-map.js'
import { refusalGrounds, refusalGroundsFor } from '../../src/domain/refusals.js'
import {
  derivedOutcome,
  keptParagraph,
  keptSummary,
  needsChallengeRights,
  partDecisionProblem,
  partGrounds,
  partGroundsFor,
  reasoningMaxLength,
  requestParts,
  type OutcomeFacts,
  type PartState,
  type RequestPart,
} from '../../src/domain/request-outcome.js'
import type { RequestType } from '../../src/domain/request-types.js'
import { retentionStateAt, snapshotOf, type RecordFacts } from '../../src/domain/retention.js'

const today = '2021-11-01'
const policy = { surveyClosesOn: '2021-08-31', platformMonthsAfterClose: 6, voucherMonthsAfterSent: 2 }

const category = (
  key: string,
  label: string,
  lawfulBasis: DataCategory['lawfulBasis'],
  extra: Partial<DataCategory> = {},
): DataCategory => ({
  key,
  label,
  purpose: key === 'email' ? 'To send you a voucher.' : 'Research in the public interest.',
  lawfulBasis,
  specialCategory: false,
  heldIn: 'The survey platform',
  retentionRule: `Rule for ${key}`,
  linkedAfterExtraction: false,
  ...extra,
})

/** The shape of the seeded study: the address, public-task research data and one consent category. */
const dataMap: DataCategory[] = [
  category('email', 'Email address', 'legitimate_interests'),
  category('occupation', 'Occupation', 'public_task'),
  category('ethnicity', 'Ethnicity', 'consent', { specialCategory: true }),
  category('survey_answers', 'Answers to the survey questions', 'public_task'),
]
const keys = dataMap.map((c) => c.key)

function record(facts: Partial<RecordFacts> = {}, on = today): AnswerRecord {
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
    view: retentionStateAt(all, policy, on),
  }
}

/** The record as the request met it (snapshot) and as it is now. */
const situations = {
  noRecord: { snapshot: snapshotOf(null, null, today), record: null },
  deletedBefore: (() => {
    const r = record({ erased: { on: '2021-10-03', reason: 'retention_schedule' } })
    return { snapshot: snapshotOf('rec-1', r.view, today), record: r }
  })(),
  linked: (() => {
    const r = record()
    return { snapshot: snapshotOf('rec-1', r.view, today), record: r }
  })(),
  /** Extracted, and so anonymised, before the request arrived. */
  extracted: (() => {
    const r = record({ extractedOn: '2021-09-15' })
    return { snapshot: snapshotOf('rec-1', r.view, today), record: r }
  })(),
  /** Linked when the request arrived; the survey data was extracted while it was open. */
  extractedSince: {
    snapshot: snapshotOf('rec-1', record().view, '2021-10-01'),
    record: record({ extractedOn: '2021-10-20' }),
  },
}

function facts(type: RequestType, overrides: Partial<OutcomeFacts> = {}): OutcomeFacts {
  return {
    type,
    dataMap,
    ...situations.linked,
    actions: [],
    decisions: [],
    answer: null,
    objection: null,
    ...overrides,
  }
}

const statesOf = (parts: RequestPart[]) => Object.fromEntries(parts.map((p) => [p.key, p.state]))
const decidableOf = (parts: RequestPart[]) => Object.fromEntries(parts.map((p) => [p.key, p.decidable]))
const all = (state: PartState) => Object.fromEntries(keys.map((k) => [k, state]))

const reasoning = 'The analysis of this wave is under way and the answers are part of it.'

describe('the parts of an access request', () => {
  it('are out of reach, and not decidable, when there is no record', () => {
    const parts = requestParts(facts('access', situations.noRecord))
    expect(parts.map((p) => [p.key, p.label])).toEqual(dataMap.map((c) => [c.key, c.label]))
    expect(statesOf(parts)).toEqual(all({ state: 'no_record' }))
    expect(parts.every((p) => !p.decidable)).toBe(true)
  })

  it('were deleted before the request when the record was already erased', () => {
    const parts = requestParts(facts('access', situations.deletedBefore))
    expect(statesOf(parts)).toEqual(all({ state: 'deleted_before' }))
    expect(parts.every((p) => !p.decidable)).toBe(true)
  })

  it('are all to do, and decidable, until the answer is prepared', () => {
    const parts = requestParts(facts('access'))
    expect(statesOf(parts)).toEqual(all({ state: 'to_do', next: 'Prepare the answer' }))
    expect(parts.every((p) => p.decidable)).toBe(true)
  })

  it('include the address once prepared, and the linked survey data only with the copy attached', () => {
    const bare = requestParts(facts('access', { answer: { attachments: [], values: [] } }))
    const next = 'Attach the copy from the survey platform and prepare the answer again'
    expect(statesOf(bare)).toEqual({
      email: { state: 'done', on: null },
      occupation: { state: 'to_do', next },
      ethnicity: { state: 'to_do', next },
      survey_answers: { state: 'to_do', next },
    })
    expect(decidableOf(bare)).toEqual({
      email: false,
      occupation: true,
      ethnicity: true,
      survey_answers: true,
    })
    const withCopy = requestParts(facts('access', { answer: { attachments: ['platform.csv'], values: [] } }))
    expect(statesOf(withCopy)).toEqual(all({ state: 'done', on: null }))
  })

  it('cannot reach survey data anonymised before the request', () => {
    const parts = requestParts(
      facts('access', { ...situations.extracted, answer: { attachments: [], values: [] } }),
    )
    expect(statesOf(parts)).toEqual({
      email: { state: 'done', on: null },
      occupation: { state: 'not_identifiable' },
      ethnicity: { state: 'not_identifiable' },
      survey_answers: { state: 'not_identifiable' },
    })
    expect(parts.filter((p) => p.decidable)).toEqual([])
  })

  it('cannot reach survey data anonymised after extraction while the request was open', () => {
    const parts = requestParts(
      facts('access', { ...situations.extractedSince, answer: { attachments: [], values: [] } }),
    )
    expect(parts.find((p) => p.key === 'survey_answers')?.state).toEqual({ state: 'not_identifiable' })
    expect(parts.find((p) => p.key === 'email')?.state).toEqual({ state: 'done', on: null })
  })

  it('keep back a part the DPO decided on, with the ground and the reasons, and it stays decidable', () => {
    const parts = requestParts(
      facts('access', {
        answer: { attachments: [], values: [] },
        decisions: [{ part: 'survey_answers', ground: 'research_statistics', reasoning }],
      }),
    )
    const kept = parts.find((p) => p.key === 'survey_answers')
    expect(kept).toMatchObject({
      decidable: true,
      state: { state: 'kept', ground: 'research_statistics', reasoning },
    })
  })
})

describe('the parts of a portability request', () => {
  const answer = (values: string[]) => ({ answer: { attachments: [], values } })

  it('name what the right does not cover, with the article, whatever the record', () => {
    for (const situation of [situations.linked, situations.noRecord]) {
      const parts = requestParts(facts('portability', situation))
      expect(parts.find((p) => p.key === 'email')?.state).toMatchObject({
        state: 'out_of_scope',
        article: 'Article 20(1)',
      })
      expect(parts.find((p) => p.key === 'occupation')?.state).toMatchObject({
        state: 'out_of_scope',
        article: 'Article 20(3)',
      })
      expect(parts.find((p) => p.key === 'survey_answers')?.state).toMatchObject({
        state: 'out_of_scope',
        article: 'Article 20(3)',
      })
    }
    const outside = requestParts(facts('portability')).find((p) => p.key === 'email')
    expect(outside?.decidable).toBe(false)
    expect(outside?.state.state === 'out_of_scope' && outside.state.reason).toContain('legitimate interests')
  })

  it('are out of reach for the consent data when there is no record or it was deleted before', () => {
    expect(
      requestParts(facts('portability', situations.noRecord)).find((p) => p.key === 'ethnicity')?.state,
    ).toEqual({ state: 'no_record' })
    expect(
      requestParts(facts('portability', situations.deletedBefore)).find((p) => p.key === 'ethnicity')?.state,
    ).toEqual({ state: 'deleted_before' })
  })

  it('include a value only when the prepared answer holds it', () => {
    const ethnicity = (f: Partial<OutcomeFacts>) =>
      requestParts(facts('portability', f)).find((p) => p.key === 'ethnicity')
    expect(ethnicity({})?.state).toEqual({ state: 'to_do', next: 'Prepare the answer' })
    expect(ethnicity(answer(['ethnicity']))).toMatchObject({
      decidable: false,
      state: { state: 'done', on: null },
    })
    expect(ethnicity(answer([]))).toMatchObject({
      decidable: true,
      state: {
        state: 'to_do',
        next: 'Copy the value in from the survey platform and prepare the answer again',
      },
    })
    expect(
      ethnicity({
        ...answer([]),
        decisions: [{ part: 'ethnicity', ground: 'archiving', reasoning }],
      })?.state,
    ).toEqual({ state: 'kept', ground: 'archiving', reasoning })
  })

  it('records a value the person never gave as not given, and answers with no data held', () => {
    const parts = requestParts(
      facts('portability', { answer: { attachments: [], values: [], notGiven: ['ethnicity'] } }),
    )
    expect(parts.find((p) => p.key === 'ethnicity')).toMatchObject({
      decidable: false,
      state: { state: 'not_provided' },
    })
    expect(derivedOutcome(parts)).toEqual({ ok: true, outcome: 'no_data_held' })
  })

  it('cannot reach consent data anonymised before the request', () => {
    const parts = requestParts(facts('portability', { ...situations.extracted, ...answer([]) }))
    expect(parts.find((p) => p.key === 'ethnicity')?.state).toEqual({ state: 'not_identifiable' })
  })
})

describe('the parts of an erasure request', () => {
  const erased = { actions: [{ kind: 'erased' as const, on: '2021-11-01' }] }

  it('are out of reach when there is no record or it was deleted before', () => {
    expect(statesOf(requestParts(facts('erasure', situations.noRecord)))).toEqual(all({ state: 'no_record' }))
    expect(statesOf(requestParts(facts('erasure', situations.deletedBefore)))).toEqual(
      all({ state: 'deleted_before' }),
    )
  })

  it('are all to do until the record is erased, then done on that day', () => {
    const before = requestParts(facts('erasure'))
    expect(statesOf(before)).toEqual(all({ state: 'to_do', next: 'Erase the record' }))
    expect(before.every((p) => p.decidable)).toBe(true)
    const after = requestParts(facts('erasure', erased))
    expect(statesOf(after)).toEqual(all({ state: 'done', on: '2021-11-01' }))
    expect(after.every((p) => !p.decidable)).toBe(true)
  })

  it('judge what was linkable by the record as the request met it', () => {
    // Anonymised before the request: only the address is the person's data.
    expect(statesOf(requestParts(facts('erasure', situations.extracted)))).toEqual({
      email: { state: 'to_do', next: 'Erase the record' },
      occupation: { state: 'not_identifiable' },
      ethnicity: { state: 'not_identifiable' },
      survey_answers: { state: 'not_identifiable' },
    })
    // Linked when the request arrived: extracting since does not answer the request.
    expect(statesOf(requestParts(facts('erasure', situations.extractedSince)))).toEqual(
      all({ state: 'to_do', next: 'Erase the record' }),
    )
  })

  it('keep back a part decided on, and do the rest', () => {
    const parts = requestParts(
      facts('erasure', {
        ...erased,
        decisions: [{ part: 'survey_answers', ground: 'erasure_research', reasoning }],
      }),
    )
    expect(statesOf(parts)).toMatchObject({
      email: { state: 'done', on: '2021-11-01' },
      survey_answers: { state: 'kept', ground: 'erasure_research', reasoning },
    })
    expect(derivedOutcome(parts)).toEqual({ ok: true, outcome: 'partly_fulfilled' })
  })
})

describe('the part of a rectification request', () => {
  const part = (f: Partial<OutcomeFacts>) => requestParts(facts('rectification', f))

  it('is one correction, to do until the address is corrected', () => {
    expect(part({})).toEqual([
      {
        key: 'correction',
        label: 'The correction you asked for',
        decidable: true,
        state: { state: 'to_do', next: 'Correct the record, or record why not' },
      },
    ])
    expect(part({ actions: [{ kind: 'address_rectified', on: '2021-11-01' }] })[0]).toMatchObject({
      decidable: false,
      state: { state: 'done', on: '2021-11-01' },
    })
  })

  it('is out of reach without a record, or with one deleted before', () => {
    expect(part(situations.noRecord)[0]?.state).toEqual({ state: 'no_record' })
    expect(part(situations.deletedBefore)[0]?.state).toEqual({ state: 'deleted_before' })
  })

  it('is kept when the DPO found the data accurate', () => {
    expect(
      part({ decisions: [{ part: 'correction', ground: 'not_inaccurate', reasoning }] })[0]?.state,
    ).toEqual({ state: 'kept', ground: 'not_inaccurate', reasoning })
  })

  // A rectification found accurate is nothing done: it is refused, on the Article 16 ground.
  it('can be answered when the DPO found the data accurate (Article 16)', () => {
    const parts = part({ decisions: [{ part: 'correction', ground: 'not_inaccurate', reasoning }] })
    const completes = derivedOutcome(parts).ok
    const refusable = refusalGroundsFor('rectification').some((g) =>
      /accura|Article 16|Art\. 16/i.test(refusalGrounds[g]),
    )
    expect(completes || refusable).toBe(true)
  })
})

describe('the part of a restriction request', () => {
  it('is done once the record is restricted, from the day it was', () => {
    expect(requestParts(facts('restriction'))[0]).toMatchObject({
      key: 'restriction',
      state: { state: 'to_do', next: 'Restrict the record' },
    })
    expect(
      requestParts(facts('restriction', { actions: [{ kind: 'restricted', on: '2021-11-01' }] }))[0]?.state,
    ).toEqual({ state: 'done', on: '2021-11-01' })
    // Already restricted (say by an earlier request): done since then.
    const restricted = record({ restriction: { since: '2021-10-10' } })
    expect(requestParts(facts('restriction', { record: restricted }))[0]?.state).toEqual({
      state: 'done',
      on: '2021-10-10',
    })
  })

  it('is out of reach without a record', () => {
    expect(requestParts(facts('restriction', situations.noRecord))[0]?.state).toEqual({ state: 'no_record' })
  })
})

describe('the part of an objection', () => {
  const research = { objection: { label: 'Research in the public interest.', directMarketing: false } }
  const marketing = {
    objection: { label: 'Direct marketing, including profiling for it', directMarketing: true },
  }

  it('is the processing objected to, to do until decided', () => {
    expect(requestParts(facts('objection', research))).toEqual([
      {
        key: 'processing',
        label: 'Research in the public interest.',
        decidable: true,
        state: { state: 'to_do', next: 'Record the decision on the objection' },
      },
    ])
  })

  it('is never decidable for direct marketing: it can only be upheld (Art. 21(3))', () => {
    const [part] = requestParts(facts('objection', marketing))
    expect(part).toMatchObject({ decidable: false, state: { state: 'to_do' } })
    expect(derivedOutcome([part!])).toEqual({
      ok: false,
      part: 'processing',
      problem: 'Direct marketing, including profiling for it: Record the decision on the objection',
    })
  })

  it('is done when the processing stopped, and kept on compelling grounds', () => {
    const stopped = requestParts(
      facts('objection', { ...research, actions: [{ kind: 'processing_stopped', on: '2021-11-01' }] }),
    )
    expect(stopped[0]?.state).toEqual({ state: 'done', on: '2021-11-01' })
    const continued = requestParts(
      facts('objection', {
        ...research,
        decisions: [{ part: 'processing', ground: 'compelling_grounds', reasoning }],
      }),
    )
    expect(continued[0]).toMatchObject({
      decidable: true,
      state: { state: 'kept', ground: 'compelling_grounds', reasoning },
    })
    // Nothing was done, so it is a refusal rather than a completion.
    expect(derivedOutcome(continued)).toMatchObject({ ok: false, part: null })
  })

  it('has a generic label when the processing is not known, and is out of reach without a record', () => {
    const [part] = requestParts(facts('objection', situations.noRecord))
    expect(part).toMatchObject({ label: 'The processing you objected to', state: { state: 'no_record' } })
  })
})

describe('the parts of a withdrawal of consent', () => {
  const withdrawn = { actions: [{ kind: 'consent_withdrawn' as const, on: '2021-11-01' }] }

  it('are the consent and each category used on it, never decidable', () => {
    const parts = requestParts(facts('withdraw_consent'))
    expect(parts.map((p) => [p.key, p.state, p.decidable])).toEqual([
      ['consent', { state: 'to_do', next: 'Record the withdrawal on the record' }, false],
      ['ethnicity', { state: 'to_do', next: 'Record the withdrawal on the record' }, false],
    ])
    expect(derivedOutcome(parts)).toMatchObject({
      ok: false,
      part: 'consent',
      problem: 'Your consent: Record the withdrawal on the record',
    })
  })

  it('are done once the withdrawal is recorded', () => {
    expect(statesOf(requestParts(facts('withdraw_consent', withdrawn)))).toEqual({
      consent: { state: 'done', on: '2021-11-01' },
      ethnicity: { state: 'done', on: '2021-11-01' },
    })
  })

  it('cannot reach consent data anonymised before the request', () => {
    expect(
      statesOf(requestParts(facts('withdraw_consent', { ...situations.extracted, ...withdrawn }))),
    ).toEqual({
      consent: { state: 'done', on: '2021-11-01' },
      ethnicity: { state: 'not_identifiable' },
    })
  })

  it('is one part out of reach without a record, or deleted before', () => {
    expect(requestParts(facts('withdraw_consent', situations.noRecord))).toEqual([
      { key: 'consent', label: 'Your consent', decidable: false, state: { state: 'no_record' } },
    ])
    expect(requestParts(facts('withdraw_consent', situations.deletedBefore))[0]?.state).toEqual({
      state: 'deleted_before',
    })
  })
})

describe('the grounds a part may be kept on', () => {
  it('are the ones each right allows', () => {
    expect(partGroundsFor('erasure')).toEqual([
      'erasure_public_task',
      'erasure_research',
      'erasure_legal_claims',
      'other_exemption',
    ])
    expect(partGrounds.erasure_public_task).toContain('Article 17(3)(b)')
    expect(partGrounds.erasure_research).toContain('Article 17(3)(d)')
    expect(partGrounds.erasure_legal_claims).toContain('Article 17(3)(e)')
    expect(partGroundsFor('objection')).toEqual([
      'compelling_grounds',
      'public_interest_research',
      'research_statistics',
      'archiving',
      'other_exemption',
    ])
    expect(partGrounds.compelling_grounds).toContain('Article 21(1)')
    expect(partGrounds.public_interest_research).toContain('Article 21(6)')
    expect(partGrounds.research_statistics).toContain('Schedule 2, paragraph 27')
    expect(partGrounds.archiving).toContain('Schedule 2, paragraph 28')
    expect(partGroundsFor('withdraw_consent')).toEqual([])
    expect(partGroundsFor('rectification')).toContain('not_inaccurate')
    expect(partGroundsFor('access')).not.toContain('erasure_research')
  })
})

describe('the outcome the parts add up to', () => {
  const p = (key: string, state: PartState, decidable = false): RequestPart => ({
    key,
    label: key === 'email' ? 'Email address' : 'Answers to the survey questions',
    decidable,
    state,
  })
  const done = p('email', { state: 'done', on: '2021-11-01' })
  const kept = p('survey_answers', { state: 'kept', ground: 'erasure_research', reasoning }, true)

  it('is fulfilled when everything reachable was done', () => {
    expect(derivedOutcome([done])).toEqual({ ok: true, outcome: 'fulfilled' })
    expect(derivedOutcome([done, p('survey_answers', { state: 'not_identifiable' })])).toEqual({
      ok: true,
      outcome: 'fulfilled',
    })
    expect(
      derivedOutcome([
        done,
        p('occupation', { state: 'out_of_scope', article: 'Article 20(3)', reason: 'Public task.' }),
      ]),
    ).toEqual({ ok: true, outcome: 'fulfilled' })
  })

  it('is partly fulfilled when something was done and something kept back', () => {
    expect(derivedOutcome([done, kept])).toEqual({ ok: true, outcome: 'partly_fulfilled' })
  })

  it('is no data held when nothing could be acted on', () => {
    for (const state of ['no_record', 'deleted_before', 'not_identifiable'] as const) {
      expect(derivedOutcome([p('email', { state }), p('survey_answers', { state })])).toEqual({
        ok: true,
        outcome: 'no_data_held',
      })
    }
  })

  it('is an error naming the part while a part is still to do', () => {
    expect(
      derivedOutcome([done, p('survey_answers', { state: 'to_do', next: 'Erase the record' }, true)]),
    ).toEqual({
      ok: false,
      part: 'survey_answers',
      problem: 'Answers to the survey questions: Erase the record, or record why it is not done',
    })
    expect(derivedOutcome([p('email', { state: 'to_do', next: 'Erase the record' })])).toEqual({
      ok: false,
      part: 'email',
      problem: 'Email address: Erase the record',
    })
  })

  it('is an error, refuse instead, when nothing was done but something was kept back', () => {
    const outcome = derivedOutcome([kept, p('email', { state: 'not_identifiable' })])
    expect(outcome).toMatchObject({ ok: false, part: null })
    expect(!outcome.ok && outcome.problem).toContain('refuse it instead')
  })

  it('summarises and explains what was kept, and when the person must be told how to challenge it', () => {
    expect(keptSummary([done])).toBeNull()
    expect(keptSummary([done, kept])).toBe('erasure_research: survey_answers')
    expect(keptParagraph([done])).toBeNull()
    expect(keptParagraph([done, kept])).toBe(
      `What we have not done, and why:\n- Answers to the survey questions: ${partGrounds.erasure_research}. ${reasoning}`,
    )
    expect(needsChallengeRights([done])).toBe(false)
    expect(needsChallengeRights([done, kept])).toBe(true)
    expect(needsChallengeRights([done, p('survey_answers', { state: 'not_identifiable' })])).toBe(true)
    expect(needsChallengeRights([p('email', { state: 'no_record' })])).toBe(false)
  })
})

describe('a decision to keep a part back', () => {
  const erasureParts = requestParts(facts('erasure', situations.extracted))
  const decide = (
    input: Partial<{ part: string; ground: string; reasoning: string }>,
    parts = erasureParts,
  ) =>
    partDecisionProblem('erasure', parts, {
      part: 'email',
      ground: 'erasure_legal_claims',
      reasoning,
      ...input,
    })

  it('can be recorded for a part to do, on a ground the right allows, with the reasons', () => {
    expect(decide({})).toBeNull()
  })

  it('needs a part of this request', () => {
    expect(decide({ part: 'favourite_colour' })).toEqual({
      field: 'part',
      message: 'Select the part of the request',
    })
  })

  it('cannot be recorded on a part already done', () => {
    const done = requestParts(facts('erasure', { actions: [{ kind: 'erased', on: '2021-11-01' }] }))
    expect(decide({}, done)).toEqual({
      field: 'part',
      message: 'Email address: this has been done, so there is nothing to keep back',
    })
  })

  it('cannot be recorded on a part out of reach', () => {
    expect(decide({ part: 'survey_answers' })).toEqual({
      field: 'part',
      message: 'Answers to the survey questions: there is no ground to decide here',
    })
  })

  it('needs a ground this right allows', () => {
    expect(decide({ ground: 'compelling_grounds' })?.field).toBe('ground')
    expect(decide({ ground: 'not_inaccurate' })?.field).toBe('ground')
    expect(decide({ ground: '' })?.field).toBe('ground')
  })

  it('needs the reasons for this case, no longer than the limit counted in characters', () => {
    expect(decide({ reasoning: ' \n\t ' })).toEqual({
      field: 'reasoning',
      message: 'Enter why the ground applies in this case',
    })
    expect(decide({ reasoning: 'x'.repeat(reasoningMaxLength + 1) })).toEqual({
      field: 'reasoning',
      message: `The reasons must be ${reasoningMaxLength} characters or fewer`,
    })
    expect(decide({ reasoning: '😀'.repeat(reasoningMaxLength) })).toBeNull()
  })
})
