import { describe, expect, it } from 'vitest'
import type { AnswerRecord } from '../../src/domain/answer.js'
import {
  consentCategoriesToStop,
  notificationTitle,
  passesOn,
  recipientsOf,
  recipientsParagraph,
  recipientsToNotify,
  rectificationDecisionProblem,
  rectifyTaskTitle,
  resolutionOf,
  resolutionProblem,
  type WorkTask,
} from '../../src/domain/case-work.js'
import { completionDetails } from '../../src/domain/completion-letter.js'
import type { DataCategory } from '../../src/domain/data-map.js'
import { derivedOutcome, requestParts, type OutcomeFacts } from '../../src/domain/request-outcome.js'
import { requestTypes } from '../../src/domain/request-types.js'
import { retentionStateAt, snapshotOf, type RecordFacts } from '../../src/domain/retention.js'

const today = '2021-11-01'
const policy = { surveyClosesOn: '2021-08-31', platformMonthsAfterClose: 6, voucherMonthsAfterSent: 2 }

const category = (key: string, label: string, extra: Partial<DataCategory> = {}): DataCategory => ({
  key,
  label,
  purpose: 'Research.',
  lawfulBasis: 'public_task',
  specialCategory: false,
  heldIn: 'The survey platform',
  retentionRule: 'Rule',
  linkedAfterExtraction: false,
  ...extra,
})

const dataMap: DataCategory[] = [
  category('email', 'Email address', { lawfulBasis: 'legitimate_interests' }),
  category('occupation', 'Occupation'),
  category('age', 'Age'),
  category('ethnicity', 'Ethnicity', { lawfulBasis: 'consent', specialCategory: true }),
  category('voucher_correspondence', 'Correspondence about your voucher', {
    lawfulBasis: 'legitimate_interests',
    linkedAfterExtraction: true,
  }),
]

function record(facts: Partial<RecordFacts> = {}): AnswerRecord {
  const all: RecordFacts = {
    voucherSentOn: null,
    extractedOn: null,
    deletedHoldings: {},
    erased: null,
    restriction: null,
    ...facts,
  }
  return {
    email: 'person@example.org',
    participatedOn: '2021-06-01',
    voucherSentOn: null,
    extractedOn: all.extractedOn,
    erasedOn: null,
    consentWithdrawnOn: null,
    restrictionSince: null,
    view: retentionStateAt(all, policy, today),
  }
}

const linked = record()
const extracted = record({ extractedOn: '2021-09-15' })

function facts(overrides: Partial<OutcomeFacts> = {}, r: AnswerRecord = linked): OutcomeFacts {
  return {
    type: 'rectification',
    dataMap,
    snapshot: snapshotOf('rec-1', r.view, today),
    record: r,
    actions: [],
    decisions: [],
    answer: null,
    objection: null,
    tasks: [],
    supplements: [],
    named: ['email', 'occupation', 'age'],
    ...overrides,
  }
}

const task = (kind: WorkTask['kind'], subject: string, done: Partial<WorkTask> = {}): WorkTask => ({
  id: `${kind ?? 'free'}-${subject}`,
  kind,
  subject,
  doneOn: null,
  resolution: null,
  note: null,
  ...done,
})

const states = (f: OutcomeFacts) => Object.fromEntries(requestParts(f).map((p) => [p.key, p.state]))

