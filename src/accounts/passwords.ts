import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. (2 is Algorithm.Argon2id, a const enum.)
const argonOptions = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }

export function hashPassword(password: string): Promise<string> {
  return hash(password, argonOptions)
}

export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

let decoy: Promise<string> | undefined

/** Verifying against this when no account matches keeps the answer's timing the same. */
export function decoyPasswordHash(): Promise<string> {
  decoy ??= hashPassword('decoy password that never matches anything')
  return decoy
}

const commonPasswords = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()))

export const minimumPasswordLength = 12
export const maximumPasswordLength = 256

/**
 * NCSC guidance: a length floor, no composition rules, and a deny list of the most common
 * passwords (plus the person's own email address). Returns the problem, or undefined.
 */
export function passwordProblem(password: string, context: { email?: string } = {}): string | undefined {
  if ([...password].length < minimumPasswordLength) {
    return `Password must be ${minimumPasswordLength} characters or more`
  }
  if ([...password].length > maximumPasswordLength) {
    return `Password must be ${maximumPasswordLength} characters or fewer`
  }
  const lower = password.toLowerCase()
  if (
    commonPasswords.has(lower) ||
    /^(.)\1+$/.test(password) ||
    /^(0123456789|1234567890|abcdefghijkl)/.test(lower)
  ) {
    return 'Password is too common. Choose a password that is harder to guess, such as three random words'
  }
  const local = context.email?.split('@')[0]?.toLowerCase()
  if (
    (local && local.length >= 4 && lower.includes(local)) ||
    (context.email && lower.includes(context.email.toLowerCase()))
  ) {
    return 'Password must not contain your email address'
  }
  return undefined
}
