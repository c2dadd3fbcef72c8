import { describe, expect, it } from 'vitest'
import { addDays } from '../../src/domain/clock.js'
import { contactKeptUntil, contactPurgeBound, contactPurgeDue } from '../../src/domain/contact-retention.js'

describe('contact retention after a request closes', () => {
  it('keeps contact details through the same date the given months later, and not a day more', () => {
    expect(contactKeptUntil('2024-01-10', 24)).toBe('2026-01-10')
    expect(contactPurgeDue('2024-01-10', 24, '2026-01-10')).toBe(false)
    expect(contactPurgeDue('2024-01-10', 24, '2026-01-11')).toBe(true)
  })

  it('clamps to the end of a shorter month', () => {
    expect(contactKeptUntil('2024-02-29', 24)).toBe('2026-02-28')
    expect(contactKeptUntil('2024-01-31', 1)).toBe('2024-02-29')
    expect(contactPurgeDue('2024-02-29', 24, '2026-03-01')).toBe(true)
  })

  it('never leaves out a due request from the bound the query uses', () => {
    const missed: string[] = []
    for (const months of [1, 11, 24, 25]) {
      for (let today = '2026-01-01'; today <= '2028-12-31'; today = addDays(today, 1)) {
        const bound = contactPurgeBound(months, today)
        // The query reads requests closed before the bound: none closed on or after it may be due.
        for (let offset = 0; offset <= 10; offset++) {
          const closedOn = addDays(bound, offset)
          if (contactPurgeDue(closedOn, months, today)) missed.push(`${months} months, ${today}: ${closedOn}`)
        }
      }
    }
    expect(missed).toEqual([])
  })
})
