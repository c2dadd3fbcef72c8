import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/audit/events.js'
import { staffEventTitles, staffTimeline } from '../../src/cases/timeline.js'
import { participantTimeline } from '../../src/intake/timeline.js'

const event = (kind: string, data: Record<string, unknown>, seq: number): StoredEvent => ({
  seq,
  id: `e${seq}`,
  occurredAt: `2026-03-0${seq}T10:00:00.000Z`,
  actor: { type: 'staff', id: 'u1' },
  subject: { type: 'request', id: 'r1' },
  kind,
  data,
})

describe('the case timeline of the work the rights put on a case', () => {
  it('names the category decided, and how a task was resolved, in words', () => {
    const events = [
      event(
        'case.rectification_decided',
        { category: 'age', decision: 'supplemented', supplementId: 's1' },
        1,
      ),
      event('case.task_added', { taskId: 't1', kind: 'notify_recipient' }, 2),
      event('case.task_done', { taskId: 't1', kind: 'notify_recipient', resolution: 'disproportionate' }, 3),
      event('case.task_done', { taskId: 't2', kind: 'rectify', resolution: 'done' }, 4),
    ]
    const titles = new Map([
      ['t1', 'Tell this recipient about the correction (Article 19): The archive'],
      ['t2', 'Correct their occupation on the survey platform, as the request asks'],
    ])
    const entries = staffTimeline(events, new Map([['u1', 'Dana']]), titles, new Map([['age', 'Age']]))
    expect(entries.map((e) => [e.title, e.detail])).toEqual([
      ['Task done', 'Correct their occupation on the survey platform, as the request asks'],
      [
        'Task done',
        'Tell this recipient about the correction (Article 19): The archive — Not told: it would involve disproportionate effort',
      ],
      ['Task added', 'Tell this recipient about the correction (Article 19): The archive'],
      [
        'Decision on a correction recorded',
        'Age: It is incomplete: add the person’s supplementary statement to the record',
      ],
    ])
  })
})

/** A payload for each kind, with the values it carries in the trail, codes and all. */
const samples: Record<string, Record<string, unknown>> = {
  'request.logged': { channel: 'post', identity: 'send_link', receivedOn: '2026-03-01' },
  'request.confirmed': {
    identityEstablishedBy: 'email_link',
    rule: 'One calendar month',
    dueOn: '2026-04-01',
  },
  'case.completed': { outcome: 'fulfilled', answeredOn: '2026-03-02' },
  'case.refused': { ground: 'exemption', answeredOn: '2026-03-02' },
  'case.extended': { extendedDueOn: '2026-06-01', noticeBy: '2026-04-01', notifiedOn: '2026-03-02' },
  'case.identity_received': { arrivedOn: '2026-03-02', clockRestartsOn: '2026-03-02', note: null },
  'case.fee_received': { arrivedOn: '2026-03-02', clockRestartsOn: '2026-03-02', note: null },
  'case.objection_decided': { decision: 'compelling_grounds' },
  'case.part_decided': { part: 'email', ground: 'erasure_research', decisionId: 'd1' },
  'case.part_decision_withdrawn': { part: 'email' },
  'case.rectification_decided': { category: 'email', decision: 'not_inaccurate' },
  'case.record_restricted': { recordId: 'x', ground: 'accuracy', reviewOn: '2026-06-01' },
  'case.restriction_lift_notified': { recordId: 'x', noticeOn: '2026-03-02', liftableFrom: '2026-03-16' },
  'case.search_logged': { searchId: 's1', searchedOn: '2026-03-02' },
  'case.asked_clarification': { askedOn: '2026-03-02', clockEffect: 'paused' },
  'case.reopened': { previousStatus: 'completed', status: 'received', reason: 'Sent too early' },
}

describe('every event on the case timeline, in words', () => {
  it('renders each kind as a sentence, with no event code and no raw value', () => {
    const kinds = Object.keys(staffEventTitles)
    expect(kinds.length).toBeGreaterThan(40)
    const raw = /\b[a-z]+[._][a-z_]+\b|\d{4}-\d{2}-\d{2}/
    for (const [i, kind] of kinds.entries()) {
      const [entry] = staffTimeline(
        [event(kind, samples[kind] ?? {}, (i % 9) + 1)],
        new Map([['u1', 'Dana']]),
      )
      expect(entry?.title, kind).toMatch(/^[A-Z]/)
      expect(`${entry?.title} ${entry?.detail ?? ''}`, kind).not.toMatch(raw)
      // A recorded code is never the words shown for it.
      for (const value of Object.values(samples[kind] ?? {})) {
        if (typeof value === 'string' && /^[a-z_]+$/.test(value)) {
          expect(entry?.detail, kind).not.toBe(value)
          expect(entry?.detail ?? '', kind).not.toMatch(new RegExp(`(^|: )${value}$`))
        }
      }
      expect(entry?.when, kind).toMatch(/^\d{1,2} [A-Z][a-z]+ \d{4}, \d{1,2}:\d{2}(am|pm)$/)
    }
  })

  it('says who logged a request and how it arrived, never that the person confirmed it', () => {
    const entries = staffTimeline(
      [
        event('request.logged', { channel: 'post', identity: 'established' }, 1),
        event('request.confirmed', { identityEstablishedBy: 'staff', rule: 'One calendar month' }, 2),
      ],
      new Map([['u1', 'Dana Officer']]),
    )
    expect(entries.map((e) => e.title)).toEqual([
      'Identity established by Dana Officer; clock started',
      'Logged by Dana Officer (received by post)',
    ])
    expect(entries.map((e) => e.title).join(' ')).not.toContain('Confirmed by the person')
  })

  it('maps recorded values to words and dates to UK dates', () => {
    const entries = staffTimeline([
      event('case.completed', { outcome: 'fulfilled' }, 1),
      event('case.refused', { ground: 'exemption' }, 2),
      event('case.extended', { extendedDueOn: '2026-06-01' }, 3),
    ])
    expect(entries.map((e) => e.detail)).toEqual([
      'New deadline: 1 June 2026',
      'Refused on the ground: Another exemption applies (Data Protection Act 2018, Schedules 2 to 4)',
      'Outcome: Fulfilled',
    ])
    expect(entries[0]?.when).toBe('3 March 2026, 10:00am')
  })

  it('shows an event it has no words for as recorded on the case, not by its code', () => {
    const [entry] = staffTimeline([event('case.something_new', {}, 1)])
    expect(entry?.title).toBe('Recorded on the case')
  })
})

describe('the person’s timeline', () => {
  it('names an outcome and a refusal ground in the same words as the staff timeline', () => {
    const events = [
      event('case.completed', { outcome: 'fulfilled' }, 1),
      event('case.refused', { ground: 'exemption' }, 2),
    ]
    const staff = staffTimeline(events)
    const person = participantTimeline(events)
    expect(person.map((e) => e.description)).toEqual([
      'Refused on the ground: Another exemption applies (Data Protection Act 2018, Schedules 2 to 4).',
      'Outcome: Fulfilled.',
    ])
    expect(person[1]?.description).toBe(`${staff[1]?.detail ?? ''}.`)
    expect(person[0]?.description).toBe(`${staff[0]?.detail ?? ''}.`)
  })
})
