import { Readable } from 'node:stream'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/jobs/maintenance.js'
import { importEmailRecords } from '../../src/records/import.js'
import { keepBack, surveyPlatformParts } from '../helpers/cases.js'
import { createTestContext, csrfFrom, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest, insertOpenRequest } from '../helpers/requests.js'
import { signedInAgent } from '../helpers/staff.js'

type Agent = ReturnType<TestContext['agent']>

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2021-11-01T10:00:00Z' })
  const studyId = (await ctx.services.studies.listAccepting())[0]!.id
  await importEmailRecords(
    { db: ctx.services.db, secret: testSecret, now: ctx.now },
    {
      studyId,
      open: () =>
        Readable.from([
          'email,participated,voucher sent,extracted\nlinked@example.org,2021-06-01,,\nvoucher@example.org,2021-06-01,2021-10-20,\nextracted@example.org,2021-06-01,,2021-09-15\n',
        ]),
      actor: { type: 'system', id: 'test' },
    },
  )
})
afterEach(async () => {
  await ctx.destroy()
})

async function casePage(agent: Agent, requestId: string) {
  const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
  return {
    page,
    csrf: csrfFrom(page.text),
    version: /name="version" value="(\d+)"/.exec(page.text)?.[1] ?? '',
  }
}

async function act(agent: Agent, requestId: string, name: string, fields: Record<string, string> = {}) {
  const { csrf, version } = await casePage(agent, requestId)
  return agent
    .post(`/staff/requests/${requestId}/${name}`)
    .type('form')
    .send({ _csrf: csrf, version, ...fields })
}

async function done(pending: Promise<{ status: number; text: string }>) {
  const res = await pending
  expect(res.status, res.text.slice(0, 2000)).toBe(303)
  return res
}

const fileRows = (requestId: string) =>
  ctx.services.db('request_files').where({ request_id: requestId }).orderBy('created_at')

function fileLinks(html: string): string[] {
  return [...html.matchAll(/href="(\/status\/[^"]+\/files\/[^"]+)"/g)].map((m) => m[1]!)
}

const requestRowOf = (requestId: string) =>
  ctx.services.db('rights_requests').where({ id: requestId }).first()

async function upload(agent: Agent, requestId: string, name: string, content: string) {
  const { csrf } = await casePage(agent, requestId)
  return agent
    .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
    .attach('attachment', Buffer.from(content), name)
}

/** The survey data still linked to the address is kept back, on a ground, with the reasons. */
const keepSurveyDataBack = (agent: Agent, requestId: string) =>
  keepBack(agent, requestId, surveyPlatformParts, {
    ground: 'research_statistics',
    reasoning:
      'The survey answers are held only for the research and are not used to make decisions about you.',
  })

