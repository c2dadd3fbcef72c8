import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'

let ctx: TestContext

beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

type Agent = ReturnType<TestContext['agent']>

const countRows = async (table: string) => Number((await ctx.services.db(table).count({ n: '*' }))[0]?.n ?? 0)

/** The hidden fields of the check page's form, as a browser would send them back. */
function hiddenFieldsOf(html: string): [string, string][] {
  const decode = (v: string) =>
    v
      .replace(/&#34;|&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&')
  return [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map(
    (m) => [m[1] ?? '', decode(m[2] ?? '')] as [string, string],
  )
}

const encodeForm = (pairs: [string, string][]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')

/** The form filled in and sent to the check step; answers the check page. */
async function check(agent: Agent, type: string, fields: Record<string, string | string[]>, expected = 200) {
  const form = await agent.get(`/request/${type}`).expect(200)
  expect(form.text).toContain(`action="/request/${type}/check"`)
  return agent
    .post(`/request/${type}/check`)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), ...fields })
    .expect(expected)
}

const rectification = {
  categories: ['email', 'occupation'],
  inaccurate: 'My address is misspelt\nand my job title is old',
  correction: 'jane.doe@example.org',
  statement: '',
  askRecipients: 'yes',
  email: ' Jane.Doe@Example.ORG ',
  name: 'Jane & "Doe"',
}

describe('checking your answers before sending', () => {
  it('shows every answer and the address, stores nothing, and carries the answers in the form', async () => {
    const res = await check(ctx.agent(), 'rectification', rectification)
    expect(res.text).toContain('Check your answers before sending your request')
    expect(res.headers['cache-control']).toContain('no-store')
    for (const shown of [
      'Email address, Occupation',
      'My address is misspelt\nand my job title is old',
      'jane.doe@example.org',
      'Tell me who you shared my data with, and whether you told them',
      'Jane &amp; &#34;Doe&#34;',
      'Jane.Doe@example.org',
    ]) {
      expect(res.text).toContain(shown)
    }
    expect(res.text).toMatch(/We will email a link to <strong[^>]*>Jane\.Doe@example\.org<\/strong>/)
    for (const field of [
      'categories',
      'inaccurate',
      'correction',
      'statement',
      'askRecipients',
      'email',
      'name',
    ]) {
      expect(res.text).toContain(`formaction="/request/rectification/change#${field}"`)
    }
    expect(res.text).toContain('action="/request/rectification"')
    expect(hiddenFieldsOf(res.text).filter(([k]) => k !== '_csrf')).toEqual([
      ['categories', 'email'],
      ['categories', 'occupation'],
      ['inaccurate', 'My address is misspelt\nand my job title is old'],
      ['correction', 'jane.doe@example.org'],
      ['askRecipients', 'yes'],
      ['email', 'Jane.Doe@example.org'],
      ['name', 'Jane & "Doe"'],
    ])
    expect(await countRows('rights_requests')).toBe(0)
    expect(await countRows('outbox')).toBe(0)
  })

  it('shows errors on the form with the answers kept, and no check page', async () => {
    const res = await check(ctx.agent(), 'rectification', { ...rectification, email: 'not-an-address' }, 400)
    expect(res.text).toContain('govuk-error-summary')
    expect(res.text).toContain('href="#email"')
    expect(res.text).toContain('value="not-an-address"')
    expect(res.text).toContain('My address is misspelt')
    expect(res.text).not.toContain('Check your answers')
  })

  it('sends the request from the check page: one request, one confirmation email', async () => {
    const agent = ctx.agent()
    const page = await check(agent, 'rectification', rectification)
    await agent
      .post('/request/rectification')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(page.text)))
      .expect(303)
      .expect('Location', '/request/check-your-email')
    const rows = await ctx.services.db('rights_requests')
    expect(rows).toHaveLength(1)
    expect(rows[0]).toMatchObject({ email: 'Jane.Doe@example.org', requester_name: 'Jane & "Doe"' })
    expect(JSON.parse(String(rows[0]?.details))).toEqual({
      type: 'rectification',
      categories: ['email', 'occupation'],
      inaccurate: 'My address is misspelt\nand my job title is old',
      correction: 'jane.doe@example.org',
      askRecipients: true,
    })
    const mail = (await ctx.outbox()).filter((m) => m.kind === 'confirm-request')
    expect(mail).toHaveLength(1)
  })

  it('checks the answers again when they come back: a changed hidden field is refused and nothing is stored', async () => {
    const agent = ctx.agent()
    const page = await check(agent, 'objection', { processing: 'direct_marketing', email: 'jo@example.org' })
    const tampered = hiddenFieldsOf(page.text).map(([k, v]): [string, string] =>
      k === 'processing' ? [k, 'purpose:not-in-the-study'] : [k, v],
    )
    const res = await agent.post('/request/objection').type('form').send(encodeForm(tampered)).expect(400)
    expect(res.text).toContain('href="#processing"')
    expect(res.text).toContain('value="jo@example.org"')

    const tooLong = hiddenFieldsOf(page.text).map(([k, v]): [string, string] =>
      k === 'email' ? [k, `${'a'.repeat(300)}@example.org`] : [k, v],
    )
    await agent.post('/request/objection').type('form').send(encodeForm(tooLong)).expect(400)
    expect(await countRows('rights_requests')).toBe(0)
    expect(await countRows('outbox')).toBe(0)
  })

  it('refuses the check page without a CSRF token', async () => {
    await ctx.agent().post('/request/access/check').type('form').send({ email: 'jo@example.org' }).expect(403)
  })

  it('takes "Change" back to the form with every answer kept', async () => {
    const agent = ctx.agent()
    const page = await check(agent, 'rectification', rectification)
    const res = await agent
      .post('/request/rectification/change')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(page.text)))
      .expect(200)
    expect(res.text).toContain('action="/request/rectification/check"')
    expect(res.text).not.toContain('govuk-error-summary')
    expect(res.text).toMatch(/value="email" checked/)
    expect(res.text).toMatch(/value="occupation" checked/)
    expect(res.text).toMatch(/value="yes" checked/)
    expect(res.text).toContain('My address is misspelt\nand my job title is old</textarea>')
    expect(res.text).toContain('value="Jane.Doe@example.org"')
    expect(res.text).toContain('value="Jane &amp; &#34;Doe&#34;"')
    expect(await countRows('rights_requests')).toBe(0)
  })
})

