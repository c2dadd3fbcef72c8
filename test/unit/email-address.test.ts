import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  containsEmailAddress,
  redactEmailAddresses,
  emailHmac,
  isValidEmail,
  legacyEmailHmac,
  normaliseEmail,
} from '../../src/domain/email-address.js'

const secret = 'k'.repeat(32)

describe('normaliseEmail', () => {
  it('trims and lower-cases the domain only', () => {
    expect(normaliseEmail('  Jane.Doe@Example.ORG \n')).toBe('Jane.Doe@example.org')
  })
  it('keeps the capitals of the local part, for the address shown: only its key is folded', () => {
    expect(normaliseEmail('Case.Test@Example.org')).toBe('Case.Test@example.org')
  })
  it('leaves text without @ trimmed', () => {
    expect(normaliseEmail(' nobody ')).toBe('nobody')
  })
})

describe('isValidEmail', () => {
  it.each(['a@example.org', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie"])(
    'accepts %s',
    (email) => {
      expect(isValidEmail(email)).toBe(true)
    },
  )
  it.each([
    '',
    'plain',
    'a@b',
    'a@@example.org',
    'a b@example.org',
    'a@example..org',
    `${'a'.repeat(250)}@example.org`,
  ])('rejects %j', (email) => {
    expect(isValidEmail(email)).toBe(false)
  })
})

describe('emailHmac', () => {
  it('is stable for the same key and address and differs across keys', () => {
    const a = emailHmac('k'.repeat(32), 'a@example.org')
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(emailHmac('k'.repeat(32), 'a@example.org')).toBe(a)
    expect(emailHmac('j'.repeat(32), 'a@example.org')).not.toBe(a)
  })

  it('gives one key to an address however it is capitalised', () => {
    const typed = normaliseEmail('Case.Test@Example.org')
    expect(emailHmac(secret, typed)).toBe(emailHmac(secret, normaliseEmail('case.test@example.org')))
    expect(emailHmac(secret, typed)).toBe(emailHmac(secret, normaliseEmail(' CASE.TEST@EXAMPLE.ORG ')))
    expect(emailHmac(secret, typed)).not.toBe(emailHmac(secret, 'case.test2@example.org'))
  })

  it('hashes the case-folded address behind the email: prefix', () => {
    const expected = createHmac('sha256', secret).update('email:case.test@example.org').digest('hex')
    expect(emailHmac(secret, 'Case.Test@example.org')).toBe(expected)
  })
})

describe('legacyEmailHmac', () => {
  it('is the key as it was, over the address as typed', () => {
    const expected = createHmac('sha256', secret).update('email:Case.Test@example.org').digest('hex')
    expect(legacyEmailHmac(secret, 'Case.Test@example.org')).toBe(expected)
    expect(legacyEmailHmac(secret, 'Case.Test@example.org')).not.toBe(
      emailHmac(secret, 'Case.Test@example.org'),
    )
  })

  it('equals the current key for an address typed in lower case', () => {
    expect(legacyEmailHmac(secret, 'case.test@example.org')).toBe(emailHmac(secret, 'case.test@example.org'))
  })
})

describe('containsEmailAddress', () => {
  it('spots addresses inside text', () => {
    expect(containsEmailAddress('{"to":"jane@example.org"}')).toBe(true)
    expect(containsEmailAddress('{"emailHmac":"ab12"}')).toBe(false)
  })
})

describe('redactEmailAddresses', () => {
  it('replaces each address and keeps the punctuation around it', () => {
    expect(redactEmailAddresses('Write to Jane.Doe+x@Example.co.uk, or "b@c.org".')).toBe(
      'Write to [address removed], or "[address removed]".',
    )
  })

  it('leaves text without an address alone', () => {
    expect(redactEmailAddresses('Meet @ noon at example.org')).toBe('Meet @ noon at example.org')
  })
})
