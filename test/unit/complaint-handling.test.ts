import { describe, expect, it } from 'vitest'
import { icoParagraph } from '../../src/domain/complaint.js'
import {
  acknowledgedOnTime,
  complaintOffers,
  daysToOutcome,
  letterProblem,
  outcomeLetter,
  outcomeProblems,
  receivedOnProblem,
  reopenProblem,
} from '../../src/domain/complaint-handling.js'
import { acknowledgementTag, complaintClockText, complaintTimeline } from '../../src/complaints/presenters.js'
import {
  complaintLogRow,
  parseComplaintLogFilters,
  type ComplaintLogSource,
} from '../../src/reports/complaint-log.js'
import { outcomeTimesTally } from '../../src/reports/dashboard.js'

const messages = { empty: 'Enter it', reminder: 'with the facts' }

describe('a letter staff wrote', () => {
  it('must not be empty nor keep a [reminder] of what to write', () => {
    expect(letterProblem('  \n ', 'letter', messages)).toEqual({ field: 'letter', message: 'Enter it' })
    expect(letterProblem('We looked. [Say what we found.]', 'letter', messages)).toEqual({
      field: 'letter',
      message: 'Replace [Say what we found.] with the facts',
    })
    expect(letterProblem('See note [a] below', 'letter', messages)).toBeNull()
    expect(
      letterProblem('We looked and found the reminder was sent in error.', 'letter', messages),
    ).toBeNull()
  })
})

describe('closing with an outcome', () => {
  it('needs an outcome, what will change unless not upheld, and a finished letter, all reported at once', () => {
    expect(outcomeProblems({ outcome: '', changes: '', letter: '' }).map((p) => p.field)).toEqual([
      'outcome',
      'letter',
    ])
    expect(
      outcomeProblems({ outcome: 'upheld', changes: ' ', letter: 'Yes. [Why]' }).map((p) => p.field),
    ).toEqual(['changes', 'letter'])
    expect(outcomeProblems({ outcome: 'partly_upheld', changes: '', letter: 'Partly.' })).toHaveLength(1)
    expect(outcomeProblems({ outcome: 'not_upheld', changes: '', letter: 'No fault found.' })).toEqual([])
    expect(outcomeProblems({ outcome: 'dismissed', changes: 'x', letter: 'x' })[0]?.field).toBe('outcome')
  })

  it('always ends the letter with the ICO paragraph, after the decision, what will change and the sign-off', () => {
    const letter = outcomeLetter({
      letter: '  We looked at the emails sent to you.\n',
      outcome: 'upheld',
      changes: ' Reminders now check the withdrawal list. ',
      name: 'Pat',
      controllerName: 'The Controller',
      dpoEmail: 'dpo@example.org',
    })
    expect(letter).toBe(
      [
        'Dear Pat,',
        'We looked at the emails sent to you.',
        'Our decision: we uphold your complaint.',
        'What will change: Reminders now check the withdrawal list.',
        'The Controller\nData Protection Officer: dpo@example.org',
        icoParagraph,
      ].join('\n\n'),
    )
    const notUpheld = outcomeLetter({
      letter: 'Nothing went wrong.',
      outcome: 'not_upheld',
      changes: 'ignored',
      name: null,
      controllerName: 'C',
      dpoEmail: 'd@example.org',
    })
    expect(
      notUpheld.startsWith('Hello,\n\nNothing went wrong.\n\nOur decision: we do not uphold your complaint.'),
    ).toBe(true)
    expect(notUpheld).not.toContain('What will change')
    expect(notUpheld.endsWith(icoParagraph)).toBe(true)
  })
})

