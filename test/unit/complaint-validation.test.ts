import { describe, expect, it } from 'vitest'
import { parseComplaintForm, parseComplaintReply } from '../../src/complaints/validation.js'

const valid = {
  subject: 'breach',
  whatHappened: '  Someone emailed my answers to the wrong person.  ',
  desiredOutcome: '',
  email: ' Person@Example.ORG ',
  name: '',
}

const oneStudy = { studySlugs: null }
const fieldsOf = (result: ReturnType<typeof parseComplaintForm>) =>
  result.ok ? [] : result.errors.map((e) => e.field)

describe('parseComplaintForm', () => {
  it('reads a good form: trimmed texts, the domain lower-cased, empty optional fields as null', () => {
    expect(parseComplaintForm(valid, oneStudy)).toEqual({
      ok: true,
      form: {
        subject: 'breach',
        whatHappened: 'Someone emailed my answers to the wrong person.',
        desiredOutcome: null,
        study: undefined,
        email: 'Person@example.org',
        name: null,
      },
    })
  })

  it('lists every missing field in the page’s order, each linking to its field', () => {
    const result = parseComplaintForm({}, oneStudy)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.errors).toEqual([
      { field: 'subject', href: '#subject', text: 'Select what your complaint is about' },
      { field: 'whatHappened', href: '#whatHappened', text: 'Enter what happened' },
      { field: 'email', href: '#email', text: 'Enter your email address' },
    ])
  })

  it('takes only the subjects it offers, as a single value', () => {
    for (const subject of ['complaint', 'toString', '__proto__', '', ['breach', 'other'], 3]) {
      expect(fieldsOf(parseComplaintForm({ ...valid, subject }, oneStudy))).toEqual(['subject'])
    }
  })

  it('refuses texts over their limits and says which', () => {
    expect(fieldsOf(parseComplaintForm({ ...valid, whatHappened: 'x'.repeat(5001) }, oneStudy))).toEqual([
      'whatHappened',
    ])
    expect(parseComplaintForm({ ...valid, whatHappened: 'x'.repeat(5000) }, oneStudy).ok).toBe(true)
    expect(fieldsOf(parseComplaintForm({ ...valid, desiredOutcome: 'y'.repeat(2001) }, oneStudy))).toEqual([
      'desiredOutcome',
    ])
    expect(fieldsOf(parseComplaintForm({ ...valid, name: 'n'.repeat(201) }, oneStudy))).toEqual(['name'])
  })

  it('counts characters, not UTF-16 units, against the limits', () => {
    expect(parseComplaintForm({ ...valid, whatHappened: '😀'.repeat(5000) }, oneStudy).ok).toBe(true)
  })

  it('refuses control characters but keeps line breaks in the long texts', () => {
    expect(fieldsOf(parseComplaintForm({ ...valid, whatHappened: 'a\u0007b' }, oneStudy))).toEqual([
      'whatHappened',
    ])
    expect(fieldsOf(parseComplaintForm({ ...valid, name: 'Ann\nLee' }, oneStudy))).toEqual(['name'])
    const lines = parseComplaintForm({ ...valid, whatHappened: 'First line\r\nSecond line' }, oneStudy)
    expect(lines.ok && lines.form.whatHappened).toBe('First line\nSecond line')
  })

  it('refuses values that are not text', () => {
    expect(fieldsOf(parseComplaintForm({ ...valid, whatHappened: ['a', 'b'] }, oneStudy))).toEqual([
      'whatHappened',
    ])
    expect(fieldsOf(parseComplaintForm({ ...valid, email: { address: 'a@b.org' } }, oneStudy))).toEqual([
      'email',
    ])
  })

  it('checks the address’s shape', () => {
    for (const email of ['no-at-sign', 'a@b', 'two@@example.org', 'spaced out@example.org']) {
      expect(fieldsOf(parseComplaintForm({ ...valid, email }, oneStudy))).toEqual(['email'])
    }
  })

  it('asks for the study only when given several, and takes "not sure" as none', () => {
    const several = { studySlugs: ['first', 'second'] }
    expect(fieldsOf(parseComplaintForm(valid, several))).toEqual(['study'])
    expect(fieldsOf(parseComplaintForm({ ...valid, study: 'third' }, several))).toEqual(['study'])
    const chosen = parseComplaintForm({ ...valid, study: 'second' }, several)
    expect(chosen.ok && chosen.form.study).toBe('second')
    const unsure = parseComplaintForm({ ...valid, study: 'not-sure' }, several)
    expect(unsure.ok && unsure.form.study).toBeNull()
    // With one study the field is not read at all.
    const ignored = parseComplaintForm({ ...valid, study: 'anything' }, oneStudy)
    expect(ignored.ok && ignored.form.study).toBeUndefined()
  })
})

describe('parseComplaintReply', () => {
  it('needs some text, within the limit', () => {
    expect(parseComplaintReply({ reply: '  Thanks  ' })).toEqual({ ok: true, reply: 'Thanks' })
    expect(parseComplaintReply({ reply: ' ' })).toMatchObject({ ok: false, errors: [{ field: 'reply' }] })
    expect(parseComplaintReply({ reply: 'r'.repeat(5001) })).toMatchObject({ ok: false })
    expect(parseComplaintReply({ reply: ['a', 'b'] })).toMatchObject({ ok: false })
  })
})
