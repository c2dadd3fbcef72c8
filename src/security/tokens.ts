import { createHash, randomBytes, randomUUID } from 'node:crypto'

/** 256 bits, URL-safe: long enough that guessing a secret link is hopeless. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

/** Secret links are stored only as this hash, so a database leak does not reveal them. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex')
}

export function isWellFormedToken(token: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(token)
}

export function newId(): string {
  return randomUUID()
}