describe('what a complaint offers', () => {
  it('acts on open complaints, writes to closed ones and reopens them, and does nothing before confirmation', () => {
    expect(complaintOffers({ status: 'open', acknowledgedOn: null })).toEqual({
      assign: true,
      acknowledge: true,
      update: true,
      message: true,
      note: true,
      close: true,
      reopen: false,
    })
    expect(complaintOffers({ status: 'open', acknowledgedOn: '2026-03-01' }).acknowledge).toBe(false)
    expect(complaintOffers({ status: 'closed', acknowledgedOn: '2026-03-01' })).toEqual({
      assign: false,
      acknowledge: false,
      update: false,
      message: true,
      note: true,
      close: false,
      reopen: true,
    })
    expect(
      Object.values(complaintOffers({ status: 'unconfirmed', acknowledgedOn: null })).some(Boolean),
    ).toBe(false)
  })

  it('needs a reason to reopen and a date received no later than today', () => {
    expect(reopenProblem(' ')?.field).toBe('reopenReason')
    expect(reopenProblem('New evidence')).toBeNull()
    expect(receivedOnProblem('2026-03-03', '2026-03-02')?.field).toBe('receivedOn')
    expect(receivedOnProblem('2026-03-02', '2026-03-02')).toBeNull()
  })
})

describe('the acknowledgement against its due date', () => {
  const due = { acknowledgementDueOn: '2026-03-12' as string | null, status: 'open' as const }
  it('is on time up to and on the due date, late after it, and late already when open and unsent past it', () => {
    expect(acknowledgedOnTime({ ...due, acknowledgedOn: '2026-03-12' }, '2026-04-01')).toBe(true)
    expect(acknowledgedOnTime({ ...due, acknowledgedOn: '2026-03-13' }, '2026-04-01')).toBe(false)
    expect(acknowledgedOnTime({ ...due, acknowledgedOn: null }, '2026-03-12')).toBeNull()
    expect(acknowledgedOnTime({ ...due, acknowledgedOn: null }, '2026-03-13')).toBe(false)
    expect(acknowledgedOnTime({ ...due, status: 'closed', acknowledgedOn: null }, '2026-03-13')).toBeNull()
    expect(
      acknowledgedOnTime({ ...due, acknowledgementDueOn: null, acknowledgedOn: null }, '2026-03-13'),
    ).toBeNull()
  })

  it('is flagged on the queue as overdue, due soon, or due', () => {
    const open = { acknowledgementDueOn: '2026-03-12', status: 'open' as const, acknowledgedOn: null }
    expect(acknowledgementTag(open, '2026-03-14')).toEqual({
      tag: { text: '2 days overdue', classes: 'govuk-tag--red' },
      text: 'Due 12 March 2026',
    })
    expect(acknowledgementTag(open, '2026-03-12').tag?.text).toBe('Due today')
    expect(acknowledgementTag(open, '2026-03-09').tag?.text).toBe('Due soon: 3 days left')
    expect(acknowledgementTag(open, '2026-02-20')).toEqual({
      tag: null,
      text: 'Due 12 March 2026 (20 days left)',
    })
    expect(acknowledgementTag({ ...open, acknowledgedOn: '2026-03-13' }, '2026-03-20')).toEqual({
      tag: { text: 'Acknowledged late', classes: 'govuk-tag--orange' },
      text: 'Acknowledged 13 March 2026',
    })
  })

  it('explains the clock and calls the response target a target', () => {
    const text = complaintClockText({ receivedOn: '2026-02-20', responseTargetOn: '2026-03-22' })
    expect(text).toContain(
      'Received on 20 February 2026. Counting 30 days from the day after (day 1 is 21 February 2026)',
    )
    expect(text).toContain('moves to the next working day, 23 March 2026')
    expect(text).toContain('by 22 March 2026: that is our own target')
    expect(text).toContain('not a statutory deadline')
    expect(complaintClockText({ receivedOn: null, responseTargetOn: null })).toBeNull()
  })
})

