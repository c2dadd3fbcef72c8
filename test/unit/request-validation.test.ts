import { describe, expect, it } from 'vitest'
import { parseRequestForm } from '../../src/intake/validation.js'

const choices = {
  objection: [
    { value: 'purpose:email', label: 'Voucher' },
    { value: 'direct_marketing', label: 'Direct marketing' },
  ],
  consent: [{ value: 'ethnicity', label: 'Ethnicity' }],
  categories: [
    { value: 'email', label: 'Email address' },
    { value: 'occupation', label: 'Occupation' },
  ],
}

const fields = (result: ReturnType<typeof parseRequestForm>) =>
  result.ok ? [] : result.errors.map((e) => e.field)

describe('parseRequestForm', () => {
  it('accepts an access request with only an email, normalised', () => {
    const result = parseRequestForm('access', { email: ' Jane@Example.ORG ' }, choices)
    expect(result).toEqual({
      ok: true,
      form: { details: { type: 'access' }, email: 'Jane@example.org', name: null },
    })
  })

  it('requires both sides of a rectification', () => {
    expect(
      fields(
        parseRequestForm(
          'rectification',
          { email: 'a@example.org', inaccurate: 'x', categories: 'occupation' },
          choices,
        ),
      ),
    ).toEqual(['correction'])
  })

  it('asks a rectification which data is wrong, from the data map only, before its other fields', () => {
    const base = { email: 'a@example.org', inaccurate: 'x', correction: 'y' }
    expect(fields(parseRequestForm('rectification', { ...base, correction: '' }, choices))).toEqual([
      'categories',
      'correction',
    ])
    expect(
      fields(parseRequestForm('rectification', { ...base, categories: ['occupation', 'salary'] }, choices)),
    ).toEqual(['categories'])
    const result = parseRequestForm(
      'rectification',
      {
        ...base,
        categories: ['occupation', 'email'],
        statement: 'I also manage a team.',
        askRecipients: 'yes',
      },
      choices,
    )
    // Stored in data-map order, with the statement and the Art. 19 question.
    expect(result.ok && result.form.details).toEqual({
      type: 'rectification',
      inaccurate: 'x',
      correction: 'y',
      categories: ['email', 'occupation'],
      statement: 'I also manage a team.',
      askRecipients: true,
    })
  })

  it('records whether the person asked whom we told, for erasure and restriction too', () => {
    const erasure = parseRequestForm('erasure', { email: 'a@example.org', askRecipients: 'yes' }, choices)
    expect(erasure.ok && erasure.form.details).toEqual({ type: 'erasure', askRecipients: true })
    const restriction = parseRequestForm(
      'restriction',
      { email: 'a@example.org', ground: 'accuracy', askRecipients: 'no' },
      choices,
    )
    expect(restriction.ok && restriction.form.details).toEqual({ type: 'restriction', ground: 'accuracy' })
  })

  it('accepts only the choices the study offers', () => {
    expect(
      fields(parseRequestForm('objection', { email: 'a@example.org', processing: 'research' }, choices)),
    ).toEqual(['processing'])
    expect(
      parseRequestForm('withdraw_consent', { email: 'a@example.org', consent: 'ethnicity' }, choices).ok,
    ).toBe(true)
    expect(fields(parseRequestForm('restriction', { email: 'a@example.org', ground: 'e' }, choices))).toEqual(
      ['ground'],
    )
  })

  it('rejects a field sent as a list (a tampered form)', () => {
    expect(
      fields(parseRequestForm('access', { email: ['a@example.org', 'b@example.org'] }, choices)),
    ).toEqual(['email'])
  })

  it('rejects control characters and undecodable bytes but keeps newlines in long text', () => {
    expect(
      fields(parseRequestForm('erasure', { email: 'a@example.org', reason: 'line one\nline two' }, choices)),
    ).toEqual([])
    expect(
      fields(parseRequestForm('erasure', { email: 'a@example.org', reason: 'bad\u0000' }, choices)),
    ).toEqual(['reason'])
    expect(
      fields(parseRequestForm('access', { email: 'a@example.org', name: 'Bad \ufffd' }, choices)),
    ).toEqual(['name'])
  })

  it('limits lengths by characters', () => {
    expect(
      fields(parseRequestForm('access', { email: 'a@example.org', name: 'é'.repeat(200) }, choices)),
    ).toEqual([])
    expect(
      fields(parseRequestForm('access', { email: 'a@example.org', name: 'é'.repeat(201) }, choices)),
    ).toEqual(['name'])
  })
})