describe('check your email', () => {
  async function send(agent: Agent, email: string) {
    const page = await check(agent, 'erasure', {
      reason: 'I left the study',
      askRecipients: 'yes',
      email,
      name: 'Sam',
    })
    await agent
      .post('/request/erasure')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(page.text)))
      .expect(303)
  }

  it('shows the address typed in this browser, and offers to correct it with the answers kept', async () => {
    const agent = ctx.agent()
    await send(agent, 'sam@exmaple.org')
    const page = await agent.get('/request/check-your-email').expect(200)
    expect(page.text).toMatch(/We have sent a link to <strong[^>]*>sam@exmaple\.org<\/strong>/)
    expect(page.text).toContain('Send the email again')
    expect(page.text).toContain('href="/request/check-your-email/change-address#email"')
    expect(page.text).not.toContain('make the request again')

    const form = await agent.get('/request/check-your-email/change-address').expect(200)
    expect(form.headers['cache-control']).toContain('no-store')
    expect(form.text).toContain('action="/request/erasure/check"')
    expect(form.text).toContain('value="sam@exmaple.org"')
    expect(form.text).toContain('I left the study</textarea>')
    expect(form.text).toMatch(/value="yes" checked/)
    expect(form.text).toContain('value="Sam"')

    const checked = await agent
      .post('/request/erasure/check')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), reason: 'I left the study', email: 'sam@example.org', name: 'Sam' })
      .expect(200)
    await agent
      .post('/request/erasure')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(checked.text)))
      .expect(303)
    const again = await agent.get('/request/check-your-email').expect(200)
    expect(again.text).toContain('sam@example.org')
    expect(again.text).not.toContain('sam@exmaple.org')

    // The request sent to the wrong address is cancelled, with what was typed in it removed.
    const requests = await ctx.services.db('rights_requests').select('status', 'email', 'details')
    expect(requests).toHaveLength(2)
    expect(requests).toContainEqual({ status: 'unverified', email: null, details: null })
    expect(requests).toContainEqual(
      expect.objectContaining({ status: 'unconfirmed', email: 'sam@example.org' }),
    )
  })

  it('leaves a request alone when its address was not corrected from this browser', async () => {
    const agent = ctx.agent()
    await send(agent, 'sam@example.org')
    await send(agent, 'sam@example.org')
    const statuses = await ctx.services.db('rights_requests').pluck('status')
    expect(statuses).toEqual(['unconfirmed', 'unconfirmed'])
  })

  it('cancels nothing when the person opens the correction, goes back and sends another request', async () => {
    const agent = ctx.agent()
    await send(agent, 'sam@example.org')
    await agent.get('/request/check-your-email/change-address').expect(200)
    await agent.get('/request/check-your-email').expect(200)
    await send(agent, 'sam@example.org')
    // Opened, then a different right sent from the correction's form: not a correction either.
    await agent.get('/request/check-your-email/change-address').expect(200)
    const page = await check(agent, 'access', {
      description: 'Everything',
      email: 'sam@example.org',
      name: 'Sam',
    })
    await agent
      .post('/request/access')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(page.text)))
      .expect(303)
    const statuses = await ctx.services.db('rights_requests').pluck('status')
    expect(statuses).toEqual(['unconfirmed', 'unconfirmed', 'unconfirmed'])
  })

  it('names the address when the email is sent again', async () => {
    const agent = ctx.agent()
    await send(agent, 'sam@example.org')
    const page = await agent.get('/request/check-your-email').expect(200)
    await agent
      .post('/request/check-your-email/resend')
      .type('form')
      .send({ _csrf: csrfFrom(page.text) })
      .expect(303)
      .expect('Location', '/request/check-your-email?resent=1')
    const resent = await agent.get('/request/check-your-email?resent=1').expect(200)
    expect(resent.text).toContain('we have sent a new link to sam@example.org')
    expect((await ctx.outbox()).filter((m) => m.kind === 'confirm-request')).toHaveLength(2)
  })

  it('shows no address to another browser, and no way to change one', async () => {
    await send(ctx.agent(), 'sam@example.org')
    const stranger = await ctx.agent().get('/request/check-your-email').expect(200)
    expect(stranger.text).not.toContain('sam@example.org')
    expect(stranger.text).not.toContain('change-address')
    expect(stranger.text).toContain('make the request again')
    await ctx
      .agent()
      .get('/request/check-your-email/change-address')
      .expect(302)
      .expect('Location', '/request')
  })
})

