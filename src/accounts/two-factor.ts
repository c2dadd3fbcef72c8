import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'
import { generateSecret, generateURI, verifySync } from 'otplib'

const stepSeconds = 30

/** TOTP secrets are stored encrypted (AES-256-GCM) under a key derived from the server secret. */
function keyFrom(serverSecret: string): Buffer {
  return createHash('sha256').update(`totp-secret-key:${serverSecret}`).digest()
}

export function encryptTotpSecret(secret: string, serverSecret: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', keyFrom(serverSecret), iv)
  const encrypted = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()])
  return [iv, cipher.getAuthTag(), encrypted].map((b) => b.toString('base64url')).join('.')
}

export function decryptTotpSecret(stored: string, serverSecret: string): string {
  const [iv, tag, data] = stored.split('.').map((part) => Buffer.from(part, 'base64url'))
  if (!iv || !tag || !data) throw new Error('Malformed TOTP secret')
  const decipher = createDecipheriv('aes-256-gcm', keyFrom(serverSecret), iv)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(data), decipher.final()]).toString('utf8')
}

export function newTotpSecret(): string {
  return generateSecret()
}

export function totpUri(secret: string, account: string, issuer: string): string {
  return generateURI({ issuer, label: account, secret })
}

/**
 * Checks a 6-digit code at an instant, allowing one step of clock drift either way, and refusing
 * a code from a step already used (no replay).
 */
export function checkTotp(
  secret: string,
  code: string,
  at: Date,
  lastStep: number | null,
): { valid: true; step: number } | { valid: false } {
  const token = code.replace(/\s+/g, '')
  if (!/^\d{6}$/.test(token)) return { valid: false }
  const result = verifySync({
    secret,
    token,
    epoch: Math.floor(at.getTime() / 1000),
    epochTolerance: stepSeconds,
  })
  if (!result.valid) return { valid: false }
  const step = Math.floor(at.getTime() / 1000 / stepSeconds) + (result.delta ?? 0)
  if (lastStep !== null && step <= lastStep) return { valid: false }
  return { valid: true, step }
}
