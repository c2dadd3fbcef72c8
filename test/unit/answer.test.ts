import { describe, expect, it } from 'vitest'
import {
  buildAccessAnswer,
  buildPortabilityAnswer,
  categoryHeld,
  dataConditionOf,
  downloadExpiresOn,
  portabilityRows,
  portableValuesNeeded,
  voucherCorrespondenceHeld,
  type AnswerInput,
  type AnswerRecord,
} from '../../src/domain/answer.js'
import type { DataCategory } from '../../src/domain/data-map.js'
import { retentionStateAt, type RecordFacts } from '../../src/domain/retention.js'
import {
  groundMismatch,
  groundStatement,
  isRefusalGroundFor,
  refusalGroundsFor,
  unfinishedReminder,
} from '../../src/domain/refusals.js'

const category = (
  key: string,
  lawfulBasis: DataCategory['lawfulBasis'],
  extra: Partial<DataCategory> = {},
) => ({
  key,
  label: key === 'email' ? 'Email address' : key.charAt(0).toUpperCase() + key.slice(1),
  purpose: `Purpose of ${key}`,
  lawfulBasis,
  specialCategory: false,
  heldIn: key === 'email' ? 'The survey platform and voucher correspondence' : 'The survey platform',
  retentionRule: `Rule for ${key}`,
  linkedAfterExtraction: false,
  ...extra,
})

const dataMap: DataCategory[] = [
  category('email', 'legitimate_interests'),
  category('occupation', 'public_task'),
  category('ethnicity', 'consent', { specialCategory: true, specialCategoryCondition: 'explicit_consent' }),
]

const policy = { surveyClosesOn: '2021-08-31', platformMonthsAfterClose: 6, voucherMonthsAfterSent: 2 }

