import { describe, expect, it } from 'vitest'
import { lockMinutes, signInNetwork } from '../../src/accounts/lockout.js'

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
})
