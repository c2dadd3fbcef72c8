import { describe, expect, it } from 'vitest'
import { participantStatus, statusInfo } from '../../src/domain/request-status.js'

describe('what the person reads about where their request stands', () => {
  it('says a request answered only in part was partly fulfilled', () => {
    const partly = participantStatus('completed', 'partly_fulfilled')
    expect(partly.label).toBe('Partly fulfilled')
    expect(partly.participantText).toContain('what we kept back or did not do, why')
  })

  it('says when nothing the request covers is held', () => {
    expect(participantStatus('completed', 'no_data_held').participantText).toContain(
      'we hold no personal data about you that it covers',
    )
  })

  it('keeps the plain wording for a fulfilled request and every other status', () => {
    expect(participantStatus('completed', 'fulfilled')).toEqual(statusInfo.completed)
    expect(participantStatus('refused', null)).toEqual(statusInfo.refused)
    expect(participantStatus('received', null)).toEqual(statusInfo.received)
  })
})
