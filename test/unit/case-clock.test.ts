import { describe, expect, it } from 'vitest'
import {
  answerArrived,
  closeClock,
  askPerson,
  clockView,
  ClockRuleError,
  dueForQueue,
  extend,
  type CaseClock,
} from '../../src/domain/case-clock.js'

const start: CaseClock = { clockStartOn: '2025-09-03', pausedDays: 0, extended: false, pause: null }

describe('a running clock', () => {
  it('is due one month on, with the extension window open until the unmoved one-month date', () => {
    const view = clockView(start, '2025-09-10')
    expect(view).toMatchObject({
      phase: 'running',
      originalDue: '2025-10-03',
      extensionNoticeBy: '2025-10-03',
      canExtend: true,
    })
    expect(view.deadline?.due).toBe('2025-10-03')
  })
  it('closes the extension window after the first month', () => {
    expect(clockView(start, '2025-10-03').canExtend).toBe(true)
    expect(clockView(start, '2025-10-04').canExtend).toBe(false)
  })
})

describe('clarification', () => {
  it('pauses from the day asked and resumes with the paused days added, both ends counted', () => {
    const paused = askPerson(start, 'clarification', '2025-09-10')
    const view = clockView(paused, '2025-09-12')
    expect(view.phase).toBe('paused')
    expect(view.deadline).toBeUndefined()
    expect(view.pausedDaysToDate).toBe(3)
    const resumed = answerArrived(paused, '2025-09-14')
    expect(resumed).toEqual({ ...start, pausedDays: 5 })
    expect(clockView(resumed, '2025-09-15').deadline?.due).toBe('2025-10-08')
  })
  it('re-applies the working-day rule after moving the deadline', () => {
    const resumed = answerArrived(askPerson(start, 'clarification', '2025-09-10'), '2025-09-10')
    expect(clockView(resumed, '2025-09-11').deadline?.due).toBe('2025-10-06') // 4 October is a Saturday
  })
  it('adds successive pauses together', () => {
    const once = answerArrived(askPerson(start, 'clarification', '2025-09-05'), '2025-09-06')
    const twice = answerArrived(askPerson(once, 'clarification', '2025-09-20'), '2025-09-22')
    expect(twice.pausedDays).toBe(5)
  })
  it('sorts a paused case in the queue as if the answer came today', () => {
    const paused = askPerson(start, 'clarification', '2025-09-10')
    expect(dueForQueue(paused, '2025-09-10')).toBe('2025-10-06')
    expect(dueForQueue(paused, '2025-09-14')).toBe('2025-10-08')
  })
  it('refuses to ask twice or to answer before asking', () => {
    const paused = askPerson(start, 'clarification', '2025-09-10')
    expect(() => askPerson(paused, 'fee', '2025-09-11')).toThrow(ClockRuleError)
    expect(() => answerArrived(start, '2025-09-11')).toThrow(ClockRuleError)
    expect(() => answerArrived(paused, '2025-09-09')).toThrow(ClockRuleError)
    expect(() => askPerson(start, 'clarification', '2025-09-01')).toThrow(ClockRuleError)
  })
})

describe('identity and fees', () => {
  it('stops the clock and restarts it from the day the proof arrives', () => {
    const waiting = askPerson(start, 'identity', '2025-09-05')
    expect(clockView(waiting, '2025-09-08')).toMatchObject({ phase: 'waiting', canExtend: false })
    const restarted = answerArrived(waiting, '2025-09-20')
    expect(restarted).toEqual({ clockStartOn: '2025-09-20', pausedDays: 0, extended: false, pause: null })
    expect(clockView(restarted, '2025-09-21').deadline?.due).toBe('2025-10-20')
  })
  it('restarts from the day a fee is paid, forgetting earlier clarification days', () => {
    const clarified = answerArrived(askPerson(start, 'clarification', '2025-09-05'), '2025-09-06')
    const restarted = answerArrived(askPerson(clarified, 'fee', '2025-09-10'), '2025-09-30')
    expect(clockView(restarted, '2025-10-01').deadline?.due).toBe('2025-10-30')
  })
})

describe('extension', () => {
  it('runs three months from the same start, keeping clarification days', () => {
    const resumed = answerArrived(askPerson(start, 'clarification', '2025-09-10'), '2025-09-14')
    const extended = extend(resumed, '2025-09-20')
    expect(clockView(extended, '2025-09-21').deadline?.due).toBe('2025-12-08')
  })
  it('is refused after the first month, with the reason', () => {
    expect(() => extend(start, '2025-10-04')).toThrow(/first month ended on 3 October 2025/)
  })
  it('is refused twice, and while the clock waits for identity', () => {
    expect(() => extend(extend(start, '2025-09-10'), '2025-09-11')).toThrow(ClockRuleError)
    expect(() => extend(askPerson(start, 'identity', '2025-09-05'), '2025-09-06')).toThrow(ClockRuleError)
  })
  it('is allowed while a clarification pause runs', () => {
    expect(extend(askPerson(start, 'clarification', '2025-09-05'), '2025-09-06').extended).toBe(true)
  })
})

describe('closing a case', () => {
  it('counts the days waited for clarification, as if answered that day', () => {
    const paused = askPerson(start, 'clarification', '2025-09-10')
    expect(closeClock(paused, '2025-09-12')).toEqual({ ...start, pausedDays: 3 })
  })

  it('leaves a running clock as it is', () => {
    expect(closeClock(start, '2025-09-20')).toEqual(start)
  })

  it('leaves a clock stopped for identity or a fee stopped', () => {
    const waiting = askPerson(start, 'identity', '2025-09-10')
    expect(closeClock(waiting, '2025-09-20')).toEqual(waiting)
  })
})
