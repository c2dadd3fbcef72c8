import { hash, verify } from '@node-rs/argon2'
import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import { adjacencyGraphs, dictionary } from '@zxcvbn-ts/language-common'

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

// zxcvbn estimates how many guesses a cracker would need, knowing the common passwords, keyboard
// patterns, repeats, sequences and dates that guessing tools try first. It reads the first 100
// characters: its work grows with the length, and a password that long is long enough.
const strength = new ZxcvbnFactory({ dictionary, graphs: adjacencyGraphs, maxLength: 100 })

export const minimumPasswordLength = 12
export const maximumPasswordLength = 256
/** zxcvbn's score 3: at least 10^8 guesses, out of reach of online guessing behind the lockout. */
export const minimumPasswordScore = 3

/** Why zxcvbn found a password guessable, in words a person can act on. */
const guessableBecause: Record<string, string> = {
  topTen: 'it is one of the most used passwords',
  topHundred: 'it is one of the most used passwords',
  common: 'it is a commonly used password',
  pwned: 'it is a commonly used password',
  similarToCommon: 'it is a commonly used password with a few characters added or changed',
  wordByItself: 'it is mostly a single common word',
  namesByThemselves: 'it is mostly names',
  commonNames: 'it is mostly common names',
  straightRow: 'it is a row of keys on the keyboard',
  keyPattern: 'it is a pattern of keys next to each other on the keyboard',
  simpleRepeat: 'it repeats the same character, like "aaaa"',
  extendedRepeat: 'it repeats the same letters or words, like "abcabc"',
  sequences: 'it is a sequence, like "abcd" or "1234"',
  recentYears: 'it is mostly a recent year',
  dates: 'it is mostly a date',
  userInputs: 'it contains your name or email address',
}

/**
 * NCSC guidance: a length floor, no composition rules, and guessable passwords refused — the
 * common ones, and those built from the patterns guessing tools try first, with the reason why.
 * The person's own email address and name count as guessable. Returns the problem, or undefined.
 */
export function passwordProblem(
  password: string,
  context: { email?: string; name?: string } = {},
): string | undefined {
  if ([...password].length < minimumPasswordLength) {
    return `Password must be ${minimumPasswordLength} characters or more`
  }
  if ([...password].length > maximumPasswordLength) {
    return `Password must be ${maximumPasswordLength} characters or fewer`
  }
  const lower = password.toLowerCase()
  const local = context.email?.split('@')[0]?.toLowerCase()
  if (
    (local && local.length >= 4 && lower.includes(local)) ||
    (context.email && lower.includes(context.email.toLowerCase()))
  ) {
    return 'Password must not contain your email address'
  }
  const result = strength.check(password, personalWords(context))
  if (result.score >= minimumPasswordScore) return undefined
  const why =
    guessableBecause[result.feedback.warning ?? ''] ?? 'it follows a pattern that guessing tools try early'
  return `This password is too easy to guess: ${why}. Try three random words, or a longer password`
}

function personalWords(context: { email?: string; name?: string }): string[] {
  const email = context.email?.toLowerCase() ?? ''
  const words = [email, ...email.split(/[@.+_-]/), ...(context.name?.toLowerCase().split(/\s+/) ?? [])]
  return words.filter((word) => word.length >= 3)
}
