import { describe, expect, it } from 'vitest'
import {
  containsEmailAddress,
  redactEmailAddresses,
  emailHmac,
  isValidEmail,
  normaliseEmail,
} from '../../src/domain/email-address.js'

describe('normaliseEmail', () => {
  it('trims and lower-cases the domain only', () => {
    expect(normaliseEmail('  Jane.Doe@Example.ORG \n')).toBe('Jane.Doe@example.org')
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
