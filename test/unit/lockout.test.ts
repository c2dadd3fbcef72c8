import { describe, expect, it } from 'vitest'
import { lockMinutes, signInNetwork, tryAgainWhen } from '../../src/accounts/lockout.js'

describe('sign-in lockout rules', () => {
  it('makes each lock in a row twice as long as the one before, a day at most', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 40].map(lockMinutes)).toEqual([
      15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440,
    ])
  })

  it('counts an IPv4 address as itself and an IPv6 address by its /64', () => {
    expect(signInNetwork('203.0.113.7')).toBe('203.0.113.7')
    expect(signInNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(signInNetwork('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(signInNetwork('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(signInNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(signInNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64')
    expect(signInNetwork('::1')).toBe('0:0:0:0::/64')
    expect(signInNetwork(undefined)).toBe('unknown')
    expect(signInNetwork('not an address')).toBe('unknown')
  })

  it('says when sign-in can be tried again in words and UK time', () => {
    const at = (iso: string) => new Date(iso)
    expect(tryAgainWhen(at('2026-03-02T10:00:00Z'), at('2026-03-02T10:15:00Z'))).toBe(
      'in 15 minutes, at 10:15am',
    )
    // Summer time is an hour ahead of UTC; part of a minute counts as a minute.
    expect(tryAgainWhen(at('2026-06-01T09:00:30Z'), at('2026-06-01T09:30:00Z'))).toBe(
      'in 30 minutes, at 10:30am',
    )
    expect(tryAgainWhen(at('2026-03-02T10:00:00Z'), at('2026-03-02T10:00:20Z'))).toBe(
      'in 1 minute, at 10:00am',
    )
    expect(tryAgainWhen(at('2026-03-02T11:00:00Z'), at('2026-03-02T13:00:00Z'))).toBe('in 2 hours, at 1:00pm')
    expect(tryAgainWhen(at('2026-03-02T23:00:00Z'), at('2026-03-03T00:30:00Z'))).toBe(
      'in 1 hour and 30 minutes, at 12:30am tomorrow',
    )
    // The clocks go back overnight: 24 hours later is later the same London day.
    expect(tryAgainWhen(at('2026-10-24T23:30:00Z'), at('2026-10-25T23:30:00Z'))).toBe(
      'in 24 hours, at 11:30pm',
    )
    expect(tryAgainWhen(at('2026-03-02T10:00:00Z'), at('2026-03-04T09:00:00Z'))).toBe(
      'in 47 hours, at 9:00am on 4 March 2026',
    )
  })
})
