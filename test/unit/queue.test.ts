import { describe, expect, it } from 'vitest'
import {
  defaultQueueSort,
  describeDaysLeft,
  cappedCount,
  describeCount,
  describePosition,
  queueCountCap,
  parseQueueSort,
  queueFlags,
  queueSortsFor,
  referenceSearchOf,
  sortParts,
  urgency,
} from '../../src/domain/queue.js'

describe('days left', () => {
  it('counts down to the deadline, then up past it', () => {
    expect(describeDaysLeft(3)).toBe('3 days left')
    expect(describeDaysLeft(1)).toBe('1 day left')
    expect(describeDaysLeft(0)).toBe('Due today')
    expect(describeDaysLeft(-1)).toBe('1 day overdue')
    expect(describeDaysLeft(-2)).toBe('2 days overdue')
  })

  it('is due soon from 7 days left, overdue the day after the deadline', () => {
    expect(urgency('2026-03-10', '2026-03-02')).toEqual({ daysLeft: 8, urgency: 'on_track' })
    expect(urgency('2026-03-10', '2026-03-03')).toEqual({ daysLeft: 7, urgency: 'due_soon' })
    expect(urgency('2026-03-10', '2026-03-10')).toEqual({ daysLeft: 0, urgency: 'due_soon' })
    expect(urgency('2026-03-10', '2026-03-11')).toEqual({ daysLeft: -1, urgency: 'overdue' })
  })
})

describe('queue sorts', () => {
  it('defaults to the nearest deadline on the Open tab and the newest elsewhere', () => {
    expect(defaultQueueSort('open')).toBe('due-asc')
    expect(defaultQueueSort('closed')).toBe('received-desc')
    expect(defaultQueueSort('unconfirmed')).toBe('received-desc')
  })

  it('takes a sort the tab offers, and falls back to the default for anything else', () => {
    expect(parseQueueSort('reference-desc', 'open')).toBe('reference-desc')
    expect(parseQueueSort('due-desc', 'open')).toBe('due-desc')
    expect(parseQueueSort('due-asc', 'closed')).toBe('received-desc')
    expect(parseQueueSort('reference-asc', 'unconfirmed')).toBe('received-desc')
    expect(parseQueueSort('received-asc', 'unconfirmed')).toBe('received-asc')
    expect(parseQueueSort('', 'open')).toBe('due-asc')
    expect(parseQueueSort(['due-asc'], 'open')).toBe('due-asc')
    expect(parseQueueSort('id; drop table', 'open')).toBe('due-asc')
  })

  it('offers a deadline sort only while requests are open, a reference only once there is one', () => {
    expect(queueSortsFor('open')).toContain('due-desc')
    expect(queueSortsFor('closed')).not.toContain('due-asc')
    expect(queueSortsFor('closed')).toContain('reference-asc')
    expect(queueSortsFor('unconfirmed')).toEqual(['received-desc', 'received-asc'])
  })

  it('splits a sort into its key and direction', () => {
    expect(sortParts('received-asc')).toEqual({ key: 'received', direction: 'asc' })
    expect(sortParts('reference-desc')).toEqual({ key: 'reference', direction: 'desc' })
  })
})

describe('reference searches', () => {
  it('looks up a whole reference exactly, in any capitals', () => {
    expect(referenceSearchOf(' dsr-2026-00004 ')).toEqual({ exact: 'DSR-2026-00004' })
  })

  it('looks for a part of a reference anywhere in it', () => {
    expect(referenceSearchOf('00004')).toEqual({ part: '00004' })
    expect(referenceSearchOf('2026-0004')).toEqual({ part: '2026-0004' })
    expect(referenceSearchOf('dsr-2026')).toEqual({ part: 'DSR-2026' })
    expect(referenceSearchOf('DSR-2026-0004')).toEqual({ part: 'DSR-2026-0004' })
  })

  it('is not one for names, addresses, wildcards or a single character', () => {
    for (const typed of ['jane', 'jane@example.org', '%', '0_4', '4', 'DSR-2026-%', 'SAR-1']) {
      expect(referenceSearchOf(typed), typed).toBeUndefined()
    }
  })
})

describe('the position of a page', () => {
  const exactly = (n: number) => ({ n, more: false })

  it('says which rows of the tab are shown', () => {
    expect(describePosition(0, 25, exactly(312))).toBe('Showing 1 to 25 of 312')
    expect(describePosition(25, 25, exactly(312))).toBe('Showing 26 to 50 of 312')
    expect(describePosition(300, 12, exactly(312))).toBe('Showing 301 to 312 of 312')
    expect(describePosition(0, 0, exactly(0))).toBe('Showing 0 of 0')
  })

  it('never claims more rows than the tab holds', () => {
    expect(describePosition(310, 5, exactly(312))).toBe('Showing 311 to 312 of 312')
  })

  it('writes large numbers with thousands separators', () => {
    expect(describePosition(950_000, 50, exactly(951_306))).toBe('Showing 950,001 to 950,050 of 951,306')
  })

  it('says "more than" a count that stopped at the cap, even for a page beyond it', () => {
    expect(describePosition(0, 50, cappedCount(1001))).toBe('Showing 1 to 50 of more than 1,000')
    expect(describePosition(2000, 50, cappedCount(1001))).toBe('Showing 2,001 to 2,050 of more than 1,000')
  })
})

describe('capped counts', () => {
  it('are exact up to the cap and "more than" the cap past it', () => {
    expect(cappedCount(0)).toEqual({ n: 0, more: false })
    expect(cappedCount(queueCountCap)).toEqual({ n: 1000, more: false })
    expect(cappedCount(queueCountCap + 1)).toEqual({ n: 1000, more: true })
    expect(describeCount(cappedCount(999))).toBe('999')
    expect(describeCount(cappedCount(5000))).toBe('more than 1,000')
    expect(describeCount({ n: 48_694, more: false })).toBe('48,694')
  })
})

describe('queue flags', () => {
  it('names the replies waiting, with their count, before the clock’s state', () => {
    expect(queueFlags({ unreadReplies: 2, paused: true, extended: true, restricted: true })).toEqual([
      'Replied (2)',
      'Clock paused',
      'Extended',
      'Restricted',
    ])
    expect(queueFlags({ unreadReplies: 0, paused: false, extended: false, restricted: false })).toEqual([])
  })
})
