import { expect } from 'vitest'
import { csrfFrom, type TestContext } from './context.js'

type Agent = ReturnType<TestContext['agent']>

/** A staff page with forms (a case, a complaint), its CSRF token and the version its forms carry. */
export async function pageForm(agent: Agent, pagePath: string) {
  const page = await agent.get(pagePath).expect(200)
  const version = /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? ''
  return { page, csrf: csrfFrom(page.text), version }
}

/**
 * Submits one of the page's forms (posted to `pagePath/action`) as a browser would, and expects
 * the status; on another status the failure shows the page's error summary.
 */
export async function postPageAction(
  agent: Agent,
  pagePath: string,
  action: string,
  fields: Record<string, string>,
  expected: number,
) {
  const { csrf, version } = await pageForm(agent, pagePath)
  const res = await agent
    .post(`${pagePath}/${action}`)
    .type('form')
    .send({ _csrf: csrf, version, ...fields })
  const problem =
    res.status === expected
      ? undefined
      : (/govuk-error-summary__list[\s\S]{0,400}/.exec(res.text)?.[0] ?? res.text.slice(0, 300))
  expect(res.status, problem).toBe(expected)
  return res
}
