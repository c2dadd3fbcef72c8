import { describe, expect, it } from 'vitest'
import { nextStepOf, type NextStepFacts } from '../../src/domain/next-step.js'
import { requestStatuses } from '../../src/domain/request-status.js'

const access = (
  answer: Partial<NonNullable<NextStepFacts['answer']>> = {},
  more: Partial<NextStepFacts> = {},
) =>
  nextStepOf({
    type: 'access',
    status: 'received',
    loggedByStaff: false,
    answer: {
      prepared: false,
      changedSincePrepared: null,
      exportNeeded: false,
      recordErased: false,
      ...answer,
    },
    searchesLogged: 1,
    openTasks: 0,
    partsProblem: null,
    ...more,
  })

const other = (more: Partial<NextStepFacts>) =>
  nextStepOf({
    type: 'erasure',
    status: 'received',
    loggedByStaff: false,
    answer: null,
    searchesLogged: null,
    openTasks: 0,
    partsProblem: null,
    ...more,
  })

describe('the next thing to do on a case', () => {
  it('asks staff to verify identity on a request they logged, and to wait on one made online', () => {
    expect(other({ status: 'unconfirmed', loggedByStaff: true })).toEqual({
      text: 'Record how you established the person’s identity, or wait for them to confirm from the link we emailed.',
      section: 'identity',
    })
    expect(other({ status: 'unconfirmed' }).text).toBe(
      'Wait for the person to confirm the request from the link we emailed them.',
    )
  })

  it('waits for what was asked of the person', () => {
    expect(other({ status: 'awaiting_clarification' })).toMatchObject({ section: 'messages' })
    expect(other({ status: 'awaiting_clarification' }).text).toContain('answer your question')
    expect(other({ status: 'awaiting_identity' }).text).toContain('proof of identity')
    expect(other({ status: 'awaiting_fee' }).text).toContain('fee')
  })

  it('takes an access answer in the order a DPO does: search, attach, prepare, complete', () => {
    expect(access({}, { searchesLogged: 0 })).toEqual({
      text: 'Log the search of each place the person’s data may be held.',
      section: 'searches',
    })
    expect(access({ exportNeeded: true })).toEqual({
      text: 'Attach the person’s answers exported from the survey platform.',
      section: 'answer',
    })
    expect(access()).toEqual({ text: 'Prepare the answer.', section: 'answer' })
    expect(access({ prepared: true })).toEqual({
      text: 'Send the answer to the person and complete the request.',
      section: 'actions',
    })
  })

  it('asks for the answer to be prepared again when something changed since', () => {
    expect(access({ prepared: true, changedSincePrepared: 'attached' }).text).toBe(
      'A file was attached after you prepared the answer: prepare it again to include it.',
    )
    expect(access({ prepared: true, changedSincePrepared: 'removed' }).text).toContain('without it')
    expect(access({ prepared: true, changedSincePrepared: 'searched' }).text).toContain('A search was logged')
  })

  it('skips the search and the export once the address is erased', () => {
    expect(access({ recordErased: true, exportNeeded: true }, { searchesLogged: 0 }).text).toBe(
      'Prepare the answer.',
    )
  })

  it('asks for open tasks, then for what the parts still need, before completing', () => {
    expect(other({ openTasks: 2, partsProblem: 'Email address: Erase the address' })).toEqual({
      text: 'Tick off the 2 open tasks.',
      section: 'tasks',
    })
    expect(other({ openTasks: 1 }).text).toBe('Tick off the open task.')
    expect(other({ partsProblem: 'Email address: Erase the address' })).toEqual({
      text: 'Email address: Erase the address.',
      section: 'parts',
    })
    expect(other({}).text).toBe('Send the answer to the person and complete the request.')
  })

  it('has a sentence for every status, and nothing to do on a closed one', () => {
    for (const status of requestStatuses) {
      const step = other({ status })
      expect(step.text).toMatch(/^[A-Z].*\.$/)
    }
    for (const status of ['completed', 'refused', 'withdrawn', 'duplicate', 'unverified'] as const) {
      expect(other({ status })).toMatchObject({ section: null })
      expect(other({ status }).text).toMatch(/^Nothing to do/)
    }
  })
})
