import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { ValidationError } from '../../src/errors.js'
import { checkForm, isoDate, parseForm, required, textField } from '../../src/web/validate.js'

const form = z.object({
  name: textField({ name: 'your name', required: 'Enter your name', max: 5 }),
  kind: z.enum(['a', 'b'], { error: 'Select a kind' }),
  on: isoDate('Enter a date, like 2026-03-31').refine((on) => on <= '2026-03-02', {
    error: 'The date must be today or in the past',
  }),
  password: required('Enter a password', { trim: false }),
})

describe('checkForm', () => {
  it('gives the values when the form is right', () => {
    const result = checkForm(form, { name: ' Jo ', kind: 'a', on: '2026-03-01', password: ' x ', _csrf: 't' })
    expect(result).toEqual({ ok: true, value: { name: 'Jo', kind: 'a', on: '2026-03-01', password: ' x ' } })
  })

  it('lists one error per field, the first found, in the order of the schema', () => {
    const result = checkForm(form, { password: '', on: 'soon', kind: 'c', name: '   ' })
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'name', href: '#name', text: 'Enter your name' },
        { field: 'kind', href: '#kind', text: 'Select a kind' },
        { field: 'on', href: '#on', text: 'Enter a date, like 2026-03-31' },
        { field: 'password', href: '#password', text: 'Enter a password' },
      ],
    })
  })

  it('reads a missing body or a missing field as empty', () => {
    const result = checkForm(form, undefined)
    expect(result.ok ? [] : result.errors.map((e) => e.text)).toEqual([
      'Enter your name',
      'Select a kind',
      'Enter a date, like 2026-03-31',
      'Enter a password',
    ])
  })

  it('keeps the text rules of readText', () => {
    const result = checkForm(form.pick({ name: true }), { name: 'Joanna' })
    expect(result).toEqual({
      ok: false,
      errors: [{ field: 'name', href: '#name', text: 'Your name must be 5 characters or fewer' }],
    })
  })

  it('links a field to its element id when that differs from its name', () => {
    const result = checkForm(form.pick({ kind: true }), {}, { kind: 'kind-task-1' })
    expect(result.ok ? [] : result.errors).toEqual([
      { field: 'kind', href: '#kind-task-1', text: 'Select a kind' },
    ])
  })
})

describe('parseForm', () => {
  it('throws the field errors as a ValidationError', () => {
    const thrown = (() => {
      try {
        parseForm(form.pick({ on: true }), { on: '2026-04-01' })
      } catch (error) {
        return error
      }
    })()
    expect(thrown).toBeInstanceOf(ValidationError)
    expect((thrown as ValidationError).errors).toEqual([
      { field: 'on', href: '#on', text: 'The date must be today or in the past' },
    ])
  })
})
