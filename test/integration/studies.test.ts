import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { importEmailRecords } from '../../src/records/import.js'
import type { Study } from '../../src/domain/study.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'
import { signedInAgent } from '../helpers/staff.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-12-01T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

const slug = 'increasing-diversity-in-social-work-management'
const studyUrl = `/staff/studies/${slug}`
type Agent = ReturnType<TestContext['agent']>

async function seedStudy(): Promise<Study> {
  return (await ctx.services.studies.findBySlug(slug)) as Study
}

function versionFrom(html: string): string {
  const match = /name="version" value="([^"]+)"/.exec(html)
  if (!match?.[1]) throw new Error('No version on the page')
  return match[1]
}

/** What the study details form holds when it opens. */
function detailsOf(study: Study): Record<string, string> {
  return {
    title: study.title,
    controllerName: study.controllerName,
    controllerAddress: study.controllerAddress,
    dpoEmail: study.dpoEmail,
    privacyNoticeText: study.privacyNoticeText,
    privacyNoticeDate: study.privacyNoticeDate,
    surveyClosesOn: study.surveyClosesOn,
    surveyExtensionMonths: String(study.surveyExtensionMonths),
    platformRetentionMonths: String(study.platformRetentionMonths),
    voucherRetentionMonths: String(study.voucherRetentionMonths),
    acceptingRequests: study.acceptingRequests ? 'yes' : 'no',
    recipients: study.recipients,
    internationalTransfers: study.internationalTransfers,
  }
}

/** Opens a form page and posts it with the given fields, as a browser would. */
async function submit(agent: Agent, page: string, fields: Record<string, string>, action = page) {
  const form = await agent.get(page).expect(200)
  return agent
    .post(action)
    .type('form')
    .send({ _csrf: csrfFrom(form.text), version: versionFrom(form.text), ...fields })
}

async function saveDetails(agent: Agent, changes: Record<string, string>) {
  return submit(agent, `${studyUrl}/edit`, { ...detailsOf(await seedStudy()), ...changes })
}

const postcode = {
  label: 'Postcode',
  purpose: 'To send the voucher by post.',
  lawfulBasis: 'legitimate_interests',
  specialCategory: 'no',
  heldIn: 'Voucher correspondence.',
  retentionRule: 'Kept for 2 months after the voucher was sent.',
  linkedAfterExtraction: 'no',
}

async function studyEvents() {
  return ctx.services
    .db<{ kind: string; actor_type: string; actor_id: string; subject_type: string; data: string }>('events')
    .where({ subject_type: 'study' })
    .orderBy('seq')
}

async function snapshot() {
  return {
    studies: await ctx.services.db('studies').orderBy('id'),
    categories: await ctx.services.db('study_data_categories').orderBy('id'),
    events: (await studyEvents()).length,
  }
}

describe('studies in the staff workspace', () => {
  it('lists studies and shows a study with its data map to every member of staff', async () => {
    for (const role of ['admin', 'dpo', 'auditor'] as const) {
      const { agent } = await signedInAgent(ctx, role)
      const list = await agent.get('/staff/studies').expect(200)
      expect(list.text).toContain('Increasing Diversity in Social Work Management')
      expect(list.text).toContain('31 August 2021')
      expect(list.text).toContain('Survey platform: 6 months after it closes')
      expect(list.text).toContain('Accepting')
      // Email address, the voucher correspondence, and five items of the survey data.
      expect(list.text).toContain('>7<')
      expect(list.text).toContain('href="/staff/studies"')
      const page = await agent.get(studyUrl).expect(200)
      expect(page.text).toContain('Data map')
      expect(page.text).toContain('Ethnicity')
      expect(page.text).toContain('Correspondence about your voucher')
      expect(page.text).toContain('Legitimate interests')
      expect(page.text).toContain('dpo@whatworks-csc.org.uk')
      expect(page.text.includes(`${studyUrl}/edit`)).toBe(role === 'admin')
      expect(page.text.includes(`${studyUrl}/categories/ethnicity`)).toBe(role === 'admin')
    }
  })

  it('sends a signed-out visitor to sign in', async () => {
    const agent = ctx.agent()
    for (const path of [
      '/staff/studies',
      studyUrl,
      `${studyUrl}/edit`,
      `${studyUrl}/new-category`,
      `${studyUrl}/categories/ethnicity`,
      `${studyUrl}/categories/ethnicity/remove`,
    ]) {
      const res = await agent.get(path).expect(303)
      expect(res.headers.location).toBe('/staff/login')
    }
  })

  it('answers an unknown study or category with 404', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await agent.get('/staff/studies/nope').expect(404)
    await agent.get(`${studyUrl}/categories/nope`).expect(404)
    await agent.get(`${studyUrl}/categories/nope/remove`).expect(404)
  })
})

