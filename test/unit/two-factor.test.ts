import { generateSync } from 'otplib'
import { describe, expect, it } from 'vitest'
import {
  checkTotp,
  decryptTotpSecret,
  encryptTotpSecret,
  newTotpSecret,
  totpUri,
} from '../../src/accounts/two-factor.js'

const at = new Date('2026-03-02T10:00:00Z')
const codeAt = (secret: string, instant: Date) =>
  generateSync({ secret, epoch: Math.floor(instant.getTime() / 1000) })

describe('two-factor codes', () => {
  it('accepts the current code and one step of drift, not more', () => {
    const secret = newTotpSecret()
    expect(checkTotp(secret, codeAt(secret, at), at, null).valid).toBe(true)
    expect(checkTotp(secret, codeAt(secret, new Date(at.getTime() - 30_000)), at, null).valid).toBe(true)
    expect(checkTotp(secret, codeAt(secret, new Date(at.getTime() - 120_000)), at, null).valid).toBe(false)
  })
  it('refuses a code from a step already used', () => {
    const secret = newTotpSecret()
    const first = checkTotp(secret, codeAt(secret, at), at, null)
    expect(first.valid).toBe(true)
    const step = first.valid ? first.step : 0
    expect(checkTotp(secret, codeAt(secret, at), at, step).valid).toBe(false)
  })
  it('refuses malformed codes', () => {
    const secret = newTotpSecret()
    for (const code of ['', '12345', '1234567', 'abcdef'])
      expect(checkTotp(secret, code, at, null).valid).toBe(false)
  })
  it('stores the secret encrypted, readable only with the server secret', () => {
    const secret = newTotpSecret()
    const stored = encryptTotpSecret(secret, 's'.repeat(32))
    expect(stored).not.toContain(secret)
    expect(decryptTotpSecret(stored, 's'.repeat(32))).toBe(secret)
    expect(() => decryptTotpSecret(stored, 't'.repeat(32))).toThrow()
  })
  it('builds an otpauth URI for authenticator apps', () => {
    expect(totpUri('ABC', 'dpo@portal.test', 'Your data rights')).toMatch(/^otpauth:\/\/totp\/.*secret=ABC/)
  })
})
