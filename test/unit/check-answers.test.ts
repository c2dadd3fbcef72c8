import { describe, expect, it } from 'vitest'
import { requestTypeInfo } from '../../src/domain/request-types.js'
import {
  checkAnswerRows,
  hiddenAnswerFields,
  homeRights,
  requestFormValues,
} from '../../src/intake/presenters.js'
import { formFields, parseRequestForm, type FormChoices } from '../../src/intake/validation.js'

const choices: FormChoices = {
  objection: [{ value: 'purpose:voucher', label: 'Sending your voucher' }],
  consent: [{ value: 'ethnicity', label: 'Ethnicity' }],
  categories: [
    { value: 'email', label: 'Email address' },
    { value: 'occupation', label: 'Occupation' },
  ],
}

describe('requestFormValues and hiddenAnswerFields', () => {
  it('turn a parsed form back into the values it was typed as, so parsing them again gives the same form', () => {
    const parsed = parseRequestForm(
      'rectification',
      {
        categories: ['occupation', 'email'],
        inaccurate: 'Old job',
        correction: 'New job',
        askRecipients: 'yes',
        email: 'jo@example.org',
        name: 'Jo',
      },
      choices,
    )
    if (!parsed.ok) throw new Error('form should parse')
    const values = requestFormValues(parsed.form.details, parsed.form.email, parsed.form.name)
    expect(values).toEqual({
      categories: ['email', 'occupation'],
      inaccurate: 'Old job',
      correction: 'New job',
      askRecipients: ['yes'],
      email: 'jo@example.org',
      name: 'Jo',
    })
    const pairs = hiddenAnswerFields(values, formFields.rectification)
    expect(pairs.map((p) => p.name)).toEqual([
      'categories',
      'categories',
      'inaccurate',
      'correction',
      'askRecipients',
      'email',
      'name',
    ])
    const body: Record<string, string | string[]> = {}
    for (const { name, value } of pairs) {
      const before = body[name]
      body[name] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value]
    }
    expect(parseRequestForm('rectification', body, choices)).toEqual(parsed)
  })

  it('leaves out answers not given', () => {
    expect(requestFormValues({ type: 'access' }, 'jo@example.org', null)).toEqual({ email: 'jo@example.org' })
  })
})

describe('checkAnswerRows', () => {
  it('lists every question in the order of the form, saying plainly what was left empty', () => {
    const rows = checkAnswerRows({
      info: requestTypeInfo.erasure,
      studyTitle: null,
      form: { details: { type: 'erasure' }, email: 'jo@example.org', name: null },
      choices,
    })
    expect(rows.map((r) => [r.key, r.value, r.field])).toEqual([
      ['Request', 'Delete your data', undefined],
      ['Who we shared your data with', 'Not asked', 'askRecipients'],
      ['Why you want it deleted', 'No reason given', 'reason'],
      ['Email address', 'jo@example.org', 'email'],
      ['Your name', 'Not given', 'name'],
    ])
  })

  it('names the choices as the form offered them, and the study when several are open', () => {
    const rows = checkAnswerRows({
      info: requestTypeInfo.objection,
      studyTitle: 'Wellbeing Survey',
      form: {
        details: { type: 'objection', processing: 'purpose:voucher', description: 'No more emails' },
        email: 'jo@example.org',
        name: 'Jo',
      },
      choices,
    })
    expect(rows[0]).toEqual({ key: 'Study', value: 'Wellbeing Survey' })
    expect(rows.find((r) => r.field === 'processing')?.value).toBe('Sending your voucher')
    expect(rows.find((r) => r.field === 'description')).toMatchObject({
      value: 'No more emails',
      changeText: 'why you object',
    })
  })
})

describe('homeRights', () => {
  it('says a sentence once, the rights after pointing back to the ones that said it', () => {
    const shared = 'This covers your email address.'
    const rights = homeRights([
      { type: 'access' as const, covers: 'For this study we may hold your email address.' },
      { type: 'rectification' as const, covers: shared },
      { type: 'erasure' as const, covers: shared },
      { type: 'restriction' as const, covers: shared },
      { type: 'portability' as const, covers: 'For this study this covers your ethnicity.' },
      { type: 'withdraw_consent' as const, covers: 'For this study this covers your ethnicity.' },
      { type: 'objection' as const, covers: undefined },
    ])
    expect(rights.map((r) => r.covers)).toEqual([
      'For this study we may hold your email address.',
      shared,
      'This covers the same data as correcting it.',
      'This covers the same data as correcting or deleting it.',
      'For this study this covers your ethnicity.',
      'This covers the same data as getting it in a reusable format.',
      undefined,
    ])
  })
})