describe('rectification of any data category (Art. 16)', () => {
  it('has one part per category the person named, each awaiting a decision', () => {
    const parts = requestParts(facts())
    expect(parts.map((p) => p.key)).toEqual(['email', 'occupation', 'age'])
    expect(parts.every((p) => p.state.state === 'to_do' && p.state.undecided)).toBe(true)
    expect(derivedOutcome(parts)).toMatchObject({ ok: false, part: 'email' })
  })

  it('is done for survey data only once the platform task is ticked off, and says where', () => {
    const open = states(facts({ named: ['occupation'], tasks: [task('rectify', 'occupation')] }))
    expect(open.occupation).toEqual({
      state: 'to_do',
      next: 'Tick off the task to correct it on the survey platform',
    })
    const done = states(
      facts({ named: ['occupation'], tasks: [task('rectify', 'occupation', { doneOn: '2021-11-03' })] }),
    )
    expect(done.occupation).toEqual({
      state: 'done',
      on: '2021-11-03',
      how: 'corrected',
      where: 'on the survey platform',
    })
  })

  it('corrects the address in the portal, and on the platform through its task when the platform holds it', () => {
    const rectified = { actions: [{ kind: 'address_rectified' as const, on: '2021-11-02' }] }
    expect(states(facts({ ...rectified, named: ['email'] })).email).toEqual({
      state: 'done',
      on: '2021-11-02',
      how: 'corrected',
      where: 'in our records',
    })
    const withTask = facts({ ...rectified, named: ['email'], tasks: [task('rectify', 'email')] })
    expect(states(withTask).email).toMatchObject({ state: 'to_do' })
    const ticked = facts({
      ...rectified,
      named: ['email'],
      tasks: [task('rectify', 'email', { doneOn: '2021-11-05' })],
    })
    expect(states(ticked).email).toMatchObject({
      state: 'done',
      on: '2021-11-05',
      where: 'in our records and on the survey platform',
    })
  })

  it('keeps an accurate category back on its ground and a supplemented one as done', () => {
    const parts = requestParts(
      facts({
        named: ['occupation', 'age'],
        decisions: [{ part: 'occupation', ground: 'not_inaccurate', reasoning: 'It matches the survey.' }],
        supplements: [{ category: 'age', on: '2021-11-04' }],
      }),
    )
    expect(parts.map((p) => p.state)).toEqual([
      { state: 'kept', ground: 'not_inaccurate', reasoning: 'It matches the survey.' },
      { state: 'done', on: '2021-11-04', how: 'supplemented' },
    ])
    expect(derivedOutcome(parts)).toEqual({ ok: true, outcome: 'partly_fulfilled' })
  })

  it('cannot reach survey data that was anonymised before the request (Art. 11(2))', () => {
    expect(states(facts({ named: ['occupation', 'voucher_correspondence'] }, extracted))).toMatchObject({
      occupation: { state: 'not_identifiable' },
      voucher_correspondence: { state: 'to_do', undecided: true },
    })
  })

  it('keeps the old single part for a request made before the form named the data', () => {
    const parts = requestParts(facts({ named: null }))
    expect(parts.map((p) => p.key)).toEqual(['correction'])
  })

  it('refuses decisions that do not fit', () => {
    const base = {
      category: 'occupation',
      decision: 'corrected',
      reasoning: '',
      open: ['occupation'],
      hasStatement: false,
    }
    expect(rectificationDecisionProblem(base)).toBeNull()
    expect(rectificationDecisionProblem({ ...base, category: 'age' })?.field).toBe('category')
    expect(rectificationDecisionProblem({ ...base, decision: 'maybe' })?.field).toBe('decision')
    expect(rectificationDecisionProblem({ ...base, decision: 'supplemented' })).toMatchObject({
      field: 'decision',
      message: expect.stringContaining('no supplementary statement'),
    })
    expect(rectificationDecisionProblem({ ...base, decision: 'supplemented', hasStatement: true })).toBeNull()
    expect(rectificationDecisionProblem({ ...base, decision: 'not_inaccurate', reasoning: ' ' })?.field).toBe(
      'reasoning',
    )
  })

  it('writes the letter from what was corrected where, and nothing else', () => {
    const f = facts({
      named: ['email', 'occupation', 'age'],
      actions: [{ kind: 'address_rectified', on: '2021-11-02' }],
      tasks: [task('rectify', 'occupation', { doneOn: '2021-11-03' })],
      supplements: [{ category: 'age', on: '2021-11-04' }],
    })
    const parts = requestParts(f)
    const input = {
      reference: 'DSR-1',
      generatedOn: today,
      study: { title: 'The study' },
      record: linked,
      dataMap,
    } as unknown as Parameters<typeof completionDetails>[1]
    const letter = completionDetails('rectification', input, parts, {
      downloadsUntil: today,
      restrictionGround: null,
      restrictionReviewOn: null,
      recipients: null,
    })
    expect(letter).toBe(
      [
        'Your email address: we corrected it in our records on 2 November 2021.',
        'Your occupation: we corrected it on the survey platform on 3 November 2021.',
        'Your age: we added your supplementary statement to our record of you on 4 November 2021, so that it is read with the data.',
      ].join('\n\n'),
    )
    expect(rectifyTaskTitle(dataMap[1] as DataCategory)).toBe(
      'Correct their occupation on the survey platform, as the request asks',
    )
  })
})