describe('the access answer', () => {
  it('is prepared as a draft from the record, published on completion and downloaded for 30 days', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'voucher@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')

    const early = await act(agent, requestId, 'complete', { letter: 'Here it is.' })
    expect(early.status).toBe(400)
    expect(early.text).toContain('href="#parts"')
    expect(early.text).toContain('Email address: Prepare the answer')

    await done(act(agent, requestId, 'prepare-answer'))
    const [draft] = await fileRows(requestId)
    const linkedOnly = await act(agent, requestId, 'complete', { letter: 'Here it is.' })
    expect(linkedOnly.status).toBe(400)
    expect(linkedOnly.text).toContain('href="#parts"')
    expect(linkedOnly.text).toContain('Attach the copy from the survey platform and prepare the answer again')
    expect((await requestRowOf(requestId)).status).toBe('received')
    expect(draft).toMatchObject({ kind: 'access_answer', published_at: null })
    const answer = JSON.parse(Buffer.from(draft.body as Buffer).toString('utf8')) as Record<string, unknown>
    expect(answer).toMatchObject({
      kind: 'access',
      emailRecord: {
        emailAddress: 'voucher@example.org',
        tookPartOn: '2021-06-01',
        voucherSentOn: '2021-10-20',
      },
      automatedDecisions: expect.stringContaining('do not make any decisions') as unknown,
    })
    const prepared = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'case.answer_prepared' })
      .first()
    expect(JSON.parse(String(prepared.data))).toMatchObject({
      evidence: { state: 'retained', answersLinked: true },
    })

    // Nothing shows on the person's page until the answer is sent.
    const before = await ctx.agent().get(`/status/${statusToken}`).expect(200)
    expect(fileLinks(before.text)).toEqual([])
    const staffPreview = await agent.get(`/staff/requests/${requestId}/files/${draft.id}/html`).expect(200)
    expect(staffPreview.headers['content-disposition']).toContain('attachment')

    // The copy from the survey platform goes with the answer, prepared again to include it.
    expect((await upload(agent, requestId, 'platform-export.csv', 'question,answer\nq1,yes\n')).status).toBe(
      303,
    )
    // The voucher correspondence is held in a mailbox: until a copy is attached it is still to do.
    await done(act(agent, requestId, 'prepare-answer'))
    const noVoucherCopy = await act(agent, requestId, 'complete', { letter: 'Your answer is ready.' })
    expect(noVoucherCopy.status).toBe(400)
    expect(noVoucherCopy.text).toContain('Attach a copy of the voucher correspondence')
    expect(
      (await upload(agent, requestId, 'voucher-correspondence.txt', 'Your voucher code is on its way.\n'))
        .status,
    ).toBe(303)
    await done(act(agent, requestId, 'prepare-answer'))
    const { page } = await casePage(agent, requestId)
    expect(page.text).toContain(
      'Our answer includes your email address, correspondence about your voucher, occupation, sex, age, ethnicity and',
    )
    expect(page.text).toContain('You can download it, as a page you can read and as a data file')
    expect(page.text).toContain('until 1 December 2021')
    await done(act(agent, requestId, 'complete', { letter: 'Your answer is ready.' }))
    expect(await requestRowOf(requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' })
    const sent = await fileRows(requestId)
    expect(sent).toMatchObject([
      { kind: 'attachment', published_at: expect.any(String) as unknown },
      { kind: 'attachment', published_at: expect.any(String) as unknown },
      { kind: 'access_answer', published_at: expect.any(String) as unknown },
    ])

    const person = ctx.agent()
    const status = await person.get(`/status/${statusToken}`).expect(200)
    const links = fileLinks(status.text)
    expect(links).toHaveLength(4)
    expect(links.filter((l) => l.endsWith('/file'))).toHaveLength(2)
    const html = await person.get(links.find((l) => l.endsWith('/html'))!).expect(200)
    expect(html.headers['content-type']).toContain('text/html')
    expect(html.headers['cache-control']).toBe('no-store')
    expect(html.headers['content-security-policy']).toContain('sandbox')
    expect(html.text).toContain('voucher@example.org')
    expect(html.text).toContain('Lawful basis')
    expect(html.text).toContain('Office for National Statistics Secure Research Service')
    expect(html.text).toContain('Standard Contractual Clauses')
    expect(html.text).toContain('Information Commissioner')
    const json = await person.get(links.find((l) => l.endsWith('/json'))!).expect(200)
    expect(json.body).toMatchObject({
      reference: expect.any(String),
    })
    const downloads = await ctx.services
      .db('events')
      .where({ subject_id: requestId, kind: 'download.fetched' })
    expect(downloads).toHaveLength(2)
    expect(downloads[0]).toMatchObject({ actor_type: 'participant' })

    // Expiry is checked at the moment of download.
    // Published on 1 November: downloadable through 1 December, London time, and not after.
    ctx.setNow('2021-12-01T23:59:00Z')
    await person.get(links[0]!).expect(200)
    ctx.setNow('2021-12-02T00:00:00Z')
    const expired = await person.get(links[0]!).expect(410)
    expect(expired.text).toContain('This download has expired')
    const later = await person.get(`/status/${statusToken}`).expect(200)
    expect(later.text).toContain('Expired: it was available until 1 December 2021')
    const report = await runMaintenance(ctx.services)
    expect(report.expiredFilesPurged).toBe(3)
    const removed = await ctx.services.db('events').where({ kind: 'downloads.expired_removed' }).pluck('data')
    expect(removed).toHaveLength(1)
    expect((JSON.parse(String(removed[0])) as { files: string[] }).files.sort()).toEqual(
      sent.map((f: { id: string }) => f.id).sort(),
    )
    expect(await fileRows(requestId)).toMatchObject([
      { body: null, purged_at: expect.any(String) as unknown },
      { body: null, purged_at: expect.any(String) as unknown },
      { body: null, purged_at: expect.any(String) as unknown },
    ])
  })

  it('says plainly when the survey answers are anonymised', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'extracted@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await done(act(agent, requestId, 'prepare-answer'))
    const [file] = await fileRows(requestId)
    const answer = JSON.parse(Buffer.from(file.body as Buffer).toString('utf8')) as {
      data: { category: string; held: string }[]
    }
    expect(answer.data.find((d) => d.category === 'Email address')?.held).toBe('held')
    expect(answer.data.find((d) => d.category === 'Ethnicity')?.held).toBe('anonymised')
  })

  it('can be answered with no data held without preparing a file', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'stranger@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { page } = await casePage(agent, requestId)
    expect(page.text).toContain('found no record of your email address')
    await done(act(agent, requestId, 'complete', { letter: 'We hold nothing.' }))
    expect(await requestRowOf(requestId)).toMatchObject({ status: 'completed', outcome: 'no_data_held' })
    expect(await fileRows(requestId)).toEqual([])
  })

  it('takes attachments of the permitted kinds, and a draft one can be removed', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { csrf } = await casePage(agent, requestId)
    const upload = (name: string, content: string) =>
      agent
        .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
        .attach('attachment', Buffer.from(content), name)

    const refused = await upload('answers.exe', 'MZ')
    expect(refused.status).toBe(400)
    expect(refused.text).toContain('The file must be one of')
    const empty = await agent
      .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`)
      .field('nothing', '')
    expect(empty.status).toBe(400)
    expect(empty.text).toContain('Choose a file to attach')
    const noToken = await agent
      .post(`/staff/requests/${requestId}/attachments`)
      .attach('attachment', Buffer.from('a,b'), 'answers.csv')
    expect(noToken.status).toBe(403)
    expect(await fileRows(requestId)).toHaveLength(0)

    await upload('../platform export.csv', 'question,answer\nq1,yes\n').expect(303)
    await upload('spare.txt', 'spare').expect(303)
    const files = await fileRows(requestId)
    expect(files.map((f: { filename: string }) => f.filename)).toEqual(['platform_export.csv', 'spare.txt'])
    const { csrf: csrf2 } = await casePage(agent, requestId)
    await agent
      .post(`/staff/requests/${requestId}/attachments/${files[1].id}/remove`)
      .type('form')
      .send({ _csrf: csrf2 })
      .expect(303)
    await done(act(agent, requestId, 'prepare-answer'))
    await done(act(agent, requestId, 'complete', { letter: 'Attached.' }))
    expect(await requestRowOf(requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' })
    const status = await ctx.agent().get(`/status/${statusToken}`).expect(200)
    const attachment = fileLinks(status.text).find((l) => l.endsWith('/file'))!
    const got = await ctx.agent().get(attachment).expect(200)
    expect(got.headers['content-disposition']).toContain('platform_export.csv')
    expect(got.text).toBe('question,answer\nq1,yes\n')
    expect(
      await ctx.services
        .db('events')
        .where({ subject_id: requestId })
        .whereIn('kind', ['case.file_attached', 'case.file_removed'])
        .pluck('kind'),
    ).toEqual(['case.file_attached', 'case.file_attached', 'case.file_removed'])
  })

  it('refuses attachments for an auditor', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'auditor')
    const page = await agent.get(`/staff/requests/${requestId}`).expect(200)
    await agent
      .post(`/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrfFrom(page.text))}`)
      .attach('attachment', Buffer.from('x'), 'x.txt')
      .expect(403)
  })
})

describe('the portability answer', () => {
  it('holds the consent-based data the DPO copies in, as JSON and CSV, and names what is out of scope', async () => {
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, {
      email: 'linked@example.org',
      type: 'portability',
    })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { page } = await casePage(agent, requestId)
    expect(page.text).toContain('name="value-ethnicity"')
    const tooLong = await act(agent, requestId, 'prepare-answer', { 'value-ethnicity': 'x'.repeat(2001) })
    expect(tooLong.status).toBe(400)
    expect(tooLong.text).toContain('Ethnicity must be 2000 characters or fewer')
    expect(await fileRows(requestId)).toHaveLength(0)

    await done(act(agent, requestId, 'prepare-answer', { 'value-ethnicity': '=HYPERLINK("x")' }))
    await done(act(agent, requestId, 'complete', { letter: 'Ready.' }))
    expect(await requestRowOf(requestId)).toMatchObject({ status: 'completed', outcome: 'fulfilled' })
    const person = ctx.agent()
    const links = fileLinks((await person.get(`/status/${statusToken}`)).text)
    const json = (await person.get(links.find((l) => l.endsWith('/json'))!).expect(200)).body as {
      data: { key: string; value: string }[]
      outOfScope: { category: string; article: string }[]
    }
    expect(json.data).toEqual([expect.objectContaining({ key: 'ethnicity', value: '=HYPERLINK("x")' })])
    expect(json.outOfScope.find((o) => o.category === 'Email address')?.article).toBe('Article 20(1)')
    expect(json.outOfScope.find((o) => o.category === 'Occupation')?.article).toBe('Article 20(3)')
    const csv = await person.get(links.find((l) => l.endsWith('/csv'))!).expect(200)
    expect(csv.headers['content-type']).toContain('text/csv')
    expect(csv.text.split('\r\n')[0]).toBe('category,label,value,lawful_basis,provided_on')
    expect(csv.text).toContain(`ethnicity,Ethnicity,"'=HYPERLINK(""x"")",Consent,2021-06-01`)
  })
})

describe('erasure and downloads', () => {
  it('revokes every download of the record when the address is erased', async () => {
    const access = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await done(act(agent, access.requestId, 'prepare-answer'))
    await keepSurveyDataBack(agent, access.requestId)
    await done(act(agent, access.requestId, 'complete', { letter: 'Ready.' }))
    expect(await requestRowOf(access.requestId)).toMatchObject({
      status: 'completed',
      outcome: 'partly_fulfilled',
    })
    const statusPage = await ctx.agent().get(`/status/${access.statusToken}`).expect(200)
    // Answered only in part, and the person's page says so rather than "Completed".
    expect(statusPage.text).toContain('Partly fulfilled')
    expect(statusPage.text).toContain('we did not do all of what you asked')
    expect(statusPage.text).not.toContain('>Completed<')
    const link = fileLinks(statusPage.text)[0]!

    const erasure = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    await done(act(agent, erasure.requestId, 'erase-record', { confirm: 'yes' }))
    const gone = await ctx.agent().get(link).expect(410)
    expect(gone.text).toContain('This file has been deleted')
    expect(await fileRows(access.requestId)).toMatchObject([{ body: null, revoke_reason: 'erasure_request' }])
    expect(
      await ctx.services.db('events').where({ kind: 'record.downloads_revoked' }).pluck('subject_type'),
    ).toEqual(['email_record'])
    const { page } = await casePage(agent, erasure.requestId)
    expect(page.text).toContain('We deleted your email address on 1 November 2021')
  })
})

describe('refusing an erasure', () => {
  it('needs an Article 17(3) exemption only erasure may use, and the reasons written in', async () => {
    const erasure = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    const access = await fileConfirmedRequest(ctx, { email: 'extracted@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { page } = await casePage(agent, erasure.requestId)
    expect(page.text).toContain('Public health (Art. 17(3)(c))')
    expect((await casePage(agent, access.requestId)).page.text).not.toContain('Art. 17(3)(c)')

    const wrongType = await act(agent, access.requestId, 'refuse', {
      ground: 'research_exemption',
      letter: 'Because.',
    })
    expect(wrongType.status).toBe(400)
    expect(wrongType.text).toContain('Article 17(3) exemptions apply only to erasure requests')

    const unfinished = await act(agent, erasure.requestId, 'refuse', {
      ground: 'research_exemption',
      letter: 'We have decided not to act. [Give the reasons.]',
    })
    expect(unfinished.status).toBe(400)
    expect(unfinished.text).toContain('Replace [Give the reasons.] with the reasons for the refusal')

    await done(
      act(agent, erasure.requestId, 'refuse', {
        ground: 'research_exemption',
        letter: 'Removing one participant would bias the sample past repair.',
      }),
    )
    const letter = (await ctx.outbox()).find((m) => m.kind === 'case-refusal')
    expect(letter?.text_body).toContain('Research: erasure would seriously impair it (Art. 17(3)(d))')
    expect(letter?.text_body).toContain('judicial remedy')
  })
})

describe('what the answer may not do', () => {
  const ready = { letter: 'Ready.' }

  it('one status link never opens another request’s file, and a HEAD is not a download', async () => {
    const a = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const b = await fileConfirmedRequest(ctx, { email: 'extracted@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await keepSurveyDataBack(agent, a.requestId)
    for (const r of [a, b]) {
      await done(act(agent, r.requestId, 'prepare-answer'))
      await done(act(agent, r.requestId, 'complete', ready))
    }
    expect((await requestRowOf(a.requestId)).outcome).toBe('partly_fulfilled')
    // Only the email address of b is still linked to it; the rest was anonymised on extraction.
    expect((await requestRowOf(b.requestId)).outcome).toBe('fulfilled')
    const [fileOfB] = await fileRows(b.requestId)
    await ctx.agent().get(`/status/${a.statusToken}/files/${fileOfB.id}/html`).expect(404)
    await agent.get(`/staff/requests/${a.requestId}/files/${fileOfB.id}/json`).expect(404)
    const link = fileLinks((await ctx.agent().get(`/status/${a.statusToken}`)).text)[0]!
    await ctx.agent().head(link).expect(200)
    expect(await ctx.services.db('events').where({ kind: 'download.fetched' })).toHaveLength(0)
  })

  it('is prepared again when a file is attached or the record changes after it was prepared', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await done(act(agent, requestId, 'prepare-answer'))
    expect((await upload(agent, requestId, 'answers.csv', 'q,a\n')).status).toBe(303)
    const stale = await act(agent, requestId, 'complete', ready)
    expect(stale.status).toBe(400)
    expect(stale.text).toContain('href="#answer"')
    expect(stale.text).toContain('changed since the answer was prepared')
    await done(act(agent, requestId, 'prepare-answer'))
    await ctx.services
      .db('email_records')
      .where({ email_hmac: ctx.services.emailKey('linked@example.org') })
      .update({ participated_on: '2021-06-02' })
    const changed = await act(agent, requestId, 'complete', ready)
    expect(changed.status).toBe(400)
    expect(changed.text).toContain('changed since the answer was prepared')
    await done(act(agent, requestId, 'prepare-answer'))
    await done(act(agent, requestId, 'complete', ready))
    expect((await requestRowOf(requestId)).outcome).toBe('fulfilled')
    const answer = (await fileRows(requestId)).find((f: { kind: string }) => f.kind === 'access_answer')
    expect(JSON.parse(Buffer.from(answer.body as Buffer).toString('utf8'))).toMatchObject({
      attachments: ['answers.csv'],
    })
  })

  it('cannot be sent once erasure has revoked the prepared files', async () => {
    const access = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await done(act(agent, access.requestId, 'prepare-answer'))
    const erasure = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'erasure' })
    await done(act(agent, erasure.requestId, 'erase-record', { confirm: 'yes' }))
    // The record was held when this request was confirmed and erased during it (by the erasure
    // request): it is never called "deleted before", and the revoked answer is prepared again.
    const { page } = await casePage(agent, access.requestId)
    expect(page.text).not.toContain('before this request')
    const res = await act(agent, access.requestId, 'complete', ready)
    expect(res.status).toBe(400)
    expect(res.text).toContain('Prepare the answer')
    expect((await requestRowOf(access.requestId)).status).toBe('received')
  })

  it('leaves no unsent draft behind when the request is refused, closed or withdrawn', async () => {
    const { agent } = await signedInAgent(ctx, 'dpo')
    const refused = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    await done(act(agent, refused.requestId, 'prepare-answer'))
    expect((await upload(agent, refused.requestId, 'answers.csv', 'q,a\n')).status).toBe(303)
    await done(
      act(agent, refused.requestId, 'refuse', {
        ground: 'manifestly_excessive',
        letter: 'A repeat request.',
      }),
    )
    expect(await fileRows(refused.requestId)).toEqual([])
    const withdrawn = await fileConfirmedRequest(ctx, { email: 'extracted@example.org' })
    await done(act(agent, withdrawn.requestId, 'prepare-answer'))
    await ctx.services.intake.withdraw(withdrawn.statusToken)
    expect(await fileRows(withdrawn.requestId)).toEqual([])
    const closed = await fileConfirmedRequest(ctx, { email: 'linked@example.org', type: 'portability' })
    await done(act(agent, closed.requestId, 'prepare-answer'))
    // The same person's portability request the portal did not match when this one was confirmed.
    await insertOpenRequest(ctx, {
      type: 'portability',
      email: 'linked@example.org',
      reference: 'DSR-2021-00090',
      receivedAt: '2021-10-30T10:00:00Z',
    })
    await done(
      act(agent, closed.requestId, 'close', {
        as: 'duplicate',
        duplicateOf: 'DSR-2021-00090',
        confirm: 'yes',
      }),
    )
    expect((await requestRowOf(closed.requestId)).status).toBe('duplicate')
    expect(await fileRows(closed.requestId)).toEqual([])
  })

  it('is revoked by the retention sweep too', async () => {
    ctx.setNow('2022-02-20T10:00:00Z')
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email: 'extracted@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    await done(act(agent, requestId, 'prepare-answer'))
    await done(act(agent, requestId, 'complete', ready))
    expect((await requestRowOf(requestId)).outcome).toBe('fulfilled')
    const link = fileLinks((await ctx.agent().get(`/status/${statusToken}`)).text)[0]!
    ctx.setNow('2022-03-10T10:00:00Z')
    const report = await ctx.services.sweep.run()
    // The three records of the study are all past the platform's retention by now.
    expect(report.erased).toBe(3)
    await ctx.agent().get(link).expect(410)
    expect(await fileRows(requestId)).toMatchObject([{ body: null, revoke_reason: 'retention_schedule' }])
  })

  it('answers a malformed or cut-off upload with 400 and keeps serving', async () => {
    const { requestId } = await fileConfirmedRequest(ctx, { email: 'linked@example.org' })
    const { agent } = await signedInAgent(ctx, 'dpo')
    const { csrf } = await casePage(agent, requestId)
    const url = `/staff/requests/${requestId}/attachments?_csrf=${encodeURIComponent(csrf)}`
    await agent.post(url).set('Content-Type', 'multipart/form-data').send('garbage').expect(400)
    await agent
      .post(url)
      .set('Content-Type', 'multipart/form-data; boundary=XYZ')
      .send('--XYZ\r\nContent-Disposition: form-data; name="attachment"; filename="a.txt"\r\n\r\nhello')
      .expect(400)
    expect(await fileRows(requestId)).toEqual([])
    await agent.get(`/staff/requests/${requestId}`).expect(200)
  })
})
