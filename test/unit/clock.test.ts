import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import {
  startOfLondonDay,
  addCalendarMonths,
  addDays,
  bankHolidays,
  daysBetween,
  extensionNoticeLimit,
  formatLongDate,
  isBankHoliday,
  isIsoDate,
  isWorkingDay,
  londonDate,
  nextWorkingDayOnOrAfter,
  pausedDaysBetween,
  relevantTime,
  responseDeadline,
  rulesRegime,
} from '../../src/domain/clock.js'

const due = (start: string, options: { extended?: boolean; pausedDays?: number } = {}) =>
  responseDeadline({ start, ...options }).due

describe('the ICO worked examples', () => {
  it('3 September → 3 October', () => expect(due('2025-09-03')).toBe('2025-10-03'))
  it('Monday 25 November 2024 → Friday 27 December 2024 (Christmas and Boxing Day)', () =>
    expect(due('2024-11-25')).toBe('2024-12-27'))
  it('31 March → 30 April', () => expect(due('2025-03-31')).toBe('2025-04-30'))
  it('31 January → 28 February', () => expect(due('2025-01-31')).toBe('2025-02-28'))
  it('31 January → 29 February in a leap year', () => expect(due('2024-01-31')).toBe('2024-02-29'))
  it('31 January → the next working day when the month end is a weekend', () =>
    // 28 February 2027 is a Sunday.
    expect(due('2027-01-31')).toBe('2027-03-01'))
})

describe('month arithmetic', () => {
  it.each([
    ['2025-01-15', 1, '2025-02-15'],
    ['2025-01-29', 1, '2025-02-28'],
    ['2024-01-29', 1, '2024-02-29'],
    ['2024-01-30', 1, '2024-02-29'],
    ['2025-05-31', 1, '2025-06-30'],
    ['2025-12-31', 1, '2026-01-31'],
    ['2025-11-30', 3, '2026-02-28'],
    ['2023-11-30', 3, '2024-02-29'],
    ['2025-08-31', 6, '2026-02-28'],
    ['2021-08-31', 18, '2023-02-28'],
  ])('%s + %i months = %s', (start, months, expected) => {
    expect(addCalendarMonths(start, months)).toBe(expected)
  })

  it('adds days and counts them across months and years', () => {
    expect(addDays('2024-02-28', 2)).toBe('2024-03-01')
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01')
    expect(daysBetween('2026-03-29', '2026-03-30')).toBe(1) // across the clocks going forward
    expect(daysBetween('2026-02-10', '2026-02-03')).toBe(-7)
  })
})

describe('weekends and bank holidays', () => {
  it('moves a Saturday deadline to Monday', () => expect(due('2025-09-06')).toBe('2025-10-06'))
  it('moves a Sunday deadline to Monday', () => expect(due('2025-10-05')).toBe('2025-11-05'))
  it('keeps a weekday deadline', () => expect(due('2025-09-08')).toBe('2025-10-08'))
  it('counts a request received on a Sunday from that day', () =>
    expect(due('2025-11-30')).toBe('2025-12-30'))
  it('rolls over both substitute Christmas days of 2021 (27 and 28 December)', () => {
    expect(due('2021-11-27')).toBe('2021-12-29')
    expect(isBankHoliday('2021-12-27')).toBe(true)
    expect(isBankHoliday('2021-12-28')).toBe(true)
  })
  it('rolls over the 2022 substitute Christmas day (27 December)', () =>
    expect(due('2022-11-27')).toBe('2022-12-28'))
  it('rolls over Good Friday and Easter Monday', () => {
    expect(due('2026-03-03')).toBe('2026-04-07') // 3 April Good Friday → weekend → 6 April Easter Monday → 7th
    expect(due('2024-02-29')).toBe('2024-04-02') // 29 March 2024 Good Friday, 1 April Easter Monday
  })
  it('rolls over the Platinum Jubilee holidays (2 and 3 June 2022)', () => {
    expect(due('2022-05-02')).toBe('2022-06-06')
    expect(due('2022-05-03')).toBe('2022-06-06')
  })
  it('rolls over the State Funeral of Queen Elizabeth II (19 September 2022)', () =>
    expect(due('2022-08-19')).toBe('2022-09-20'))
  it('rolls over the coronation of King Charles III (8 May 2023)', () =>
    expect(due('2023-04-08')).toBe('2023-05-09'))
  it('rolls over the VE Day early May holiday of 2020 (Friday 8 May)', () =>
    expect(due('2020-04-08')).toBe('2020-05-11'))
  it('does not count Scottish-only holidays (2 January, St Andrew’s Day)', () => {
    expect(isWorkingDay('2025-01-02')).toBe(true)
    expect(isWorkingDay('2025-12-01')).toBe(true)
  })
  it('lists weekday holidays only, never the weekend day a substitute replaces', () => {
    for (const date of bankHolidays(2021)) expect(isWorkingDay(date)).toBe(false)
    expect(bankHolidays(2021).has('2021-12-25')).toBe(false)
  })
  it('finds the next working day', () => {
    expect(nextWorkingDayOnOrAfter('2021-12-24')).toBe('2021-12-24')
    expect(nextWorkingDayOnOrAfter('2021-12-25')).toBe('2021-12-29')
  })
})