describe('withdrawal of consent (Arts 7(3), 17(1)(b))', () => {
  const withdrawn = { actions: [{ kind: 'consent_withdrawn' as const, on: '2021-11-02' }] }
  const wc = (overrides: Partial<OutcomeFacts>) =>
    facts({ type: 'withdraw_consent', named: null, ...overrides })

  it('stops consent-based data only while it can be linked', () => {
    expect(consentCategoriesToStop(dataMap, true).map((c) => c.key)).toEqual(['ethnicity'])
    expect(consentCategoriesToStop(dataMap, false)).toEqual([])
  })

  it('is done once each holding stopped and the erasure question is answered', () => {
    const tasks = [task('stop_processing', 'ethnicity'), task('consider_erasure', 'ethnicity')]
    expect(states(wc({ ...withdrawn, tasks }))).toMatchObject({
      consent: { state: 'done', on: '2021-11-02' },
      ethnicity: { state: 'to_do' },
      erasure: { state: 'to_do' },
    })
    const answered = [
      task('stop_processing', 'ethnicity', { doneOn: '2021-11-03' }),
      task('consider_erasure', 'ethnicity', { doneOn: '2021-11-03', resolution: 'erase' }),
      task('erase_category', 'ethnicity'),
    ]
    expect(states(wc({ ...withdrawn, tasks: answered })).erasure).toMatchObject({ state: 'to_do' })
    answered[2] = task('erase_category', 'ethnicity', { doneOn: '2021-11-06' })
    const parts = requestParts(wc({ ...withdrawn, tasks: answered }))
    expect(states(wc({ ...withdrawn, tasks: answered }))).toMatchObject({
      ethnicity: { state: 'done', on: '2021-11-03', how: 'stopped' },
      erasure: { state: 'done', on: '2021-11-06', how: 'erased' },
    })
    expect(derivedOutcome(parts)).toEqual({ ok: true, outcome: 'fulfilled' })
  })

  it('records a decision to keep the data on another ground with that ground', () => {
    const tasks = [
      task('stop_processing', 'ethnicity', { doneOn: '2021-11-03' }),
      task('consider_erasure', 'ethnicity', {
        doneOn: '2021-11-03',
        resolution: 'keep',
        note: 'Legal claim pending.',
      }),
    ]
    expect(states(wc({ ...withdrawn, tasks })).erasure).toEqual({
      state: 'done',
      on: '2021-11-03',
      how: 'kept_on_other_ground',
      note: 'Legal claim pending.',
    })
  })
})

describe('telling the recipients (Art. 19)', () => {
  const recipients = recipientsOf(
    '1. Pre-approved online survey platform providers.\n\n2) The ONS Secure Research Service\n- Regulators, where the law requires',
  )

  it('reads one recipient per line, without numbering or blank lines', () => {
    expect(recipients).toEqual([
      'Pre-approved online survey platform providers.',
      'The ONS Secure Research Service',
      'Regulators, where the law requires',
    ])
  })

  it('applies to rectification, erasure and restriction only', () => {
    expect(requestTypes.filter(passesOn)).toEqual(['rectification', 'erasure', 'restriction'])
    expect(notificationTitle('erasure', 'The archive')).toBe(
      'Tell this recipient about the erasure (Article 19): The archive',
    )
  })

  it('makes one task per recipient, once', () => {
    const existing = [
      task('notify_recipient', 'The ONS Secure Research Service'),
      task(null, 'Pre-approved online survey platform providers.'),
    ]
    expect(recipientsToNotify(recipients, existing)).toEqual([
      'Pre-approved online survey platform providers.',
      'Regulators, where the law requires',
    ])
  })

  it('asks the reason for not telling, and how telling was done', () => {
    expect(resolutionProblem('notify_recipient', { resolution: '', note: 'x' })?.field).toBe('resolution')
    expect(resolutionProblem('notify_recipient', { resolution: 'disproportionate', note: '' })).toEqual({
      field: 'taskNote',
      message: 'Enter why telling them would involve disproportionate effort',
    })
    expect(resolutionProblem('notify_recipient', { resolution: 'notified', note: 'Emailed them' })).toBeNull()
    // A task with one way to resolve it needs no choice.
    expect(resolutionProblem('rectify', { resolution: '', note: 'Changed it' })).toBeNull()
    expect(resolutionOf('rectify', 'anything')).toBe('done')
    expect(resolutionProblem(null, { resolution: '', note: 'x'.repeat(2001) })?.field).toBe('taskNote')
  })

  it('lists each recipient and what became of telling them when the person asked', () => {
    const tasks = [
      task('notify_recipient', 'The survey platform', { doneOn: '2021-11-03', resolution: 'notified' }),
      task('notify_recipient', 'The archive', { doneOn: '2021-11-03', resolution: 'not_disclosed' }),
      task('notify_recipient', 'Regulators', {
        doneOn: '2021-11-03',
        resolution: 'disproportionate',
        note: 'There are forty of them and none holds the address.',
      }),
    ]
    expect(recipientsParagraph(tasks, true)).toBe(
      [
        'You asked us who we told about this (Article 19). These are the recipients of your data:',
        '- The survey platform: we told them on 3 November 2021.',
        '- The archive: we did not need to tell them, because your data was never disclosed to them.',
        '- Regulators: we did not tell them, because it would involve disproportionate effort: There are forty of them and none holds the address.',
      ].join('\n'),
    )
    expect(recipientsParagraph(tasks, false)).toContain('If you would like to know who they are')
    expect(recipientsParagraph([], true)).toBeNull()
  })
})