describe('the start with several studies', () => {
  beforeEach(async () => {
    const seed = (await ctx.services.studies.listAccepting())[0]
    if (!seed) throw new Error('No seed study')
    await ctx.services.db('studies').insert({
      id: newId(),
      slug: 'wellbeing-survey',
      title: 'Wellbeing Survey',
      controller_name: seed.controllerName,
      controller_address: seed.controllerAddress,
      dpo_email: seed.dpoEmail,
      privacy_notice_text: 'Notice',
      privacy_notice_date: '2026-01-01',
      survey_closes_on: '2026-12-31',
      survey_extension_months: 0,
      accepting_requests: true,
      created_at: '2026-01-01T00:00:00.000Z',
      updated_at: '2026-01-01T00:00:00.000Z',
    })
  })

  it('asks one question per page: the study, then the right, then the form for that study', async () => {
    const agent = ctx.agent()
    await agent.get('/request').expect(302).expect('Location', '/request/study')
    const studyPage = await agent.get('/request/study').expect(200)
    expect(studyPage.text).toContain('Which study did you take part in?')
    expect(studyPage.text).not.toContain('What do you want to do?')
    expect(studyPage.text).toContain('<a href="/" class="govuk-back-link">Back</a>')

    const missing = await agent
      .post('/request/study')
      .type('form')
      .send({ _csrf: csrfFrom(studyPage.text) })
      .expect(400)
    expect(missing.text).toContain('href="#study"')
    await agent
      .post('/request/study')
      .type('form')
      .send({ _csrf: csrfFrom(studyPage.text), study: 'no-such-study' })
      .expect(400)
    await agent
      .post('/request/study')
      .type('form')
      .send({ _csrf: csrfFrom(studyPage.text), study: 'wellbeing-survey' })
      .expect(303)
      .expect('Location', '/request?study=wellbeing-survey')

    const rightPage = await agent.get('/request?study=wellbeing-survey').expect(200)
    expect(rightPage.text).toContain('What do you want to do?')
    expect(rightPage.text).not.toContain('Which study did you take part in?')
    expect(rightPage.text).toContain(
      '<a href="/request/study?study=wellbeing-survey" class="govuk-back-link">Back</a>',
    )
    expect(rightPage.text).toContain('<input type="hidden" name="study" value="wellbeing-survey">')
    const noType = await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(rightPage.text), study: 'wellbeing-survey' })
      .expect(400)
    expect(noType.text).toContain('href="#type"')
    expect(noType.text).toContain('name="study" value="wellbeing-survey"')
    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(rightPage.text), study: 'wellbeing-survey', type: 'access' })
      .expect(303)
      .expect('Location', '/request/access?study=wellbeing-survey')
    await agent
      .post('/request')
      .type('form')
      .send({ _csrf: csrfFrom(rightPage.text), study: 'made-up', type: 'access' })
      .expect(303)
      .expect('Location', '/request/study')

    const form = await agent.get('/request/access?study=wellbeing-survey').expect(200)
    expect(form.text).toContain('action="/request/access/check?study=wellbeing-survey"')
    expect(form.text).toContain(
      'href="/request?study=wellbeing-survey&amp;type=access" class="govuk-back-link"',
    )
    const checked = await agent
      .post('/request/access/check?study=wellbeing-survey')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), email: 'jo@example.org' })
      .expect(200)
    expect(checked.text).toContain('Wellbeing Survey')
    expect(checked.text).toContain('action="/request/access?study=wellbeing-survey"')
  })

  it('goes straight to the right with one study', async () => {
    await ctx.services.db('studies').where({ slug: 'wellbeing-survey' }).update({ accepting_requests: false })
    const page = await ctx.agent().get('/request').expect(200)
    expect(page.text).toContain('What do you want to do?')
    expect(page.text).not.toContain('name="study"')
    expect(page.text).toContain('<a href="/" class="govuk-back-link">Back</a>')
    await ctx.agent().get('/request/study').expect(302).expect('Location', '/request')
  })
})

