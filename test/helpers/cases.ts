import type { TestContext } from './context.js'
import { pageForm, postPageAction } from './page-forms.js'
import { signedInAgent } from './staff.js'

type Agent = ReturnType<TestContext['agent']>

/** The case page, its CSRF token and the version its forms carry. */
export const caseForm = (agent: Agent, requestId: string) => pageForm(agent, `/staff/requests/${requestId}`)

/** Submits one of the case page's forms as a browser would, and expects the status. */
export const postCaseAction = (
  agent: Agent,
  requestId: string,
  action: string,
  fields: Record<string, string>,
  expected: number,
) => postPageAction(agent, `/staff/requests/${requestId}`, action, fields, expected)

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
