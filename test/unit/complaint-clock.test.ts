import { describe, expect, it } from 'vitest'
import { acknowledgementState, complaintClock } from '../../src/domain/complaint.js'

describe('the complaint clock (DPA 2018 s.164A)', () => {
  it('counts 30 days from the day after receipt', () => {
    // Received Monday 2 March 2026: day 1 is 3 March, day 30 is Wednesday 1 April.
    const clock = complaintClock('2026-03-02')
    expect(clock.acknowledgementDueOn).toBe('2026-04-01')
    expect(clock.explanation).toBe(
      'Received on 2 March 2026. Counting 30 days from the day after (day 1 is 3 March 2026), the acknowledgement is due by 1 April 2026.',
    )
  })

  it('moves a last day on a weekend to the next working day, and says so', () => {
    // Received Thursday 5 March 2026: day 30 is Saturday 4 April, so Monday 6 April…
    // …except that Easter Monday 2026 is 6 April, a bank holiday: Tuesday 7 April.
    const clock = complaintClock('2026-03-05')
    expect(clock.acknowledgementDueOn).toBe('2026-04-07')
    expect(clock.explanation).toContain('the acknowledgement is due by 4 April 2026.')
    expect(clock.explanation).toContain(
      'not a working day, so it moves to the next working day, 7 April 2026.',
    )
  })

  it('moves a last day on a bank holiday alone', () => {
    // Received Wednesday 26 November 2025: day 30 is Friday 26 December, Boxing Day; the next
    // working day is Monday 29 December.
    expect(complaintClock('2025-11-26').acknowledgementDueOn).toBe('2025-12-29')
  })

  it('works on London dates across the clocks changing', () => {
    // Received Sunday 1 March 2026 (GMT); day 30 is Tuesday 31 March (BST): no shift.
    expect(complaintClock('2026-03-01').acknowledgementDueOn).toBe('2026-03-31')
  })

  it('sets the response target the organisation chose, as calendar days from receipt', () => {
    expect(complaintClock('2026-03-02').responseTargetOn).toBe('2026-04-01')
    expect(complaintClock('2026-03-02', 14).responseTargetOn).toBe('2026-03-16')
  })

  it('moves the response target off a day that is not a working day, as the acknowledgement', () => {
    // 30 days after 20 February 2026 is Sunday 22 March: both move to Monday 23 March.
    expect(complaintClock('2026-02-20')).toMatchObject({
      acknowledgementDueOn: '2026-03-23',
      responseTargetOn: '2026-03-23',
    })
    // 45 days after 3 July 2026 is Monday 17 August: a working day, kept.
    expect(complaintClock('2026-07-03', 45).responseTargetOn).toBe('2026-08-17')
    // A target shorter than the acknowledgement's 30 days stays short: answered that soon, the
    // acknowledgement comes sooner too.
    expect(complaintClock('2026-03-02', 14).responseTargetOn).toBe('2026-03-16')
  })

  it('says whether the acknowledgement is due, overdue or went on time', () => {
    const clock = complaintClock('2026-03-02')
    expect(acknowledgementState(clock, null, '2026-03-30')).toEqual({
      state: 'due',
      dueOn: '2026-04-01',
      daysLeft: 2,
    })
    expect(acknowledgementState(clock, null, '2026-04-01')).toEqual({
      state: 'due',
      dueOn: '2026-04-01',
      daysLeft: 0,
    })
    expect(acknowledgementState(clock, null, '2026-04-03')).toEqual({
      state: 'overdue',
      dueOn: '2026-04-01',
      daysLate: 2,
    })
    expect(acknowledgementState(clock, '2026-04-01', '2026-05-01')).toEqual({
      state: 'acknowledged',
      on: '2026-04-01',
      onTime: true,
    })
    expect(acknowledgementState(clock, '2026-04-02', '2026-05-01')).toMatchObject({ onTime: false })
  })
})
