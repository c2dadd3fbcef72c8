import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runMaintenance } from '../../src/jobs/maintenance.js'
import { purgeClosedRequestContacts } from '../../src/requests/contact-retention.js'
import { createTestContext, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

/** A request from this address, withdrawn by the person (so closed) at the given instant. */
async function closedAt(instant: string, email: string): Promise<string> {
  ctx.setNow(instant)
  const { requestId, statusToken } = await fileConfirmedRequest(ctx, { email })
  await ctx.services.db('rights_requests').where({ id: requestId }).update({ requester_name: 'Sam Person' })
  await ctx.services.intake.withdraw(statusToken)
  return requestId
}

const request = (id: string) => ctx.services.db('rights_requests').where({ id }).first()

describe('contact details of closed requests', () => {
  it('are removed once the retention period after closing has passed, and the chain still verifies', async () => {
    const old = await closedAt('2024-02-01T09:00:00Z', 'old@example.org')
    const recent = await closedAt('2024-04-01T09:00:00Z', 'recent@example.org')
    // Closed on 2 March 2024: kept through 2 March 2026, today.
    const lastDay = await closedAt('2024-03-02T09:00:00Z', 'last-day@example.org')
    // 23:30 UTC on 1 March 2024 is still 1 March in London (GMT): due today.
    const dayBefore = await closedAt('2024-03-01T23:30:00Z', 'day-before@example.org')
    const open = await fileConfirmedRequest(ctx, { email: 'open@example.org' })
    ctx.setNow('2026-03-02T10:00:00Z')
    const hmacBefore = (await request(old)).email_hmac

    const report = await runMaintenance(ctx.services)
    expect(report.contactsPurged).toBe(2)

    for (const id of [old, dayBefore]) {
      expect(await request(id)).toMatchObject({ email: null, requester_name: null, status: 'withdrawn' })
    }
    expect((await request(old)).email_hmac).toBe(hmacBefore)
    expect(await request(recent)).toMatchObject({ email: 'recent@example.org', requester_name: 'Sam Person' })
    expect(await request(lastDay)).toMatchObject({ email: 'last-day@example.org' })
    expect(await request(open.requestId)).toMatchObject({ email: 'open@example.org' })
    const mail = await ctx.services.db('outbox').where({ request_id: old })
    expect(mail.length).toBeGreaterThan(0)
    expect(mail.every((m: { to_address: string | null }) => m.to_address === null)).toBe(true)

    const events = await ctx.services.db('events').where({ kind: 'request.contact_purged' }).orderBy('seq')
    expect(events.map((e: { subject_id: string }) => e.subject_id)).toEqual([old, dayBefore])
    expect(JSON.parse(String(events[0].data))).toEqual({
      removed: ['email', 'name'],
      closedOn: '2024-02-01',
      keptUntil: '2026-02-01',
      retentionMonths: 24,
    })
    expect(JSON.stringify(events)).not.toContain('example.org')

    expect((await runMaintenance(ctx.services)).contactsPurged).toBe(0)
    expect(await ctx.services.audit.verify('cli')).toMatchObject({ result: 'ok', firstBreak: null })
  })

  it('go from the letters and the request details too, leaving what was decided', async () => {
    ctx.setNow('2024-02-01T09:00:00Z')
    const { requestId, statusToken } = await fileConfirmedRequest(ctx, {
      email: 'old@example.org',
      type: 'rectification',
      details: {
        type: 'rectification',
        inaccurate: 'My address old@example.org',
        correction: 'new@example.net',
      },
    })
    await ctx.services.db('rights_requests').where({ id: requestId }).update({ requester_name: 'Sam Person' })
    await ctx.services.db('request_messages').insert({
      id: 'letter-1',
      request_id: requestId,
      direction: 'to_person',
      kind: 'message',
      subject: 'About your request',
      body: 'Dear Sam Person,\n\nWe will correct old@example.org to new@example.net.',
      created_at: ctx.now().toISOString(),
    })
    await ctx.services.intake.withdraw(statusToken)
    ctx.setNow('2026-03-02T10:00:00Z')
    // The contact purge alone: by default maintenance then removes the case's text as well.
    const { db, requests, now } = ctx.services
    await purgeClosedRequestContacts({ db, requests, now, months: 24 })
    const letter = await ctx.services.db('request_messages').where({ id: 'letter-1' }).first()
    expect(letter.body).toBe(
      'Dear [name removed],\n\nWe will correct [address removed] to [address removed].',
    )
    const row = await request(requestId)
    expect(JSON.parse(String(row.details))).toMatchObject({
      inaccurate: 'My address [address removed]',
      correction: '[address removed]',
    })
  })

  it('are found a page at a time', async () => {
    const ids = [
      await closedAt('2023-05-01T09:00:00Z', 'a@example.org'),
      await closedAt('2023-05-01T09:00:00Z', 'b@example.org'),
      await closedAt('2024-01-01T09:00:00Z', 'c@example.org'),
    ]
    await closedAt('2024-03-02T09:00:00Z', 'kept@example.org')
    ctx.setNow('2026-03-02T10:00:00Z')
    const deps = { db: ctx.services.db, requests: ctx.services.requests, now: ctx.services.now, months: 24 }
    expect(await purgeClosedRequestContacts(deps, 1)).toBe(3)
    for (const id of ids) expect((await request(id)).email).toBeNull()
  })

  it('follow CONTACT_RETENTION_MONTHS', async () => {
    await ctx.destroy()
    ctx = await createTestContext({ now: '2026-03-02T10:00:00Z', env: { CONTACT_RETENTION_MONTHS: '12' } })
    const closed = await closedAt('2025-02-01T09:00:00Z', 'a@example.org')
    ctx.setNow('2026-03-02T10:00:00Z')
    expect((await runMaintenance(ctx.services)).contactsPurged).toBe(1)
    expect(await request(closed)).toMatchObject({ email: null })
  })
})

describe('maintenance', () => {
  it('records minimising old sent mail as one event, without the addresses', async () => {
    ctx.setNow('2026-02-01T10:00:00Z')
    await fileConfirmedRequest(ctx, { email: 'sent@example.org' })
    await ctx.services.db('outbox').update({ status: 'sent' })
    ctx.setNow('2026-03-02T10:00:00Z')
    const report = await runMaintenance(ctx.services)
    expect(report.sentMailMinimised).toBeGreaterThan(0)
    const events = await ctx.services.db('events').where({ kind: 'mail.minimised' })
    expect(events).toHaveLength(1)
    expect(JSON.parse(String(events[0].data))).toMatchObject({ messages: report.sentMailMinimised })
    expect((await runMaintenance(ctx.services)).sentMailMinimised).toBe(0)
    expect(await ctx.services.db('events').where({ kind: 'mail.minimised' })).toHaveLength(1)
  })
})

describe('a request reopened after it was listed for removal', () => {
  it('keeps its contact details: only a closed request loses them', async () => {
    const id = await closedAt('2024-02-01T09:00:00Z', 'reopened@example.org')
    ctx.setNow('2026-03-02T10:00:00Z')
    // Reopened between the listing and the removal.
    await ctx.services.db('rights_requests').where({ id }).update({ status: 'received', closed_at: null })
    const removed = await ctx.services.db.transaction((trx) =>
      ctx.services.requests.removeContact(trx, id, ctx.now()),
    )
    expect(removed).toBe(false)
    expect(await request(id)).toMatchObject({ email: 'reopened@example.org', requester_name: 'Sam Person' })
  })
})
