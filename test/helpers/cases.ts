import { expect } from 'vitest'
import { csrfFrom, type TestContext } from './context.js'
import { signedInAgent } from './staff.js'

type Agent = ReturnType<TestContext['agent']>

/** The case page, its CSRF token and the version its forms carry. */
export async function caseForm(agent: Agent, requestId: string) {
  const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
  const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? ''
  return { page, csrf: csrfFrom(page.text), version }
}

/** Submits one of the case page's forms as a browser would, and expects the status. */
export async function postCaseAction(
  agent: Agent,
  requestId: string,
  action: string,
  fields: Record<string, string>,
  expected: number,
) {
  const { csrf, version } = await caseForm(agent, requestId)
  const res = await agent
    .post(`/staff/requests/${requestId}/${action}`)
    .type('form')
    .send({ _csrf: csrf, version, ...fields })
  const problem =
    res.status === expected
      ? undefined
      : (/govuk-error-summary__list[\s\S]{0,400}/.exec(res.text)?.[0] ?? res.text.slice(0, 300))
  expect(res.status, problem).toBe(expected)
  return res
}

/** Moves the clock and signs a new DPO in: a staff session ends after 30 idle minutes. */
export function dpoSignIn(ctx: () => TestContext) {
  let count = 0
  return async (instant: string) => {
    ctx().setNow(instant)
    count++
    return (await signedInAgent(ctx(), 'dpo', `dpo${count}@portal.test`)).agent
  }
}

/** How a test ticks off a task of each kind: recipients told, consent-based data erased. */
export function resolutionFor(kind: string | null): string {
  return kind === 'notify_recipient' ? 'notified' : kind === 'consider_erasure' ? 'erase' : 'done'
}

/** Ticks off every open task on the case, as the DPO would once the copies outside the portal are gone. */
export async function tickOffTasks(ctx: TestContext, agent: Agent, requestId: string) {
  const tasks: { id: string; kind: string | null }[] = await ctx.services
    .db('request_tasks')
    .where({ request_id: requestId })
    .whereNull('done_at')
    .orderBy('created_at')
  for (const task of tasks) {
    const { csrf } = await caseForm(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/tasks/${task.id}/done`)
      .type('form')
      .send({ _csrf: csrf, resolution: resolutionFor(task.kind), taskNote: 'Deleted by the platform admin' })
      .expect(303)
  }
}

/** The parts of an access request the survey platform holds while the answers are still linked. */
export const surveyPlatformParts = ['occupation', 'sex', 'age', 'ethnicity', 'survey_answers'] as const

/**
 * Records the DPO's decision to keep each part back on a ground, with the reasons for this case,
 * through the case page's form: the completion is then partly fulfilled.
 */
export async function keepBack(
  agent: Agent,
  requestId: string,
  parts: readonly string[],
  decision: { ground: string; reasoning: string },
) {
  for (const part of parts) await postCaseAction(agent, requestId, 'decide', { part, ...decision }, 303)
}