describe('the study name and the banner', () => {
  it('names the seed study without "study" twice on the home page and in the confirmation email', async () => {
    const home = await ctx.agent().get('/').expect(200)
    expect(home.text).toContain(
      'took part in the Increasing Diversity in Social Work Management – Online Studies, run by',
    )
    expect(home.text).not.toMatch(/Online Studies study/)

    const agent = ctx.agent()
    const page = await check(agent, 'access', { email: 'jo@example.org' })
    await agent
      .post('/request/access')
      .type('form')
      .send(encodeForm(hiddenFieldsOf(page.text)))
      .expect(303)
    const mail = (await ctx.outbox()).find((m) => m.kind === 'confirm-request')
    expect(mail?.text_body).toContain(
      'about the Increasing Diversity in Social Work Management – Online Studies.',
    )
    expect(mail?.text_body).not.toContain('Online Studies study')
    const html = await ctx.services.db('outbox').where({ id: mail?.id }).first()
    expect(String(html?.html_body)).toContain(
      'about the Increasing Diversity in Social Work Management – Online Studies.',
    )
  })

  it('says the sentence on what correcting, deleting and limiting cover once', async () => {
    const home = await ctx.agent().get('/').expect(200)
    const sentence =
      'can be linked to you only until they are anonymised on extraction from the survey platform'
    expect(home.text.split(sentence)).toHaveLength(2)
    expect(home.text).toContain('This covers the same data as correcting it.')
    expect(home.text).toContain('This covers the same data as correcting or deleting it.')
  })

  it('links the beta banner to feedback by email to the DPO', async () => {
    const home = await ctx.agent().get('/').expect(200)
    expect(home.text).toMatch(
      /govuk-phase-banner__text">[^<]*<a class="govuk-link" href="mailto:dpo@whatworks-csc\.org\.uk\?subject=Feedback%20on%20Your%20data%20rights">give your feedback by email<\/a>/,
    )
  })
})

describe('a configured feedback address', () => {
  it('links the beta banner to FEEDBACK_URL on every page', async () => {
    const configured = await createTestContext({
      env: { FEEDBACK_URL: 'https://forms.example.org/feedback' },
    })
    try {
      for (const path of ['/', '/request', '/staff/login']) {
        const page = await configured.agent().get(path).expect(200)
        expect(page.text).toContain(
          '<a class="govuk-link" href="https://forms.example.org/feedback">give your feedback</a>',
        )
      }
    } finally {
      await configured.destroy()
    }
  })
})