describe('the timeline', () => {
  it('puts each event in words, newest first, naming staff and never quoting free text', () => {
    const event = (
      seq: number,
      kind: string,
      data: Record<string, unknown>,
      actor = { type: 'staff' as const, id: 'u1' },
    ) => ({
      seq,
      id: `e${seq}`,
      occurredAt: `2026-03-0${seq}T10:00:00Z`,
      actor,
      subject: { type: 'complaint', id: 'c1' },
      kind,
      data,
    })
    const entries = complaintTimeline(
      [
        event(1, 'complaint.logged', {
          channel: 'post',
          receivedOn: '2026-02-28',
          acknowledgementDueOn: '2026-03-30',
        }),
        event(2, 'complaint.assigned', { assigneeId: 'u1' }),
        event(3, 'complaint.acknowledged', { acknowledgedOn: '2026-03-03', onTime: true }, {
          type: 'system',
          id: 'x',
        } as never),
        event(4, 'complaint.closed', { outcome: 'partly_upheld', acknowledgedByOutcome: false }),
        event(5, 'complaint.reopened', { previousOutcome: 'partly_upheld', noteId: 'n1' }),
      ],
      new Map([['u1', 'Dana Officer']]),
    )
    expect(entries.map((e) => [e.title, e.actor, e.detail])).toEqual([
      ['Reopened', 'Dana Officer', 'Was closed as partly upheld; the reason is in the internal notes'],
      ['Closed with an outcome; letter sent', 'Dana Officer', 'Partly upheld'],
      ['Acknowledged', 'The portal', '3 March 2026, on time'],
      ['Assigned', 'Dana Officer', 'To Dana Officer'],
      [
        'Complaint logged by staff',
        'Dana Officer',
        'Received by post on 28 February 2026; acknowledgement due by 30 March 2026',
      ],
    ])
    expect(entries[0]?.when).toBe('5 March 2026, 10:00am')
  })
})

describe('the complaints log', () => {
  const source: ComplaintLogSource = {
    id: 'c1',
    reference: 'CMP-2026-00001',
    studySlug: null,
    subject: 'breach',
    channel: 'email',
    status: 'closed',
    receivedOn: '2026-01-10',
    acknowledgementDueOn: '2026-02-09',
    acknowledgedOn: '2026-02-10',
    responseTargetOn: '2026-02-09',
    closedOn: '2026-02-20',
    outcome: 'upheld',
    requestReference: 'DSR-2026-00003',
    requesterName: 'Pat',
    email: 'pat@example.org',
  }

  it('shapes a row with its acknowledgement judged and days to outcome, identities only when asked', () => {
    const row = complaintLogRow(source, '2026-03-01')
    expect(row).toMatchObject({
      acknowledged_on_time: false,
      days_to_outcome: 41,
      outcome: 'upheld',
      request_reference: 'DSR-2026-00003',
    })
    expect(row).not.toHaveProperty('requester_email')
    expect(complaintLogRow(source, '2026-03-01', { includeIdentities: true })).toMatchObject({
      requester_name: 'Pat',
      requester_email: 'pat@example.org',
    })
    // An outcome left on a reopened complaint is not its outcome.
    expect(complaintLogRow({ ...source, status: 'open', closedOn: null }, '2026-03-01')).toMatchObject({
      outcome: null,
      days_to_outcome: null,
    })
  })

  it('checks its filters against what exists, naming the prefixed fields', () => {
    const parsed = parseComplaintLogFilters(
      { from: '2026-01-01', to: '2025-12-31', study: 'x', subject: 'breach', outcome: 'maybe' },
      { studies: ['main'] },
      'complaint-',
    )
    expect(parsed.filters).toEqual({
      receivedFrom: '2026-01-01',
      receivedTo: '2025-12-31',
      subject: 'breach',
    })
    expect(parsed.errors.map((e) => e.href)).toEqual([
      '#complaint-to',
      '#complaint-study',
      '#complaint-outcome',
    ])
  })

  it('tallies days to outcome for the median and the mean', () => {
    const tally = outcomeTimesTally()
    expect(tally.summary()).toEqual({ closed: 0, medianDays: null, meanDays: null })
    tally.add('2026-01-01', '2026-01-11')
    tally.add('2026-01-01', '2026-01-02')
    tally.add('2026-01-01', '2026-01-05')
    tally.add('2026-01-01', '2026-01-31')
    // 1, 4, 10 and 30 days: rank 2 is 4; the mean is 11.25.
    expect(tally.summary()).toEqual({ closed: 4, medianDays: 4, meanDays: 11.3 })
  })

  it('counts days from receipt to the outcome', () => {
    expect(daysToOutcome({ receivedOn: '2026-01-30', closedOn: '2026-03-01' })).toBe(30)
    expect(daysToOutcome({ receivedOn: '2026-01-30', closedOn: null })).toBeNull()
  })
})
