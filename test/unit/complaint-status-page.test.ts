import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/audit/events.js'
import { clockParagraphs, complaintSummaryRows, complaintTimeline } from '../../src/complaints/status-page.js'
import { complaintClock, type Complaint } from '../../src/domain/complaint.js'
import {
  builtInTemplate,
  fillComplaintPlaceholders,
  placeholdersFor,
  unknownPlaceholders,
} from '../../src/domain/letters.js'

const complaint: Complaint = {
  id: 'c1',
  reference: 'CMP-2026-00007',
  studyId: null,
  requestId: null,
  subject: 'request_handling',
  whatHappened: 'Late answer',
  desiredOutcome: null,
  email: 'a@example.org',
  requesterName: null,
  status: 'open',
  channel: 'portal',
  receivedOn: '2026-07-03',
  acknowledgementDueOn: '2026-08-03',
  acknowledgedOn: '2026-07-05',
  responseTargetOn: '2026-08-02',
  outcome: null,
  outcomeChanges: null,
  closedOn: null,
  assigneeId: null,
  contactRemovedAt: null,
  version: 3,
  createdAt: '2026-07-02T23:30:00.000Z',
  updatedAt: '2026-07-05T09:00:00.000Z',
}

const event = (kind: string, occurredAt: string, data: Record<string, unknown> = {}): StoredEvent => ({
  seq: 1,
  id: kind,
  occurredAt,
  actor: { type: 'system', id: null },
  subject: { type: 'complaint', id: 'c1' },
  kind,
  data,
})

describe('complaintTimeline', () => {
  it('tells the person’s history newest first, in London dates, leaving staff-only events out', () => {
    const entries = complaintTimeline([
      event('complaint.submitted', '2026-07-02T23:30:00.000Z'),
      event('complaint.confirmed', '2026-07-05T09:00:00.000Z', { acknowledgementDueOn: '2026-08-03' }),
      event('complaint.acknowledged', '2026-07-05T09:00:00.001Z'),
      event('complaint.assigned', '2026-07-06T09:00:00.000Z'),
      event('complaint.note_added', '2026-07-06T10:00:00.000Z'),
      event('complaint.person_replied', '2026-07-07T10:00:00.000Z'),
    ])
    expect(entries.map((e) => e.title)).toEqual([
      'You replied',
      'We acknowledged your complaint',
      'Complaint confirmed',
      'Complaint sent',
    ])
    expect(entries.at(-1)?.date).toBe('3 July 2026')
    expect(entries[2]?.description).toBe('We must acknowledge it by 3 August 2026.')
  })
})

describe('complaintSummaryRows', () => {
  it('shows the target as a target while open, and the outcome once closed', () => {
    const open = complaintSummaryRows({ complaint, study: undefined, requestReference: 'DSR-2026-00042' })
    expect(open).toContainEqual({ key: 'Request', value: 'DSR-2026-00042' })
    expect(open).toContainEqual({ key: 'Acknowledged on', value: '5 July 2026' })
    expect(open).toContainEqual({
      key: 'We aim to tell you the outcome by',
      value: '2 August 2026 (our target)',
    })
    const closed = complaintSummaryRows({
      complaint: { ...complaint, status: 'closed', outcome: 'partly_upheld', closedOn: '2026-07-20' },
      study: undefined,
      requestReference: null,
    })
    expect(closed.map((r) => r.key)).not.toContain('We aim to tell you the outcome by')
    expect(closed).toContainEqual({ key: 'Outcome', value: 'Partly upheld' })
    expect(closed).toContainEqual({ key: 'Closed on', value: '20 July 2026' })
  })

  it('gives the acknowledgement’s due date until it is sent', () => {
    const rows = complaintSummaryRows({
      complaint: { ...complaint, acknowledgedOn: null },
      study: undefined,
      requestReference: null,
    })
    expect(rows).toContainEqual({ key: 'We will acknowledge it by', value: '3 August 2026' })
  })
})

describe('clockParagraphs', () => {
  it('explains the 30 days while open, and nothing once closed', () => {
    const clock = complaintClock('2026-07-03')
    expect(clockParagraphs(complaint, clock)[0]).toContain('day 1 is 4 July 2026')
    expect(clockParagraphs({ ...complaint, status: 'closed' }, clock)).toEqual([])
  })
})

describe('the acknowledgement template', () => {
  it('fills every placeholder of the built-in wording', () => {
    const letter = fillComplaintPlaceholders(builtInTemplate('complaint_acknowledgement'), {
      reference: 'CMP-2026-00007',
      subject: 'breach',
      name: null,
      receivedOn: '2026-07-03',
      responseTargetOn: '2026-08-02',
      controllerName: 'Controller',
      dpoEmail: 'dpo@example.org',
    })
    expect(letter).not.toMatch(/\{\w+\}/)
    expect(letter).toContain('CMP-2026-00007')
    expect(letter).toContain('3 July 2026')
    expect(letter).toContain('2 August 2026')
    expect(letter).toContain('a concern that your data was lost')
  })

  it('knows the complaint placeholders, not a request’s', () => {
    expect(placeholdersFor('complaint_acknowledgement')).toContain('target')
    expect(unknownPlaceholders('{reference} {target} {due}', 'complaint_acknowledgement')).toEqual(['due'])
    expect(unknownPlaceholders('{reference} {due}', 'receipt')).toEqual([])
  })
})
