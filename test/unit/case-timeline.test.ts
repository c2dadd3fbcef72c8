import { describe, expect, it } from 'vitest'
import type { StoredEvent } from '../../src/audit/events.js'
import { staffTimeline } from '../../src/cases/timeline.js'

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