describe('agreement with the official list', () => {
  const official = JSON.parse(
    readFileSync(new URL('../fixtures/bank-holidays-england-and-wales.json', import.meta.url), 'utf8'),
  ) as { retrieved: string; events: { date: string }[] }
  const officialDates = new Set(official.events.map((e) => e.date))

  it('agrees on every weekday from 2019 to 2027, both ways', () => {
    const disagreements: string[] = []
    for (let date = '2019-01-01'; date <= '2027-12-31'; date = addDays(date, 1)) {
      const day = new Date(`${date}T00:00:00Z`).getUTCDay()
      if (day === 0 || day === 6) continue
      if (isBankHoliday(date) !== officialDates.has(date)) disagreements.push(date)
    }
    expect(disagreements).toEqual([])
    expect(officialDates.size).toBe(75)
  })
})

describe('London dates', () => {
  it('takes a summer late-evening UTC instant as the next London day', () => {
    expect(londonDate(new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01')
    expect(londonDate(new Date('2026-06-30T22:59:59Z'))).toBe('2026-06-30')
  })
  it('takes a winter late-evening UTC instant as the same day', () => {
    expect(londonDate(new Date('2026-01-31T23:30:00Z'))).toBe('2026-01-31')
    expect(londonDate(new Date('2026-02-01T00:00:00Z'))).toBe('2026-02-01')
  })
  it('handles the nights the clocks change', () => {
    expect(londonDate(new Date('2026-03-29T00:30:00Z'))).toBe('2026-03-29')
    expect(londonDate(new Date('2026-10-24T23:30:00Z'))).toBe('2026-10-25')
    expect(londonDate(new Date('2026-10-25T23:30:00Z'))).toBe('2026-10-25')
  })
})

describe('extension', () => {
  it('runs three months from the same start, not from the one-month date', () => {
    expect(due('2025-01-31', { extended: true })).toBe('2025-04-30')
    expect(addCalendarMonths(addCalendarMonths('2025-01-31', 1), 2)).toBe('2025-04-28')
  })
  it('applies the working-day rule to the extended date', () => {
    // 3 months from 3 September 2022 is 3 December 2022, a Saturday.
    expect(due('2022-09-03', { extended: true })).toBe('2022-12-05')
    // Christmas 2024: 25 and 26 December are bank holidays.
    expect(due('2024-09-25', { extended: true })).toBe('2024-12-27')
  })
  it('must be notified by the unmoved one-month date', () => {
    expect(extensionNoticeLimit('2025-09-06')).toBe('2025-10-06')
    expect(extensionNoticeLimit('2024-11-25')).toBe('2024-12-25')
    expect(extensionNoticeLimit('2025-01-31')).toBe('2025-02-28')
  })
})

describe('clarification pauses', () => {
  it('counts both the day asked and the day answered', () => {
    expect(pausedDaysBetween('2025-09-10', '2025-09-10')).toBe(1)
    expect(pausedDaysBetween('2025-09-10', '2025-09-14')).toBe(5)
  })
  it('moves the deadline by the paused days, then applies the working-day rule again', () => {
    expect(due('2025-09-03', { pausedDays: 5 })).toBe('2025-10-08')
    // 3 October + 1 = Saturday 4 October → Monday 6 October.
    expect(due('2025-09-03', { pausedDays: 1 })).toBe('2025-10-06')
    expect(due('2025-01-31', { extended: true, pausedDays: 3 })).toBe('2025-05-06') // 3 May Sat, 5 May bank holiday
  })
})

describe('the relevant time and the rules in force', () => {
  it('is the latest of receipt, identity and fee', () => {
    expect(relevantTime({ receivedOn: '2026-03-02' })).toBe('2026-03-02')
    expect(
      relevantTime({ receivedOn: '2026-03-02', identityConfirmedOn: '2026-03-05', feePaidOn: null }),
    ).toBe('2026-03-05')
    expect(
      relevantTime({ receivedOn: '2026-03-02', identityConfirmedOn: '2026-03-05', feePaidOn: '2026-03-09' }),
    ).toBe('2026-03-09')
  })
  it('names Art. 12(3) before 5 February 2026 and Art. 12A from that day', () => {
    expect(rulesRegime('2026-02-04')).toBe('art12(3)')
    expect(rulesRegime('2026-02-05')).toBe('art12A')
    expect(responseDeadline({ start: '2026-02-05' }).explanation).toContain('Art. 12A')
  })
  it('explains a rolled-forward deadline in words', () => {
    expect(responseDeadline({ start: '2024-11-25' }).explanation).toBe(
      'One calendar month from 25 November 2024 (Art. 12(3) UK GDPR): 25 December 2024, which is a bank holiday, so the next working day, 27 December 2024.',
    )
    expect(responseDeadline({ start: '2025-09-06' })).toMatchObject({
      calendarDate: '2025-10-06',
      rolledForward: false,
    })
  })
})

describe('dates', () => {
  it.each(['2024-02-29', '2026-12-31', '2000-02-29'])('accepts %s', (date) =>
    expect(isIsoDate(date)).toBe(true),
  )
  it.each(['2023-02-29', '2026-13-01', '2026-04-31', '26-01-01', '2026-1-1', '1900-02-29', ''])(
    'rejects %j',
    (date) => expect(isIsoDate(date)).toBe(false),
  )
  it('formats long dates the GOV.UK way', () => expect(formatLongDate('2026-04-02')).toBe('2 April 2026'))
  it('refuses to compute from a bad date', () => expect(() => due('2026-02-30')).toThrow(RangeError))
})

describe('startOfLondonDay', () => {
  it('is midnight UTC in winter and 23:00 UTC the day before in summer', () => {
    expect(startOfLondonDay('2026-01-15').toISOString()).toBe('2026-01-15T00:00:00.000Z')
    expect(startOfLondonDay('2026-07-15').toISOString()).toBe('2026-07-14T23:00:00.000Z')
  })

  it('follows the clock changes', () => {
    // Clocks go forward at 01:00 GMT on 29 March 2026 and back at 01:00 UTC on 25 October 2026.
    expect(startOfLondonDay('2026-03-29').toISOString()).toBe('2026-03-29T00:00:00.000Z')
    expect(startOfLondonDay('2026-03-30').toISOString()).toBe('2026-03-29T23:00:00.000Z')
    expect(startOfLondonDay('2026-10-25').toISOString()).toBe('2026-10-24T23:00:00.000Z')
    expect(startOfLondonDay('2026-10-26').toISOString()).toBe('2026-10-26T00:00:00.000Z')
  })
})
