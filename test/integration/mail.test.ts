import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { SMTPServer } from 'smtp-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mailSender, maxAttempts } from '../../src/mail/sender.js'
import { createMailTransport } from '../../src/mail/transport.js'
import { createTestContext, csrfFrom, type TestContext } from '../helpers/context.js'

interface Received {
  from: string
  to: string[]
  raw: string
}

/** A real SMTP peer on a free loopback port that keeps what it receives. */
async function startSmtp(options: { reject?: boolean } = {}) {
  const received: Received[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        if (options.reject) return callback(new Error('Mailbox unavailable'))
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        })
        callback()
      })
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const port = (server.server.address() as AddressInfo).port
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  }
}

/** Quoted-printable soft line breaks would split links; undo them to read the message. */
const decoded = (raw: string) => raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=')

let ctx: TestContext
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  await ctx.destroy()
})

async function fileRequest(agent: ReturnType<TestContext['agent']>, email: string) {
  const form = await agent.get('/request/access').expect(200)
  await agent
    .post('/request/access')
    .type('form')
    .send({ _csrf: csrfFrom(form.text), email })
    .expect(303)
}

describe('mail over SMTP', () => {
  it('delivers the confirmation email over SMTP and its link confirms the request', async () => {
    const smtp = await startSmtp()
    const transport = createMailTransport({ smtpUrl: smtp.url, dataDir: '/tmp/unused' })
    const sender = mailSender(
      ctx.services.db,
      transport,
      'Portal <no-reply@portal.test>',
      pino({ level: 'silent' }),
    )
    try {
      const agent = ctx.agent()
      await fileRequest(agent, 'jane@example.org')
      const report = await sender.deliverDue(ctx.now())
      expect(report).toEqual({ sent: 1, retried: 0, failed: 0 })
      expect(smtp.received).toHaveLength(1)
      const message = smtp.received[0] as Received
      expect(message.to).toEqual(['jane@example.org'])
      expect(message.from).toBe('no-reply@portal.test')
      const link = /http:\/\/portal\.test(\/confirm\/[A-Za-z0-9_-]{43})/.exec(decoded(message.raw))?.[1]
      expect(link).toBeDefined()
      const page = await agent.get(link as string).expect(200)
      await agent
        .post(link as string)
        .type('form')
        .send({ _csrf: csrfFrom(page.text) })
        .expect(303)
      await sender.deliverDue(ctx.now())
      expect(smtp.received).toHaveLength(2)
      expect(decoded(smtp.received[1]?.raw ?? '')).toContain('DSR-2026-00001')
      const statuses = await ctx.services.db('outbox').pluck('status')
      expect(statuses).toEqual(['sent', 'sent'])
    } finally {
      transport.close()
      await smtp.close()
    }
  })

  it('keeps mail when the server is down and sends it when it is back', async () => {
    const smtp = await startSmtp()
    const url = smtp.url
    await smtp.close()
    const down = createMailTransport({ smtpUrl: url, dataDir: '/tmp/unused' })
    const log = pino({ level: 'silent' })
    await fileRequest(ctx.agent(), 'patient@example.org')
    const first = await mailSender(ctx.services.db, down, 'p@portal.test', log).deliverDue(ctx.now())
    expect(first).toEqual({ sent: 0, retried: 1, failed: 0 })
    const row = await ctx.services.db('outbox').first()
    expect(row).toMatchObject({ status: 'pending', attempts: 1 })
    expect(row.last_error).toBeTruthy()
    down.close()

    const back = await startSmtp()
    const up = createMailTransport({ smtpUrl: back.url, dataDir: '/tmp/unused' })
    try {
      // Not yet due: the retry waits for its backoff.
      expect((await mailSender(ctx.services.db, up, 'p@portal.test', log).deliverDue(ctx.now())).sent).toBe(0)
      ctx.advanceDays(1)
      expect((await mailSender(ctx.services.db, up, 'p@portal.test', log).deliverDue(ctx.now())).sent).toBe(1)
      expect(back.received[0]?.to).toEqual(['patient@example.org'])
    } finally {
      up.close()
      await back.close()
    }
  })

  it('marks a message failed with the error after the last attempt', async () => {
    const smtp = await startSmtp({ reject: true })
    const transport = createMailTransport({ smtpUrl: smtp.url, dataDir: '/tmp/unused' })
    const sender = mailSender(ctx.services.db, transport, 'p@portal.test', pino({ level: 'silent' }))
    try {
      await fileRequest(ctx.agent(), 'bounce@example.org')
      for (let i = 0; i < maxAttempts; i++) {
        await sender.deliverDue(ctx.now())
        ctx.advanceDays(1)
      }
      const row = await ctx.services.db('outbox').first()
      expect(row).toMatchObject({ status: 'failed', attempts: maxAttempts })
      expect(row.last_error).toContain('Mailbox unavailable')
    } finally {
      transport.close()
      await smtp.close()
    }
  })

  it('never sends the same message twice when two senders run at once', async () => {
    const smtp = await startSmtp()
    const a = createMailTransport({ smtpUrl: smtp.url, dataDir: '/tmp/unused' })
    const b = createMailTransport({ smtpUrl: smtp.url, dataDir: '/tmp/unused' })
    const log = pino({ level: 'silent' })
    try {
      for (const email of ['one@example.org', 'two@example.org', 'three@example.org']) {
        await fileRequest(ctx.agent(), email)
      }
      const [ra, rb] = await Promise.all([
        mailSender(ctx.services.db, a, 'p@portal.test', log).deliverDue(ctx.now()),
        mailSender(ctx.services.db, b, 'p@portal.test', log).deliverDue(ctx.now()),
      ])
      expect(ra.sent + rb.sent).toBe(3)
      expect(smtp.received).toHaveLength(3)
    } finally {
      a.close()
      b.close()
      await smtp.close()
    }
  })
})