describe('changing the study details', () => {
  it('saves the details and records which fields changed, with values only for dates and months', async () => {
    const { agent, user } = await signedInAgent(ctx, 'admin')
    const res = await saveDetails(agent, {
      title: 'Increasing Diversity – second wave',
      dpoEmail: 'privacy@WhatWorks-CSC.org.uk',
      privacyNoticeText: 'A new notice.\n\nWrite to dpo@whatworks-csc.org.uk.',
      surveyClosesOn: '2021-09-30',
      platformRetentionMonths: '3',
    })
    expect(res.status).toBe(303)
    expect(res.headers.location).toBe(studyUrl)

    const study = await seedStudy()
    expect(study.title).toBe('Increasing Diversity – second wave')
    expect(study.dpoEmail).toBe('privacy@whatworks-csc.org.uk')
    expect(study.surveyClosesOn).toBe('2021-09-30')
    expect(study.platformRetentionMonths).toBe(3)

    const events = await studyEvents()
    expect(events).toHaveLength(1)
    const event = events[0] as (typeof events)[number]
    expect(event.kind).toBe('study.updated')
    expect(event.actor_type).toBe('staff')
    expect(event.actor_id).toBe(user.id)
    expect(JSON.parse(event.data)).toEqual({
      fields: ['title', 'dpoEmail', 'privacyNoticeText', 'surveyClosesOn', 'platformRetentionMonths'],
      changes: {
        surveyClosesOn: { from: '2021-08-31', to: '2021-09-30' },
        platformRetentionMonths: { from: 6, to: 3 },
      },
    })
    expect(event.data).not.toContain('@')

    const page = await agent.get(studyUrl).expect(200)
    expect(page.text).toContain('Study details saved.')
    expect(page.text).toContain('Recent changes')
    expect(page.text).toContain('Survey closes: 31 August 2021 → 30 September 2021')
    expect(page.text).toContain('Test admin')

    const notice = await agent.get(`/privacy-notice/${slug}`).expect(200)
    expect(notice.text).toContain('A new notice.')
    expect(notice.text).toContain('Increasing Diversity – second wave')
  })

  it('records nothing when nothing changed', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const before = await snapshot()
    await saveDetails(agent, {}).then((res) => expect(res.status).toBe(303))
    expect((await agent.get(studyUrl)).text).toContain('Nothing was changed.')
    expect(await snapshot()).toEqual(before)
  })

  it.each([
    ['title', { title: '  ' }],
    ['controllerName', { controllerName: '' }],
    ['controllerAddress', { controllerAddress: '' }],
    ['dpoEmail', { dpoEmail: 'not an address' }],
    ['dpoEmail', { dpoEmail: '' }],
    ['privacyNoticeText', { privacyNoticeText: '' }],
    ['privacyNoticeText', { privacyNoticeText: 'x'.repeat(30_001) }],
    ['privacyNoticeDate', { privacyNoticeDate: '16/06/2021' }],
    ['surveyClosesOn', { surveyClosesOn: '2021-02-30' }],
    ['surveyClosesOn', { surveyClosesOn: '' }],
    ['surveyExtensionMonths', { surveyExtensionMonths: 'twelve' }],
    ['surveyExtensionMonths', { surveyExtensionMonths: '-1' }],
    ['platformRetentionMonths', { platformRetentionMonths: '121' }],
    ['platformRetentionMonths', { platformRetentionMonths: '2.5' }],
    ['voucherRetentionMonths', { voucherRetentionMonths: '' }],
    ['acceptingRequests', { acceptingRequests: 'maybe' }],
  ])('refuses a bad %s with 400, keeps what was typed and changes nothing', async (field, changes) => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const before = await snapshot()
    const res = await saveDetails(agent, { title: 'Typed title', ...changes })
    expect(res.status).toBe(400)
    expect(res.text).toContain('There is a problem')
    expect(res.text).toContain(`href="#${field}"`)
    expect(res.text).toContain('govuk-form-group--error')
    if (field !== 'title') expect(res.text).toContain('value="Typed title"')
    const typed = Object.values(changes)[0] as string
    if (typed.trim() && typed.length < 100 && field !== 'acceptingRequests') expect(res.text).toContain(typed)
    expect(await snapshot()).toEqual(before)
  })

  it('refuses a form opened before someone else saved, with 409, and changes nothing', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const first = await agent.get(`${studyUrl}/edit`).expect(200)
    const second = await agent.get(`${studyUrl}/edit`).expect(200)
    const send = (page: typeof first, changes: Record<string, string>) =>
      seedStudy().then((study) =>
        agent
          .post(`${studyUrl}/edit`)
          .type('form')
          .send({
            _csrf: csrfFrom(page.text),
            version: versionFrom(page.text),
            ...detailsOf(study),
            ...changes,
          }),
      )
    expect((await send(first, { surveyClosesOn: '2021-10-31' })).status).toBe(303)
    const before = await snapshot()
    const stale = await send(second, { voucherRetentionMonths: '4' })
    expect(stale.status).toBe(409)
    expect(stale.text).toContain('Someone changed this study since you opened this page')
    expect(stale.text).toContain('value="2021-10-31"')
    expect(await snapshot()).toEqual(before)
    expect((await seedStudy()).voucherRetentionMonths).toBe(2)
  })

  it('refuses a form without its version', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = await agent.get(`${studyUrl}/edit`).expect(200)
    await agent
      .post(`${studyUrl}/edit`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), ...detailsOf(await seedStudy()), title: 'Changed' })
      .expect(400)
    expect((await seedStudy()).title).not.toBe('Changed')
  })

  it('moves every record’s retention state with the survey close date', async () => {
    const study = await seedStudy()
    await importEmailRecords(
      { db: ctx.services.db, secret: ctx.config.secret, now: ctx.services.now },
      {
        studyId: study.id,
        open: () => Readable.from(['email,participated\nsam@example.org,2021-06-01\n']),
        actor: { type: 'system', id: 'test' },
      },
    )
    const [recordId] = await ctx.services.db('email_records').pluck<string[]>('id')
    const { agent } = await signedInAgent(ctx, 'admin')
    const stateOf = async () => {
      const page = await agent.get(`/staff/records/${recordId}`).expect(200)
      const main = page.text.slice(page.text.indexOf('id="main-content"'))
      return /<strong class="govuk-tag[^"]*">([^<]+)<\/strong>/.exec(main)?.[1]
    }
    expect(await stateOf()).toBe('Retained')
    await saveDetails(agent, { surveyClosesOn: '2022-03-31' }).then((r) => expect(r.status).toBe(303))
    expect(await stateOf()).toBe('Active')
    await saveDetails(agent, { surveyClosesOn: '2021-05-31', platformRetentionMonths: '3' }).then((r) =>
      expect(r.status).toBe(303),
    )
    expect(await stateOf()).toBe('Due for deletion')
    const record = await agent.get(`/staff/records/${recordId}`).expect(200)
    expect(record.text).toContain('31 August 2021')
  })
})

