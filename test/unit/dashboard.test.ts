import { describe, expect, it } from 'vitest'
import { londonDate } from '../../src/domain/clock.js'
import { horizontalBarChart, verticalBarChart } from '../../src/reports/charts.js'
import {
  answeredTally,
  daysLeftBand,
  fillMonths,
  histogramOf,
  monthLabel,
  nearestRank,
  openTally,
  percentage,
} from '../../src/reports/dashboard.js'
import type { RequestLogRow } from '../../src/reports/request-log.js'

describe('nearest-rank percentiles', () => {
  it('are always one of the values: the smallest with at least p% at or below it', () => {
    const tenDays = histogramOf([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(nearestRank(tenDays, 50)).toBe(5)
    expect(nearestRank(tenDays, 90)).toBe(9)
    expect(nearestRank(tenDays, 91)).toBe(10)
    expect(nearestRank(tenDays, 100)).toBe(10)
    // Of four, the median is the second (rank ⌈2⌉), not the mean of the middle two.
    expect(nearestRank(histogramOf([4, 1, 3, 2]), 50)).toBe(2)
    expect(nearestRank(histogramOf([4, 1, 3, 2]), 90)).toBe(4)
    expect(nearestRank(histogramOf([7]), 90)).toBe(7)
  })

  it('count repeated values', () => {
    const days = histogramOf([2, 2, 2, 2, 30])
    expect(nearestRank(days, 50)).toBe(2)
    expect(nearestRank(days, 80)).toBe(2)
    expect(nearestRank(days, 90)).toBe(30)
  })

  it('have nothing to say of nothing, and refuse a meaningless p', () => {
    expect(nearestRank(new Map(), 50)).toBeNull()
    expect(() => nearestRank(histogramOf([1]), 0)).toThrow(RangeError)
    expect(() => nearestRank(histogramOf([1]), 101)).toThrow(RangeError)
  })
})

type Answer = Pick<RequestLogRow, 'status' | 'days_taken' | 'on_time'>

describe('answered requests', () => {
  it('give the on-time rate, median and 90th percentile of days to answer', () => {
    const rows: Answer[] = [
      { status: 'completed', days_taken: 15, on_time: true },
      { status: 'refused', days_taken: 2, on_time: true },
      { status: 'completed', days_taken: 49, on_time: true },
      { status: 'completed', days_taken: 31, on_time: false },
      { status: 'refused', days_taken: 2, on_time: true },
      // Not answered: ignored.
      { status: 'withdrawn', days_taken: null, on_time: null },
      { status: 'received', days_taken: null, on_time: false },
    ]
    const tally = answeredTally()
    rows.forEach((row) => tally.add(row))
    // Days sorted: 2, 2, 15, 31, 49. Median rank ⌈2.5⌉ = 3 → 15; 90th rank ⌈4.5⌉ = 5 → 49.
    expect(tally.summary()).toEqual({
      answered: 5,
      judged: 5,
      onTime: 4,
      late: 1,
      onTimeRate: 0.8,
      medianDays: 15,
      p90Days: 49,
    })
  })

  it('with none answered, say so rather than 0%', () => {
    expect(answeredTally().summary()).toMatchObject({ answered: 0, onTimeRate: null, medianDays: null })
    expect(percentage(null)).toBe('–')
    expect(percentage(0.8)).toBe('80%')
    expect(percentage(0.875)).toBe('88%')
  })
})

describe('open requests by days left', () => {
  const today = '2026-04-02'

  it('band by whole days to the statutory deadline', () => {
    expect(daysLeftBand('2026-04-01', today)).toBe('overdue')
    expect(daysLeftBand('2026-04-02', today)).toBe('0-7')
    expect(daysLeftBand('2026-04-09', today)).toBe('0-7')
    expect(daysLeftBand('2026-04-10', today)).toBe('8-14')
    expect(daysLeftBand('2026-04-16', today)).toBe('8-14')
    expect(daysLeftBand('2026-04-17', today)).toBe('15-30')
    expect(daysLeftBand('2026-05-02', today)).toBe('15-30')
    expect(daysLeftBand('2026-05-03', today)).toBe('31+')
    expect(daysLeftBand(null, today)).toBe('stopped')
  })

  it('use the extended deadline where there is one, and list every band even when empty', () => {
    const tally = openTally(today)
    tally.add({ due: '2026-03-20', extended_due: null })
    tally.add({ due: '2026-03-20', extended_due: '2026-06-16' })
    tally.add({ due: null, extended_due: null })
    expect(tally.bands().map((b) => [b.key, b.count])).toEqual([
      ['overdue', 1],
      ['0-7', 0],
      ['8-14', 0],
      ['15-30', 0],
      ['31+', 1],
      ['stopped', 1],
    ])
  })
})

describe('requests by month', () => {
  it('are bucketed by the London date: 23:30 UTC on 31 March 2026 is already April', () => {
    expect(londonDate(new Date('2026-03-31T23:30:00Z')).slice(0, 7)).toBe('2026-04')
    expect(londonDate(new Date('2026-01-31T23:30:00Z')).slice(0, 7)).toBe('2026-01')
  })

  it('show the empty months in between, across a year end', () => {
    expect(
      fillMonths([
        { month: '2026-02', count: 1 },
        { month: '2025-11', count: 2 },
      ]),
    ).toEqual([
      { month: '2025-11', count: 2 },
      { month: '2025-12', count: 0 },
      { month: '2026-01', count: 0 },
      { month: '2026-02', count: 1 },
    ])
    expect(fillMonths([])).toEqual([])
    expect(monthLabel('2026-03')).toEqual({ long: 'March 2026', short: 'Mar', year: '2026' })
  })
})

describe('bar charts', () => {
  it('scale bars to the largest value, and put every value beside its bar', () => {
    const chart = horizontalBarChart([
      { label: 'Access', value: 6 },
      { label: 'Erasure', value: 3 },
      { label: 'Portability', value: 0 },
    ])
    const [access, erasure, portability] = chart.bars
    expect(access?.width).toBe(640 - 200 - 64)
    expect(erasure?.width).toBe(Math.round((640 - 200 - 64) / 2))
    expect(portability?.width).toBe(0)
    expect(erasure?.valueX).toBe(200 + (erasure?.width ?? 0) + 8)
    expect(chart.height).toBe(12 + 3 * 40)
  })

  it('draw nothing but the axis when every value is zero', () => {
    const chart = verticalBarChart([
      { label: 'Jan', sublabel: '2026', value: 0 },
      { label: 'Feb', sublabel: '2026', value: 0 },
    ])
    expect(chart.bars.map((b) => b.height)).toEqual([0, 0])
    expect(chart.width).toBe(320)
    expect(chart.bars.every((b) => Number.isFinite(b.y))).toBe(true)
  })

  it('grow columns up from the baseline', () => {
    const chart = verticalBarChart([
      { label: 'Jan', value: 4 },
      { label: 'Feb', value: 1 },
    ])
    const [jan, feb] = chart.bars
    expect(jan?.height).toBe(200)
    expect(feb?.height).toBe(50)
    expect((jan?.y ?? 0) + (jan?.height ?? 0)).toBe(chart.axis.y1)
    expect(feb?.valueY).toBeLessThan(feb?.y ?? 0)
  })
})
