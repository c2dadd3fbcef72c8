import { describe, expect, it } from 'vitest'
import { parseDateParts, parseDateRange } from '../../src/domain/date-parts.js'

const parts = (day: string, month: string, year: string) => ({ day, month, year })

describe('a date typed into day, month and year boxes', () => {
  it('is a date when all three make one', () => {
    expect(parseDateParts(parts('1', '3', '2026'), 'Received from')).toEqual({
      kind: 'date',
      date: '2026-03-01',
    })
    expect(parseDateParts(parts('29', '02', '2028'), 'Received from')).toEqual({
      kind: 'date',
      date: '2028-02-29',
    })
  })

  it('is nothing when all three are empty', () => {
    expect(parseDateParts(parts('', '', ''), 'Received from')).toEqual({ kind: 'empty' })
  })

  it('says which boxes are missing', () => {
    expect(parseDateParts(parts('1', '', '2026'), 'Received from')).toEqual({
      kind: 'error',
      text: 'Received from must include a month',
      items: ['month'],
    })
    expect(parseDateParts(parts('', '', '2026'), 'Received to')).toEqual({
      kind: 'error',
      text: 'Received to must include a day and month',
      items: ['day', 'month'],
    })
  })

  it('refuses dates that do not exist, words and short years', () => {
    expect(parseDateParts(parts('30', '2', '2026'), 'Received from')).toMatchObject({
      kind: 'error',
      text: 'Received from must be a real date, like 27 3 2026',
    })
    expect(parseDateParts(parts('1', '13', '2026'), 'Received from')).toMatchObject({ kind: 'error' })
    expect(parseDateParts(parts('001', '1', '2026'), 'Received from')).toMatchObject({ kind: 'error' })
    expect(parseDateParts(parts('first', '1', '2026'), 'Received from')).toEqual({
      kind: 'error',
      text: 'Received from must be a real date, like 27 3 2026',
      items: ['day'],
    })
    expect(parseDateParts(parts('1', '1', '26'), 'Received from')).toEqual({
      kind: 'error',
      text: 'Year must include 4 numbers',
      items: ['year'],
    })
  })
})

describe('a from–to range of dates', () => {
  it('reads both from the query, trimmed, and keeps what was typed', () => {
    const range = parseDateRange({
      'from-day': ' 1 ',
      'from-month': '2',
      'from-year': '2026',
      'to-day': ['x'],
    })
    expect(range.range).toEqual({ from: '2026-02-01' })
    expect(range.values).toEqual({ from: parts('1', '2', '2026'), to: parts('', '', '') })
    expect(range.errors).toEqual([])
  })

  it('links each error to the first wrong box, and refuses a range that ends before it starts', () => {
    const wrong = parseDateRange({ 'from-day': '1', 'from-year': '2026' })
    expect(wrong.errors).toEqual([
      { field: 'from', href: '#from-month', text: 'Received from must include a month' },
    ])
    expect(wrong.errorItems).toEqual({ from: ['month'] })
    const backwards = parseDateRange({
      'from-day': '3',
      'from-month': '2',
      'from-year': '2026',
      'to-day': '1',
      'to-month': '2',
      'to-year': '2026',
    })
    expect(backwards.errors).toEqual([
      { field: 'to', href: '#to-day', text: 'Received to must be the same as or after received from' },
    ])
  })
})