describe('changing the data map', () => {
  it('adds a category with a key made from its name', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const res = await submit(agent, `${studyUrl}/new-category`, { ...postcode, label: 'Home postcode' })
    expect(res.status).toBe(303)
    const dataMap = await ctx.services.studies.dataMap((await seedStudy()).id)
    expect(dataMap.at(-1)).toEqual({
      key: 'home_postcode',
      label: 'Home postcode',
      purpose: postcode.purpose,
      lawfulBasis: 'legitimate_interests',
      specialCategory: false,
      specialCategoryCondition: null,
      heldIn: postcode.heldIn,
      retentionRule: postcode.retentionRule,
      linkedAfterExtraction: false,
    })
    const events = await studyEvents()
    expect(events.map((e) => e.kind)).toEqual(['study.category_added'])
    expect(JSON.parse(events[0]?.data ?? '{}')).toEqual({
      key: 'home_postcode',
      lawfulBasis: 'legitimate_interests',
    })
    const page = await agent.get(studyUrl).expect(200)
    expect(page.text).toContain('Home postcode added to the data map.')
    expect(page.text).toContain('Data added: Home postcode')
  })

  it('adds a category with the key entered, and refuses a key the study already has', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    await submit(agent, `${studyUrl}/new-category`, { ...postcode, key: 'postcode' }).then((r) =>
      expect(r.status).toBe(303),
    )
    const before = await snapshot()
    const again = await submit(agent, `${studyUrl}/new-category`, {
      ...postcode,
      label: 'Postcode again',
      key: 'postcode',
    })
    expect(again.status).toBe(400)
    expect(again.text).toContain('href="#key"')
    expect(again.text).toContain('value="Postcode again"')
    const email = await submit(agent, `${studyUrl}/new-category`, { ...postcode, key: 'email' })
    expect(email.status).toBe(400)
    expect(email.text).toContain('href="#key"')
    expect(await snapshot()).toEqual(before)
  })

  it.each([
    ['label', { label: '' }],
    ['key', { key: 'Post Code!' }],
    ['key', { label: '123', key: '' }],
    ['purpose', { purpose: '' }],
    ['lawfulBasis', { lawfulBasis: 'because' }],
    ['specialCategory', { specialCategory: '' }],
    ['heldIn', { heldIn: ' ' }],
    ['retentionRule', { retentionRule: '' }],
    ['linkedAfterExtraction', { linkedAfterExtraction: 'perhaps' }],
  ])('refuses a new category with a bad %s, with 400, changing nothing', async (field, changes) => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const before = await snapshot()
    const res = await submit(agent, `${studyUrl}/new-category`, {
      ...postcode,
      purpose: 'Typed purpose',
      ...changes,
    })
    expect(res.status).toBe(400)
    expect(res.text).toContain(`href="#${field}"`)
    if (field !== 'purpose') expect(res.text).toContain('Typed purpose')
    expect(await snapshot()).toEqual(before)
  })

  it('changes a category and records the names of the fields changed', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = `${studyUrl}/categories/ethnicity`
    const form = await agent.get(page).expect(200)
    expect(form.text).toContain('value="Ethnicity"')
    expect(form.text).toMatch(/value="consent" checked/)
    expect(form.text).toMatch(/value="explicit_consent" checked/)
    const withoutCondition = await submit(agent, page, {
      label: 'Ethnic group',
      purpose: 'Demographic analysis in the research.',
      lawfulBasis: 'public_task',
      specialCategory: 'yes',
      heldIn: 'The survey platform.',
      retentionRule: 'Anonymised on extraction.',
      linkedAfterExtraction: 'no',
    })
    expect(withoutCondition.status).toBe(400)
    expect(withoutCondition.text).toContain('href="#specialCategoryCondition"')
    const res = await submit(agent, page, {
      label: 'Ethnic group',
      purpose: 'Demographic analysis in the research.',
      lawfulBasis: 'public_task',
      specialCategory: 'yes',
      specialCategoryCondition: 'archiving_research',
      heldIn: 'The survey platform; contact dpo@whatworks-csc.org.uk.',
      retentionRule: 'Anonymised on extraction.',
      linkedAfterExtraction: 'no',
    })
    expect(res.status).toBe(303)
    const category = (await ctx.services.studies.dataMap((await seedStudy()).id)).find(
      (c) => c.key === 'ethnicity',
    )
    expect(category?.label).toBe('Ethnic group')
    expect(category?.lawfulBasis).toBe('public_task')
    const events = await studyEvents()
    expect(events.map((e) => e.kind)).toEqual(['study.category_updated'])
    expect(JSON.parse(events[0]?.data ?? '{}')).toEqual({
      key: 'ethnicity',
      fields: ['label', 'lawfulBasis', 'specialCategoryCondition', 'heldIn', 'retentionRule'],
      changes: {
        lawfulBasis: { from: 'consent', to: 'public_task' },
        specialCategoryCondition: { from: 'explicit_consent', to: 'archiving_research' },
      },
    })
    const study = await agent.get(studyUrl).expect(200)
    expect(study.text).toContain('Data changed: Ethnic group')
    expect(study.text).toContain('Lawful basis: Consent → Public task')
    expect(study.text).toContain(
      'Article 9 condition: Explicit consent (Art. 9(2)(a)) → Archiving, research and statistics (Art. 9(2)(j))',
    )
    expect(study.text).toContain('Yes: Archiving, research and statistics (Art. 9(2)(j))')
  })

  it('refuses a bad change to a category with 400, keeping what was typed', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const before = await snapshot()
    const res = await submit(agent, `${studyUrl}/categories/sex`, {
      ...postcode,
      label: 'Gender',
      lawfulBasis: '',
    })
    expect(res.status).toBe(400)
    expect(res.text).toContain('href="#lawfulBasis"')
    expect(res.text).toContain('value="Gender"')
    expect(await snapshot()).toEqual(before)
  })

  it('removes a category after a confirmation step', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const confirm = await agent.get(`${studyUrl}/categories/age/remove`).expect(200)
    expect(confirm.text).toContain('Remove Age from the data map?')
    const res = await submit(agent, `${studyUrl}/categories/age/remove`, {})
    expect(res.status).toBe(303)
    const keys = (await ctx.services.studies.dataMap((await seedStudy()).id)).map((c) => c.key)
    expect(keys).not.toContain('age')
    const events = await studyEvents()
    expect(events.map((e) => e.kind)).toEqual(['study.category_removed'])
    expect(JSON.parse(events[0]?.data ?? '{}')).toEqual({ key: 'age' })
    const page = await agent.get(studyUrl).expect(200)
    expect(page.text).toContain('Age removed from the data map.')
    expect(page.text).toContain('Data removed: age')
  })

  it('refuses to remove the email address', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const confirm = await agent.get(`${studyUrl}/categories/email/remove`).expect(200)
    expect(confirm.text).not.toContain('Yes, remove it')
    expect(confirm.text).not.toContain('name="version"')
    const before = await snapshot()
    // The page offers no button; a hand-made post is refused all the same.
    const edit = await agent.get(`${studyUrl}/categories/email`).expect(200)
    expect(edit.text).not.toContain(`${studyUrl}/categories/email/remove`)
    const refused = await agent
      .post(`${studyUrl}/categories/email/remove`)
      .type('form')
      .send({ _csrf: csrfFrom(edit.text), version: versionFrom(edit.text) })
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('href="#remove"')
    expect(refused.text).toContain('every email record is about it')
    expect(await snapshot()).toEqual(before)
  })
})

