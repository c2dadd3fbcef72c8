import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { createStaff, signedInAgent } from '../helpers/staff.js'

const configured = {
  ORGANISATION_NAME: 'Example Research Trust',
  ORGANISATION_DPO_EMAIL: 'privacy@example-trust.org',
  SERVICE_NAME: 'Research rights',
}

/** What the page template draws around every page: the title, header and footer. */
function frame(html: string): string {
  const title = /<title>[\s\S]*?<\/title>/.exec(html)?.[0] ?? ''
  const header = /<header[\s\S]*?<\/header>/.exec(html)?.[0] ?? ''
  const footer = /<footer[\s\S]*?<\/footer>/.exec(html)?.[0] ?? ''
  return [title, header, footer].join('\n')
}

function expectConfiguredFrame(html: string) {
  const around = frame(html)
  expect(around).toContain('class="govuk-generic-header__homepage-link">Example Research Trust</a>')
  expect(around).toContain('class="govuk-service-navigation__link">Research rights</a>')
  expect(around).toMatch(/<title>[^<]* – Research rights – Example Research Trust<\/title>/)
  expect(around).toContain('© Example Research Trust')
  expect(around).not.toContain('What Works')
  expect(around).not.toContain('Your data rights')
}

describe('the organisation comes from configuration', () => {
  let ctx: TestContext

  beforeAll(async () => {
    ctx = await createTestContext({ env: configured })
  })
  afterAll(async () => {
    await ctx.destroy()
  })

  it('names the configured organisation and service on the home page', async () => {
    const res = await ctx.agent().get('/')
    expect(res.status).toBe(200)
    expectConfiguredFrame(res.text)
    expect(frame(res.text)).toContain('href="mailto:privacy@example-trust.org"')
  })

  it('names them on the staff pages, signed in or not', async () => {
    const login = await ctx.agent().get('/staff/login')
    expect(login.status).toBe(200)
    expectConfiguredFrame(login.text)

    const { agent } = await signedInAgent(ctx, 'dpo')
    const queue = await agent.get('/staff/requests')
    expect(queue.status).toBe(200)
    expectConfiguredFrame(queue.text)
    expect(queue.text).not.toContain('What Works')
    expect(queue.text).not.toContain('Your data rights')
  })

  it('names them, and the organisation’s DPO, in the accessibility statement and on error pages', async () => {
    const statement = await ctx.agent().get('/accessibility')
    expect(statement.text).toContain('Accessibility statement for Research rights</h1>')
    expect(statement.text).toContain('Example Research Trust runs this service.')
    expect(statement.text).toContain('mailto:privacy@example-trust.org')
    expect(statement.text).not.toContain('What Works')
    expect(statement.text).not.toContain('whatworks-csc')

    const missing = await ctx.agent().get('/no-such-page')
    expect(missing.status).toBe(404)
    expectConfiguredFrame(missing.text)
    expect(missing.text).not.toContain('whatworks-csc')
  })

  it('invites staff to the configured service of the configured organisation', async () => {
    const admin = await createStaff(ctx, 'admin')
    await ctx.services.accounts.invite(admin, {
      email: 'new.colleague@portal.test',
      displayName: 'New Colleague',
      role: 'auditor',
    })
    const invite = (await ctx.outbox()).find((m) => m.kind === 'staff-invite')
    expect(invite?.subject).toBe('You have been invited to Research rights')
    expect(invite?.text_body).toContain(
      'invited you to Research rights, the data rights portal of Example Research Trust',
    )
  })
})
