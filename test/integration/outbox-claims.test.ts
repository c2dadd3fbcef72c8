import { once } from 'node:events'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import pino from 'pino'
import { SMTPServer } from 'smtp-server'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mailSender, type DeliveryReport } from '../../src/mail/sender.js'
import { createMailTransport, type MailTransport } from '../../src/mail/transport.js'
import { newId } from '../../src/security/tokens.js'
import { createTestContext, type TestContext } from '../helpers/context.js'

/**
 * A real SMTP peer on a free loopback port that is slow to accept a message: it answers the final
 * dot of each only once `beforeAnswering` has finished.
 */
async function startSlowSmtp(beforeAnswering: (delivery: number, to: string) => Promise<void>) {
  const received: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      stream.resume()
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((r) => r.address).join(',')
        received.push(to)
        beforeAnswering(received.length, to).then(
          () => callback(),
          (error: unknown) => callback(error as Error),
        )
      })
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  const port = (server.server.address() as AddressInfo).port
  return {
    received,
    url: `smtp://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

let ctx: TestContext
const transports: MailTransport[] = []
beforeEach(async () => {
  ctx = await createTestContext({ now: '2026-03-02T10:00:00Z' })
})
afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close()
  await ctx.destroy()
})

const recipients = ['one@example.org', 'two@example.org', 'three@example.org']

/** Queues one message for each recipient, due by now, in that order. */
async function queue(at: Date) {
  for (const [i, to] of recipients.entries()) {
    await ctx.services.db('outbox').insert({
      id: newId(),
      kind: 'test',
      to_address: to,
      subject: 'Your request',
      text_body: 'Hello',
      html_body: '<p>Hello</p>',
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(at.getTime() - recipients.length + i).toISOString(),
      created_at: at.toISOString(),
    })
  }
}

function senderTo(url: string) {
  const transport = createMailTransport({ smtpUrl: url, dataDir: '/tmp/unused' })
  transports.push(transport)
  return {
    transport,
    sender: mailSender(ctx.services.db, transport, 'p@portal.test', pino({ level: 'silent' })),
  }
}

describe('outbox claims', () => {
  it('lets two senders at once deliver each message exactly once when the server is slow to answer', async () => {
    const start = ctx.now()
    await queue(start)
    // Two and a half minutes into the first send: past the old two-minute claim, within the time
    // the transport allows one send.
    const secondStartsAt = new Date(start.getTime() + 150_000)
    let second: Promise<DeliveryReport> | undefined
    const smtp = await startSlowSmtp(async (delivery) => {
      if (delivery === 1) await (second = b.sender.deliverDue(secondStartsAt))
    })
    const a = senderTo(smtp.url)
    const b = senderTo(smtp.url)
    try {
      const first = await a.sender.deliverDue(start)
      const other = await (second as Promise<DeliveryReport>)
      expect([...smtp.received].sort()).toEqual([...recipients].sort())
      expect(first.sent + other.sent).toBe(3)
      expect(await ctx.services.db('outbox').pluck('status')).toEqual(['sent', 'sent', 'sent'])
      expect(a.transport.sendLimitMs).toBeGreaterThan(150_000)
    } finally {
      // A pooled transport holds its connections open until it is closed.
      a.transport.close()
      b.transport.close()
      await smtp.close()
    }
  })

  it('claims each chunk just before its sends begin, for longer than the transport may take', async () => {
    const start = ctx.now()
    await queue(start)
    const claims = new Map<string, string>()
    const smtp = await startSlowSmtp(async (_delivery, to) => {
      const row = await ctx.services.db('outbox').where({ to_address: to }).first<{ locked_until: string }>()
      claims.set(to, row.locked_until)
      await delay(25)
    })
    const { transport, sender } = senderTo(smtp.url)
    try {
      expect(await sender.deliverDue(start, { chunk: 2 })).toEqual({ sent: 3, retried: 0, failed: 0 })
      const [one, two, three] = recipients.map((to) => claims.get(to) ?? '')
      // The first two were claimed together; the third only once they had been sent.
      expect(two).toBe(one)
      expect(String(three) > String(two)).toBe(true)
      expect(new Date(String(one)).getTime() - start.getTime()).toBeGreaterThan(transport.sendLimitMs)
    } finally {
      transport.close()
      await smtp.close()
    }
  })

  it('sends a large backlog in one run, each message once, with failures retried on their own', async () => {
    const at = ctx.now()
    const rows = Array.from({ length: 130 }, (_, i) => ({
      id: newId(),
      kind: 'test',
      to_address: i === 7 ? 'refused@example.org' : i === 11 ? null : `person${i}@example.org`,
      subject: 'Your request',
      text_body: 'Hello',
      html_body: '<p>Hello</p>',
      status: 'pending',
      attempts: 0,
      next_attempt_at: new Date(at.getTime() - 1000 + i).toISOString(),
      created_at: at.toISOString(),
    }))
    for (let i = 0; i < rows.length; i += 50) await ctx.services.db('outbox').insert(rows.slice(i, i + 50))
    const received: string[] = []
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onRcptTo(address, _session, callback) {
        callback(address.address === 'refused@example.org' ? new Error('mailbox unavailable') : undefined)
      },
      onData(stream, session, callback) {
        stream.resume()
        stream.on('end', () => {
          received.push(...session.envelope.rcptTo.map((r) => r.address))
          callback()
        })
      },
    })
    server.listen(0, '127.0.0.1')
    await once(server.server, 'listening')
    const url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`
    const a = senderTo(url)
    const b = senderTo(url)
    try {
      const [first, second] = await Promise.all([a.sender.deliverDue(at), b.sender.deliverDue(at)])
      expect(first.sent + second.sent).toBe(128)
      expect(first.retried + second.retried).toBe(1)
      expect(received).toHaveLength(128)
      expect(new Set(received).size).toBe(128)
      const counts: { status: string; attempts: number | string; n: number | string }[] = await ctx.services
        .db('outbox')
        .select('status', 'attempts')
        .count({ n: '*' })
        .groupBy('status', 'attempts')
      expect(counts.map((c) => [c.status, Number(c.attempts), Number(c.n)]).sort()).toEqual([
        ['cancelled', 0, 1],
        ['pending', 1, 1],
        ['sent', 1, 128],
      ])
      const refused = await ctx.services.db('outbox').where({ to_address: 'refused@example.org' }).first()
      expect(refused.last_error).toMatch(/mailbox unavailable/)
      expect(refused.locked_until).toBeNull()
      expect(await ctx.services.db('outbox').whereNotNull('locked_until').pluck('id')).toEqual([])
    } finally {
      a.transport.close()
      b.transport.close()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  it('stops at the limit it is given', async () => {
    await queue(ctx.now())
    const dir = await mkdtemp(path.join(tmpdir(), 'outbox-'))
    const transport = createMailTransport({ smtpUrl: null, dataDir: dir })
    try {
      const sender = mailSender(ctx.services.db, transport, 'p@portal.test', pino({ level: 'silent' }))
      expect(await sender.deliverDue(ctx.now(), { limit: 2 })).toEqual({ sent: 2, retried: 0, failed: 0 })
      expect(await ctx.services.db('outbox').where({ status: 'pending' }).pluck('to_address')).toEqual([
        'three@example.org',
      ])
      expect(await readdir(path.join(dir, 'mail'))).toHaveLength(2)
      // A developer clears the mail folder: the next message makes it again.
      await rm(path.join(dir, 'mail'), { recursive: true })
      expect(await sender.deliverDue(ctx.now())).toEqual({ sent: 1, retried: 0, failed: 0 })
      expect(await readdir(path.join(dir, 'mail'))).toHaveLength(1)
    } finally {
      transport.close()
      await rm(dir, { recursive: true, force: true })
    }
  })
})