function record(
  facts: Partial<RecordFacts>,
  today = '2021-11-01',
  extra: Partial<AnswerRecord> = {},
): AnswerRecord {
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

const input = (r: AnswerRecord | null, attachments: string[] = []): AnswerInput => ({
  reference: 'DSR-2021-0001',
  generatedOn: '2021-11-01',
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
  record: r,
  attachments,
})

describe('what is left of each category', () => {
  it.each([
    ['email', {}, 'held'],
    ['occupation', {}, 'held'],
    ['occupation', { extractedOn: '2021-09-15' }, 'anonymised'],
    ['email', { extractedOn: '2021-09-15' }, 'held'],
    ['email', { erased: { on: '2021-10-03', reason: 'retention_schedule' as const } }, 'erased'],
    ['occupation', { erased: { on: '2021-10-03', reason: 'retention_schedule' as const } }, 'anonymised'],
  ])('%s with %j is %s', (key, facts, expected) => {
    const c = dataMap.find((d) => d.key === key)!
    expect(categoryHeld(c, record(facts))).toBe(expected)
  })

  it('is no_record without a record', () => {
    expect(categoryHeld(dataMap[0]!, null)).toBe('no_record')
  })

  it('keeps a category linked after extraction when the data map says so', () => {
    expect(
      categoryHeld({ ...dataMap[1]!, linkedAfterExtraction: true }, record({ extractedOn: '2021-09-15' })),
    ).toBe('held')
  })
})

const voucherCorrespondence = category('voucher_correspondence', 'legitimate_interests', {
  label: 'Correspondence about your voucher',
  heldIn: 'Our mailbox for voucher correspondence',
  linkedAfterExtraction: true,
})

describe('what is left of the voucher correspondence', () => {
  const erased = { on: '2021-12-01', reason: 'erasure_request' as const }
  it.each([
    ['no voucher was sent', {}, '2021-11-01', 'not_held'],
    ['no voucher was sent and the address is erased', { erased }, '2021-12-05', 'not_held'],
    ['its holding is within its two months', { voucherSentOn: '2021-10-20' }, '2021-11-01', 'held'],
    ['its holding is on its last day', { voucherSentOn: '2021-10-20' }, '2021-12-20', 'held'],
    ['its holding is due for deletion', { voucherSentOn: '2021-10-20' }, '2021-12-21', 'held'],
    [
      'its holding is due but the record restricted',
      { voucherSentOn: '2021-10-20', restriction: { since: '2021-12-01' } },
      '2021-12-21',
      'held',
    ],
    [
      'the survey data was extracted',
      { voucherSentOn: '2021-10-20', extractedOn: '2021-09-15' },
      '2021-11-01',
      'held',
    ],
    [
      'its deletion was asked for and not confirmed',
      {
        voucherSentOn: '2021-10-20',
        deletedHoldings: { voucher_correspondence: '2021-12-21' },
        deletionDone: { voucher_correspondence: null },
      },
      '2021-12-22',
      'deletion_requested',
    ],
    [
      'its deletion was confirmed',
      {
        voucherSentOn: '2021-10-20',
        deletedHoldings: { voucher_correspondence: '2021-12-21' },
        deletionDone: { voucher_correspondence: '2021-12-23' },
      },
      '2021-12-24',
      'deleted',
    ],
    [
      'the portal deleted it (no task read)',
      { voucherSentOn: '2021-10-20', deletedHoldings: { voucher_correspondence: '2021-12-21' } },
      '2021-12-22',
      'deleted',
    ],
    [
      'the record was erased and the deletion confirmed',
      {
        voucherSentOn: '2021-10-20',
        deletedHoldings: { voucher_correspondence: '2021-12-01' },
        deletionDone: { voucher_correspondence: '2021-12-02' },
        erased,
      },
      '2021-12-05',
      'erased',
    ],
    [
      'the record was erased before the deletion was confirmed',
      {
        voucherSentOn: '2021-10-20',
        deletedHoldings: { voucher_correspondence: '2021-12-01' },
        deletionDone: { voucher_correspondence: null },
        erased,
      },
      '2021-12-05',
      'deletion_requested',
    ],
    [
      'the record was erased, with no deletion tracked',
      { voucherSentOn: '2021-10-20', erased },
      '2021-12-05',
      'erased',
    ],
  ])('when %s, on %3$s: %4$s', (_, facts, today, expected) => {
    const r = record(facts, today)
    expect(voucherCorrespondenceHeld(r)).toBe(expected)
    // The data map's category follows the same rule, by its key, whatever it says of extraction.
    expect(categoryHeld(voucherCorrespondence, r)).toBe(expected)
    expect(categoryHeld({ ...voucherCorrespondence, linkedAfterExtraction: false }, r)).toBe(expected)
  })

  it('is no_record without a record', () => {
    expect(voucherCorrespondenceHeld(null)).toBe('no_record')
    expect(categoryHeld(voucherCorrespondence, null)).toBe('no_record')
  })

  it('gives the rights rules a copy still there until its deletion is confirmed, and never a missing record', () => {
    expect(dataConditionOf('held')).toBe('linked')
    expect(dataConditionOf('deletion_requested')).toBe('linked')
    expect(dataConditionOf('deleted')).toBe('erased')
    expect(dataConditionOf('erased')).toBe('erased')
    expect(dataConditionOf('not_held')).toBe('linked')
  })
})

describe('the voucher correspondence in the access answer', () => {
  const withVoucher = (r: AnswerRecord | null, attachments: string[] = []) =>
    buildAccessAnswer({
      ...input(r, attachments),
      dataMap: [dataMap[0]!, voucherCorrespondence, ...dataMap.slice(1)],
    }).data[1]!

  it('provides a copy from the mailbox while it is held and none is attached', () => {
    const row = withVoucher(record({ voucherSentOn: '2021-10-20' }), ['platform.csv'])
    expect(row).toMatchObject({
      category: 'Correspondence about your voucher',
      held: 'held',
      value: 'Held in our mailbox for voucher correspondence. We provide a copy of it with this answer.',
      lawfulBasis: 'Legitimate interests',
      whereHeld: 'Our mailbox for voucher correspondence',
    })
  })

  it('points to the attached copy when the DPO attached one', () => {
    const row = withVoucher(record({ voucherSentOn: '2021-10-20' }), ['platform.csv', 'Voucher-emails.pdf'])
    expect(row.value).toBe('See the attached copy: Voucher-emails.pdf.')
  })

  it('says none is held when no voucher was sent, even with a copy attached', () => {
    const row = withVoucher(record({}), ['voucher-emails.pdf'])
    expect(row).toMatchObject({ held: 'not_held', value: null })
    expect(row.explanation).toContain('We have not sent you a voucher')
  })

  it('dates the deletion, and its request while unconfirmed', () => {
    const requested = withVoucher(
      record(
        {
          voucherSentOn: '2021-10-20',
          deletedHoldings: { voucher_correspondence: '2021-12-21' },
          deletionDone: { voucher_correspondence: null },
        },
        '2021-12-22',
      ),
    )
    expect(requested).toMatchObject({ held: 'deletion_requested', value: null })
    expect(requested.explanation).toBe(
      'We asked for it to be deleted on 21 December 2021; that it is gone has not been confirmed yet.',
    )
    const deleted = withVoucher(
      record(
        {
          voucherSentOn: '2021-10-20',
          deletedHoldings: { voucher_correspondence: '2021-12-21' },
          deletionDone: { voucher_correspondence: '2021-12-23' },
        },
        '2021-12-24',
      ),
    )
    expect(deleted).toMatchObject({
      held: 'deleted',
      value: null,
      explanation: 'We deleted it on 23 December 2021.',
    })
  })

  it('is erased with the record', () => {
    const row = withVoucher(
      record(
        { voucherSentOn: '2021-10-20', erased: { on: '2021-12-01', reason: 'erasure_request' } },
        '2021-12-05',
      ),
      ['voucher-emails.pdf'],
    )
    expect(row).toMatchObject({ held: 'erased', value: null })
  })

  it('is said to be not held when there is no record', () => {
    expect(withVoucher(null)).toMatchObject({ held: 'no_record', value: null })
  })
})

describe('the access answer', () => {
  it('holds every item Article 15 names, with the person’s own dates', () => {
    const answer = buildAccessAnswer(input(record({ voucherSentOn: '2021-10-20' })))
    expect(answer.emailRecord).toMatchObject({
      emailAddress: 'person@example.org',
      tookPartOn: '2021-06-01',
      retentionState: 'retained',
      whereHeld: [
        { where: 'Survey platform', keptUntil: '2022-02-28', deletedOn: null },
        { where: 'Voucher correspondence', keptUntil: '2021-12-20', deletedOn: null },
      ],
    })
    expect(answer.data.map((d) => [d.category, d.held, d.lawfulBasis])).toEqual([
      ['Email address', 'held', 'Legitimate interests'],
      ['Occupation', 'held', 'Public task'],
      ['Ethnicity', 'held', 'Consent'],
    ])
    expect(answer.data.map((d) => d.specialCategoryCondition)).toEqual([
      null,
      null,
      'Explicit consent (Art. 9(2)(a))',
    ])
    expect(answer.data[0]?.value).toBe('person@example.org')
    expect(answer.data[1]?.value).toBeNull()
    expect(answer.recipients).toEqual([
      'The survey platform and voucher correspondence',
      'The survey platform',
    ])
    expect(answer.internationalTransfers).toBeNull()
    expect(answer.source).toContain('1 June 2021')
    expect(answer.automatedDecisions).toContain('do not make any decisions')
    expect(answer.rights.join(' ')).toContain('Article 17')
    expect(answer.complaints).toContain("Information Commissioner's Office")
  })

  it('names the study’s recipients and transfers abroad when it states them', () => {
    const base = input(record({}))
    const answer = buildAccessAnswer({
      ...base,
      study: {
        ...base.study,
        recipients: 'Survey platform providers\n\n ONS archive (anonymised only) ',
        internationalTransfers: 'None.',
      },
    })
    expect(answer.recipients).toEqual(['Survey platform providers', 'ONS archive (anonymised only)'])
    expect(answer.internationalTransfers).toBe('None.')
  })

  it('points to the attached copy for survey data still linked', () => {
    const answer = buildAccessAnswer(input(record({}), ['platform.csv']))
    expect(answer.data[1]?.value).toBe('See the attached copy from the survey platform.')
    expect(answer.attachments).toEqual(['platform.csv'])
  })

  it('says when the address was deleted and holds nothing else', () => {
    const answer = buildAccessAnswer(
      input(record({ erased: { on: '2021-10-03', reason: 'retention_schedule' } })),
    )
    expect(answer.summary).toContain('We deleted your email address on 3 October 2021')
    expect(answer.emailRecord?.emailAddress).toBeNull()
    expect(answer.data.map((d) => [d.category, d.held, d.value])).toEqual([
      ['Email address', 'erased', null],
      ['Occupation', 'anonymised', null],
      ['Ethnicity', 'anonymised', null],
    ])
  })

  it('says when there is no record at all', () => {
    const answer = buildAccessAnswer(input(null))
    expect(answer.emailRecord).toBeNull()
    expect(answer.summary).toContain('We found no record of your email address')
  })
})

describe('the portability answer', () => {
  it('holds only consent and contract data still linked, and names the rest with the article', () => {
    const answer = buildPortabilityAnswer(input(record({})), { ethnicity: ' Mixed ', occupation: 'ignored' })
    expect(answer.data).toEqual([
      {
        key: 'ethnicity',
        category: 'Ethnicity',
        value: 'Mixed',
        lawfulBasis: 'Consent',
        providedOn: '2021-06-01',
      },
    ])
    expect(answer.outOfScope.map((o) => [o.category, o.article])).toEqual([
      ['Email address', 'Article 20(1)'],
      ['Occupation', 'Article 20(3)'],
    ])
    expect(portabilityRows(answer)).toEqual([
      ['category', 'label', 'value', 'lawful_basis', 'provided_on'],
      ['ethnicity', 'Ethnicity', 'Mixed', 'Consent', '2021-06-01'],
    ])
  })

  it('treats an empty value as not answered', () => {
    expect(buildPortabilityAnswer(input(record({})), { ethnicity: '  ' }).data[0]?.value).toBeNull()
  })

  it('moves anonymised consent data out of scope under Article 11(2)', () => {
    const r = record({ extractedOn: '2021-09-15' })
    const answer = buildPortabilityAnswer(input(r), {})
    expect(answer.data).toEqual([])
    expect(answer.outOfScope.find((o) => o.category === 'Ethnicity')?.article).toBe('Article 11(2)')
    expect(portableValuesNeeded(dataMap, r)).toEqual([])
    expect(portableValuesNeeded(dataMap, record({})).map((c) => c.key)).toEqual(['ethnicity'])
  })
})

describe('the answer downloads', () => {
  it('gives downloads 30 days', () => {
    expect(downloadExpiresOn('2021-11-01')).toBe('2021-12-01')
  })
})

describe('refusal grounds', () => {
  it('offers the Article 17(3) exemptions for erasure only', () => {
    expect(refusalGroundsFor('erasure')).toContain('public_health')
    expect(refusalGroundsFor('access')).toEqual([
      'manifestly_unfounded',
      'manifestly_excessive',
      'research_statistics',
      'archiving',
      'exemption',
    ])
    expect(isRefusalGroundFor('access', 'research_exemption')).toBe(false)
    expect(isRefusalGroundFor('erasure', 'research_exemption')).toBe(true)
    expect(isRefusalGroundFor('erasure', 'made_up')).toBe(false)
  })

  it('offers the Article 21 grounds for objections only, and nothing but Art. 12(5) against withdrawing consent', () => {
    expect(refusalGroundsFor('objection')).toEqual([
      'manifestly_unfounded',
      'manifestly_excessive',
      'compelling_grounds',
      'public_interest_research',
      'research_statistics',
      'archiving',
      'exemption',
    ])
    expect(isRefusalGroundFor('erasure', 'compelling_grounds')).toBe(false)
    expect(isRefusalGroundFor('erasure', 'research_statistics')).toBe(false)
    expect(isRefusalGroundFor('portability', 'archiving')).toBe(true)
    expect(isRefusalGroundFor('portability', 'research_statistics')).toBe(false)
    expect(refusalGroundsFor('withdraw_consent')).toEqual(['manifestly_unfounded', 'manifestly_excessive'])
    expect(groundMismatch('access', 'compelling_grounds')).toBe('Article 21 grounds apply only to objections')
    expect(groundMismatch('access', 'legal_claims')).toBe(
      'Article 17(3) exemptions apply only to erasure requests',
    )
  })

  it('names the ground in the letter', () => {
    expect(groundStatement('legal_claims')).toBe(
      'We are relying on this ground: Needed for legal claims (Art. 17(3)(e)).',
    )
  })

  it('finds reminders left in square brackets', () => {
    expect(unfinishedReminder('Dear you. [Give the reasons.] Bye')).toBe('[Give the reasons.]')
    expect(unfinishedReminder('Under Article 17(3)(d) [x] we keep it.')).toBeNull()
  })
})
