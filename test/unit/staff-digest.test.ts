import { describe, expect, it } from 'vitest'
import {
  buildStaffDigest,
  digestItemsPerSection,
  isDigestTime,
  type DigestComplaintRow,
  type DigestInput,
  type DigestRequestRow,
} from '../../src/domain/staff-digest.js'

const today = '2026-03-10'
const links = {
  request: (id: string) => `https://portal.example/staff/requests/${id}`,
  complaint: (id: string) => `https://portal.example/staff/complaints/${id}`,
}

const request = (id: string, dueOn: string, extra: Partial<DigestRequestRow> = {}): DigestRequestRow => ({
  id,
  reference: `DSR-2026-${id.padStart(5, '0')}`,
  type: 'access',
  dueOn,
  assigneeId: null,
  assigneeName: null,
  ...extra,
})

const complaint = (id: string, acknowledgementDueOn: string): DigestComplaintRow => ({
  id,
  reference: `CMP-2026-${id.padStart(5, '0')}`,
  acknowledgementDueOn,
  assigneeId: null,
  assigneeName: null,
})

const digest = (input: Partial<DigestInput>) =>
  buildStaffDigest({ today, recipientId: 'me', requests: [], complaints: [], links, ...input })

describe('the staff digest', () => {
  it('is nothing when no request is overdue or due soon and no complaint waits', () => {
    expect(digest({ requests: [request('1', '2026-03-18'), request('2', '2026-04-30')] })).toBeNull()
    expect(digest({})).toBeNull()
  })

  it('puts each case in its section, in date order, and leaves out those due later', () => {
    const result = digest({
      requests: [
        request('1', '2026-03-17'),
        request('2', '2026-03-09'),
        request('3', '2026-03-10'),
        request('4', '2026-03-18'),
        request('5', '2026-02-27', { type: 'erasure' }),
      ],
      complaints: [complaint('7', '2026-04-01'), complaint('6', '2026-03-09')],
    })
    expect(result?.sections.map((s) => [s.key, s.items.map((i) => i.reference)])).toEqual([
      ['overdue', ['DSR-2026-00005', 'DSR-2026-00002']],
      ['due_soon', ['DSR-2026-00003', 'DSR-2026-00001']],
      ['acknowledgement', ['CMP-2026-00006', 'CMP-2026-00007']],
    ])
    expect(result?.summary).toBe('2 overdue, 2 due within 7 days, 2 complaints to acknowledge')
    expect(result?.subject).toBe(`Daily summary for 10 March 2026: ${result?.summary}`)
  })

  it('says the type, the due date and the days left or late, and links to the case', () => {
    const result = digest({
      requests: [
        request('5', '2026-03-09', { type: 'erasure' }),
        request('3', '2026-03-10'),
        request('1', '2026-03-11'),
      ],
      complaints: [complaint('6', '2026-03-08')],
    })
    const [overdue, soon, acknowledgement] = result?.sections ?? []
    expect(overdue?.items[0]).toEqual({
      reference: 'DSR-2026-00005',
      what: 'Erasure request',
      due: 'Due 9 March 2026 (1 day overdue)',
      assigned: 'Not assigned',
      url: 'https://portal.example/staff/requests/5',
    })
    expect(soon?.items.map((i) => i.due)).toEqual([
      'Due 10 March 2026 (today)',
      'Due 11 March 2026 (1 day left)',
    ])
    expect(acknowledgement?.items[0]).toMatchObject({
      what: 'Complaint',
      due: 'Acknowledge by 8 March 2026 (2 days overdue)',
      url: 'https://portal.example/staff/complaints/6',
    })
    expect(result?.summary).toBe('1 overdue, 2 due within 7 days, 1 complaint to acknowledge')
  })

  it('says who each case is assigned to, from the reader’s point of view', () => {
    const result = digest({
      requests: [
        request('1', '2026-03-11', { assigneeId: 'me', assigneeName: 'Me Myself' }),
        request('2', '2026-03-12', { assigneeId: 'sam', assigneeName: 'Sam Jones' }),
        request('3', '2026-03-13'),
      ],
    })
    expect(result?.sections[0]?.items.map((i) => i.assigned)).toEqual([
      'Assigned to you',
      'Assigned to Sam Jones',
      'Not assigned',
    ])
  })

  it('lists a long section in part and counts the rest', () => {
    const many = Array.from({ length: digestItemsPerSection + 3 }, (_, n) =>
      request(String(n + 1), '2026-03-01'),
    )
    const [overdue] = digest({ requests: many })?.sections ?? []
    expect(overdue?.items).toHaveLength(digestItemsPerSection)
    expect(overdue?.more).toBe(3)
  })

  it('goes out from 7am UK time, in summer and winter', () => {
    expect(isDigestTime(new Date('2026-03-10T06:59:00Z'))).toBe(false)
    expect(isDigestTime(new Date('2026-03-10T07:00:00Z'))).toBe(true)
    // British Summer Time: 6:30 UTC is 7:30 in London.
    expect(isDigestTime(new Date('2026-07-10T06:30:00Z'))).toBe(true)
    expect(isDigestTime(new Date('2026-07-10T05:30:00Z'))).toBe(false)
    expect(isDigestTime(new Date('2026-03-10T23:30:00Z'))).toBe(true)
  })
})
