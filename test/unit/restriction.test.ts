import { describe, expect, it } from 'vitest'
import { liftableFrom, liftProblem } from '../../src/domain/restriction.js'

describe('lifting a restriction after notice (Art. 18(3))', () => {
  const base = { today: '2026-12-01', noticeDays: 7, personAgreed: false }

  it('needs the notice first, even if the person agreed', () => {
    expect(liftProblem({ ...base, noticeOn: null })?.message).toContain('Send the person the notice first')
    expect(liftProblem({ ...base, noticeOn: null, personAgreed: true })).not.toBeNull()
  })

  it('waits the notice period from the day the notice went', () => {
    expect(liftableFrom('2026-11-25', 7)).toBe('2026-12-02')
    expect(liftProblem({ ...base, noticeOn: '2026-11-25' })?.message).toBe(
      'The notice went on 25 November 2026: the restriction can be lifted from 2 December 2026, or sooner if the person agrees',
    )
    expect(liftProblem({ ...base, noticeOn: '2026-11-24' })).toBeNull()
    expect(liftProblem({ ...base, today: '2026-12-02', noticeOn: '2026-11-25' })).toBeNull()
  })

  it('lets the person’s agreement lift it sooner, and a zero-day period lift it the same day', () => {
    expect(liftProblem({ ...base, noticeOn: '2026-12-01', personAgreed: true })).toBeNull()
    expect(liftProblem({ ...base, noticeOn: '2026-12-01', noticeDays: 0 })).toBeNull()
  })
})
