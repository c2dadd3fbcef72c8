import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/audit/events.js'
import { staffTimeline } from '../../src/cases/timeline.js'
import {
  caseTextKeptUntil,
  caseTextMarker,
  caseTextRemovalBound,
  caseTextRemovalDue,
  withoutFreeText,
} from '../../src/domain/case-retention.js'
import { addDays } from '../../src/domain/clock.js'

const marker = caseTextMarker(24)

describe('how long a closed case keeps its free text', () => {
  it('keeps it through the same date the given months later, and not a day more', () => {
    expect(caseTextKeptUntil('2024-01-10', 24)).toBe('2026-01-10')
    expect(caseTextRemovalDue('2024-01-10', 24, '2026-01-10')).toBe(false)
    expect(caseTextRemovalDue('2024-01-10', 24, '2026-01-11')).toBe(true)
    expect(caseTextRemovalDue('2024-01-10', 36, '2026-01-11')).toBe(false)
  })

  it('clamps to the end of a shorter month', () => {
    expect(caseTextKeptUntil('2024-02-29', 24)).toBe('2026-02-28')
    expect(caseTextKeptUntil('2024-01-31', 1)).toBe('2024-02-29')
    expect(caseTextRemovalDue('2024-02-29', 24, '2026-03-01')).toBe(true)
  })

  it('never leaves out a due case from the bound the query uses', () => {
    const missed: string[] = []
    // A year of days that holds a 29 February and every month's end.
    for (const months of [1, 6, 24]) {
      for (let today = '2027-07-01'; today <= '2028-06-30'; today = addDays(today, 1)) {
        const bound = caseTextRemovalBound(months, today)
        // The query reads requests closed before the bound: none closed on or after it may be due.
        for (let offset = 0; offset <= 10; offset++) {
          const closedOn = addDays(bound, offset)
          if (caseTextRemovalDue(closedOn, months, today))
            missed.push(`${months} months, ${today}: ${closedOn}`)
        }
      }
    }
    expect(missed).toEqual([])
  })

  it('says what was removed and after how long', () => {
    expect(caseTextMarker(24)).toBe('[removed after 24 months]')
    expect(caseTextMarker(1)).toBe('[removed after 1 month]')
  })
})

describe("the request's details without the person's own words", () => {
  it('replaces what is wrong and what it should say in a rectification', () => {
    expect(
      withoutFreeText({ type: 'rectification', inaccurate: 'Surname Smiht', correction: 'Smith' }, marker),
    ).toEqual({ details: { type: 'rectification', inaccurate: marker, correction: marker }, replaced: 2 })
  })

  it('keeps the choices from a list and replaces the description beside them', () => {
    expect(
      withoutFreeText({ type: 'restriction', ground: 'accuracy', description: 'My age is wrong' }, marker),
    ).toEqual({ details: { type: 'restriction', ground: 'accuracy', description: marker }, replaced: 1 })
    expect(
      withoutFreeText({ type: 'objection', processing: 'follow_up', description: 'I moved jobs' }, marker),
    ).toEqual({ details: { type: 'objection', processing: 'follow_up', description: marker }, replaced: 1 })
    expect(withoutFreeText({ type: 'withdraw_consent', consent: 'ethnicity' }, marker)).toEqual({
      details: { type: 'withdraw_consent', consent: 'ethnicity' },
      replaced: 0,
    })
    expect(withoutFreeText({ type: 'erasure', reason: 'I left the study' }, marker).details).toEqual({
      type: 'erasure',
      reason: marker,
    })
  })

  it('counts nothing already replaced or left empty, so a second pass changes nothing', () => {
    const once = withoutFreeText({ type: 'access', description: 'My answers from 2023' }, marker)
    expect(withoutFreeText(once.details, marker)).toEqual({ details: once.details, replaced: 0 })
    expect(withoutFreeText({ type: 'access', description: '' }, marker).replaced).toBe(0)
  })

  it('treats a field it does not know as free text', () => {
    const details = { type: 'access', description: 'All of it', phone: '07700 900123' } as const
    expect(withoutFreeText(details, marker).details).toEqual({
      type: 'access',
      description: marker,
      phone: marker,
    })
  })
})

describe('the staff timeline', () => {
  const event = (kind: string, data: Record<string, unknown>, seq: number): StoredEvent => ({
    seq,
    id: `e${seq}`,
    occurredAt: `2026-03-02T10:0${seq}:00.000Z`,
    actor: { type: 'staff', id: 'u1' },
    subject: { type: 'request', id: 'r1' },
    kind,
    data,
  })

  it("names a task by its title on the case, never by a title in the event's payload", () => {
    const events = [
      // An event recorded before task events lost their titles: the case's task is what is shown.
      event('case.task_added', { taskId: 't1', title: 'Call Sam on 07700 900123' }, 1),
      event('case.task_added', { taskId: 't2' }, 2),
      event('case.task_done', { taskId: 't2' }, 3),
      event('case.task_added', { taskId: 'gone', title: 'Text only the trail still holds' }, 4),
    ]
    const titles = new Map([
      ['t1', marker],
      ['t2', 'Ask the study team about the paper forms'],
    ])
    expect(staffTimeline(events, new Map(), titles).map((e) => [e.title, e.detail])).toEqual([
      ['Task added', undefined],
      ['Task done', 'Ask the study team about the paper forms'],
      ['Task added', 'Ask the study team about the paper forms'],
      ['Task added', marker],
    ])
  })

  it('labels the removal of the case text', () => {
    const [entry] = staffTimeline([event('request.case_text_removed', { removed: {} }, 1)])
    expect(entry).toMatchObject({ title: 'Case text removed after the retention period' })
  })
})
