import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/audit/events.js'
import { studyTimeline } from '../../src/studies/timeline.js'
import {
  keyFromLabel,
  parseCategory,
  parseNewCategory,
  parseStudyDetails,
} from '../../src/studies/validation.js'

const details = {
  title: 'A study',
  controllerName: 'An organisation',
  controllerAddress: '1 High Street\nLondon',
  dpoEmail: ' dpo@Example.ORG ',
  privacyNoticeText: 'The notice.\r\n\r\nMore.\n',
  privacyNoticeDate: '2021-06-16',
  surveyClosesOn: '2021-08-31',
  surveyExtensionMonths: '12',
  platformRetentionMonths: '0',
  voucherRetentionMonths: '120',
  acceptingRequests: 'no',
  recipients: ' Survey platform providers\r\nOur archive ',
  internationalTransfers: 'None.',
}

const category = {
  label: 'Postcode',
  purpose: 'Posting vouchers.',
  lawfulBasis: 'contract',
  specialCategory: 'no',
  heldIn: 'Correspondence.',
  retentionRule: 'Two months.',
  linkedAfterExtraction: 'yes',
}

describe('the study details form', () => {
  it('reads every field: trimmed text, a normalised address, dates, whole months and yes or no', () => {
    const parsed = parseStudyDetails(details)
    expect(parsed.ok && parsed.value).toEqual({
      title: 'A study',
      controllerName: 'An organisation',
      controllerAddress: '1 High Street\nLondon',
      dpoEmail: 'dpo@example.org',
      privacyNoticeText: 'The notice.\n\nMore.',
      privacyNoticeDate: '2021-06-16',
      surveyClosesOn: '2021-08-31',
      surveyExtensionMonths: 12,
      platformRetentionMonths: 0,
      voucherRetentionMonths: 120,
      acceptingRequests: false,
      recipients: 'Survey platform providers\nOur archive',
      internationalTransfers: 'None.',
    })
  })

  it('reports every problem at once, in the order of the form', () => {
    const parsed = parseStudyDetails({
      ...details,
      title: '',
      dpoEmail: 'dpo at example',
      recipients: '  ',
      surveyClosesOn: '2021-13-01',
      platformRetentionMonths: '6 months',
      voucherRetentionMonths: '121',
      acceptingRequests: undefined,
    })
    expect(parsed.ok).toBe(false)
    if (parsed.ok) return
    expect(parsed.errors.map((e) => e.href)).toEqual([
      '#title',
      '#dpoEmail',
      '#recipients',
      '#surveyClosesOn',
      '#platformRetentionMonths',
      '#voucherRetentionMonths',
      '#acceptingRequests',
    ])
    expect(parsed.values.dpoEmail).toBe('dpo at example')
  })
})

describe('a data map row', () => {
  it('reads a category and makes a key from its name when none is entered', () => {
    expect(parseCategory(category)).toMatchObject({
      ok: true,
      value: { lawfulBasis: 'contract', linkedAfterExtraction: true },
    })
    const added = parseNewCategory({ ...category, label: 'Café owner’s postcode' })
    expect(added.ok && added.value.key).toBe('cafe_owner_s_postcode')
    const entered = parseNewCategory({ ...category, key: 'post_code' })
    expect(entered.ok && entered.value.key).toBe('post_code')
  })

  it('refuses a key that is not a lowercase slug, shown after the name', () => {
    for (const body of [
      { ...category, key: 'Post-code' },
      { ...category, label: '2nd address' },
      { ...category, key: 'x'.repeat(61) },
    ]) {
      const parsed = parseNewCategory(body)
      expect(parsed.ok).toBe(false)
      if (!parsed.ok) expect(parsed.errors.map((e) => e.field)).toEqual(['key'])
    }
    const both = parseNewCategory({ ...category, label: '', key: 'Bad Key', lawfulBasis: 'whim' })
    expect(!both.ok && both.errors.map((e) => e.field)).toEqual(['label', 'key', 'lawfulBasis'])
  })

  it('asks for the Article 9 condition of special category data, and keeps none for other data', () => {
    const special = parseCategory({ ...category, specialCategory: 'yes' })
    expect(!special.ok && special.errors.map((e) => e.field)).toEqual(['specialCategoryCondition'])
    const unknown = parseCategory({ ...category, specialCategory: 'yes', specialCategoryCondition: 'whim' })
    expect(unknown.ok).toBe(false)
    expect(
      parseCategory({ ...category, specialCategory: 'yes', specialCategoryCondition: 'explicit_consent' }),
    ).toMatchObject({ ok: true, value: { specialCategoryCondition: 'explicit_consent' } })
    expect(
      parseCategory({ ...category, specialCategory: 'no', specialCategoryCondition: 'explicit_consent' }),
    ).toMatchObject({ ok: true, value: { specialCategoryCondition: null } })
  })

  it('makes keys from names', () => {
    expect(keyFromLabel('Answers to the survey questions')).toBe('answers_to_the_survey_questions')
    expect(keyFromLabel('  Email address! ')).toBe('email_address')
    expect(keyFromLabel('***')).toBe('')
  })
})

describe('the study timeline', () => {
  const event = (kind: string, data: Record<string, unknown>): StoredEvent => ({
    seq: 1,
    id: 'e1',
    occurredAt: '2026-01-02T03:04:05.000Z',
    actor: { type: 'staff', id: 'u1' },
    subject: { type: 'study', id: 's1' },
    kind,
    data,
  })

  it('says what changed, with old and new values where the event has them', () => {
    const names = new Map([['u1', 'Ada Admin']])
    const [details, changed, removed] = studyTimeline(
      [
        event('study.updated', {
          fields: ['title', 'surveyClosesOn', 'voucherRetentionMonths', 'acceptingRequests'],
          changes: {
            surveyClosesOn: { from: '2021-08-31', to: '2021-09-30' },
            voucherRetentionMonths: { from: 2, to: 1 },
            acceptingRequests: { from: true, to: false },
          },
        }),
        event('study.category_updated', {
          key: 'age',
          fields: ['lawfulBasis'],
          changes: { lawfulBasis: { from: 'consent', to: 'public_task' } },
        }),
        event('study.category_removed', { key: 'gone' }),
      ],
      names,
      [
        {
          key: 'age',
          label: 'Age',
          purpose: '',
          lawfulBasis: 'public_task',
          specialCategory: false,
          heldIn: '',
          retentionRule: '',
          linkedAfterExtraction: false,
        },
      ],
    )
    expect(details).toEqual({
      title: 'Study details changed',
      actor: 'Ada Admin',
      at: '2026-01-02T03:04:05.000Z',
      detail:
        'Title; Survey closes: 31 August 2021 → 30 September 2021; Voucher correspondence kept after the voucher is sent: 2 months → 1 month; Accepting requests: yes → no',
    })
    expect(changed?.title).toBe('Data changed: Age')
    expect(changed?.detail).toBe('Lawful basis: Consent → Public task')
    expect(removed?.title).toBe('Data removed: gone')
  })
})