describe('who may change a study', () => {
  const posts = [
    `${studyUrl}/edit`,
    `${studyUrl}/new-category`,
    `${studyUrl}/categories/ethnicity`,
    `${studyUrl}/categories/ethnicity/remove`,
  ]

  it('refuses every change without the CSRF token', async () => {
    const { agent } = await signedInAgent(ctx, 'admin')
    const page = await agent.get(`${studyUrl}/edit`).expect(200)
    const before = await snapshot()
    for (const path of posts) {
      await agent
        .post(path)
        .type('form')
        .send({ version: versionFrom(page.text), ...detailsOf(await seedStudy()), ...postcode })
        .expect(403)
    }
    expect(await snapshot()).toEqual(before)
  })

  it.each(['dpo', 'auditor'] as const)('lets the %s read but not change anything', async (role) => {
    const { agent } = await signedInAgent(ctx, role)
    const page = await agent.get(studyUrl).expect(200)
    for (const path of posts) await agent.get(path).expect(403)
    const before = await snapshot()
    const version = (await ctx.services.studyAdmin.load(slug)).version
    for (const path of posts) {
      await agent
        .post(path)
        .type('form')
        .send({ _csrf: csrfFrom(page.text), version, ...detailsOf(await seedStudy()), ...postcode })
        .expect(403)
    }
    expect(await snapshot()).toEqual(before)
  })
})
