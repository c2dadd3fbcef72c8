import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { passwordProblem } from '../../src/accounts/passwords.js'

describe('password strength', () => {
  it.each([
    ['password123456', 'a commonly used password with a few characters added or changed'],
    ['qwertyuiopas', 'a commonly used password with a few characters added or changed'],
    ['Password1234', 'a commonly used password with a few characters added or changed'],
    ['123456789012', 'a commonly used password'],
    ['aaaaaaaaaaaa', 'repeats the same character'],
    ['monkeymonkey', 'repeats the same letters or words'],
    ['abcdefghijklmnop', 'a sequence'],
  ])('refuses %j as too easy to guess, saying why', (password, why) => {
    const problem = passwordProblem(password)
    expect(problem).toMatch(/^This password is too easy to guess: /)
    expect(problem).toContain(why)
  })

  it('accepts long passphrases and random passwords, with no rules about character types', () => {
    for (const password of [
      'correct horse battery staple',
      'trombone violet sandwich',
      'a long passphrase of your own',
      randomBytes(12).toString('base64url'),
    ])
      expect(passwordProblem(password, { email: 'dana@portal.test', name: 'Dana Officer' })).toBeUndefined()
  })

  it('keeps the length floor and ceiling, and refuses the person’s own address and name', () => {
    expect(passwordProblem('short one')).toBe('Password must be 12 characters or more')
    expect(passwordProblem('x'.repeat(257))).toBe('Password must be 256 characters or fewer')
    expect(passwordProblem('dana.officer@portal.test!', { email: 'dana.officer@portal.test' })).toBe(
      'Password must not contain your email address',
    )
    expect(passwordProblem('Officer-Dana')).toBeUndefined()
    expect(passwordProblem('Officer-Dana', { email: 'd.o@portal.test', name: 'Dana Officer' })).toBe(
      'This password is too easy to guess: it contains your name or email address. Try three random words, or a longer password',
    )
  })
})
