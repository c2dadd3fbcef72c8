import { SMTPServer } from 'smtp-server'
import { afterEach, describe, expect, it } from 'vitest'
import type { Db } from '../../src/db/knex.js'
import {
  freePort,
  portalFolder,
  sleep,
  startPortalProcess,
  stopProcess,
  waitFor,
  type PortalProcess,
} from '../helpers/processes.js'
import { submitRequest } from './portal-client.js'

/**
 * Mail goes out from the outbox, never from the request that caused it: with the mail server down
 * or slow, a person's request is answered at once, and the message is delivered exactly once when
 * the server can take it.
 */

interface Received {
  messageId: string
  to: string[]
}

/** An SMTP peer on the port that records every message it accepts, answering the first after `delayMs`. */
function smtpPeer(port: number, delayMs = 0) {
  const received: Received[] = []
  /** Messages whose data arrived, answered or not yet. */
  let arriving = 0
  const server = new SMTPServer({
    secure: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, callback) {
      let data = ''
      stream.setEncoding('utf8')
      stream.on('data', (chunk: string) => (data += chunk))
      stream.on('end', () => {
        arriving++
        const messageId = /^Message-ID:\s*<([^>]+)>/im.exec(data)?.[1] ?? ''
        setTimeout(
          () => {
            received.push({ messageId, to: session.envelope.rcptTo.map((r) => r.address) })
            callback()
          },
          arriving === 1 ? delayMs : 0,
        )
      })
    },
  })
  const listening = new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    received,
    arriving: () => arriving,
    listening,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

interface OutboxRow {
  id: string
  status: string
  attempts: number
  last_error: string | null
  to_address: string
}

const outboxFor = (db: Db, email: string): Promise<OutboxRow | undefined> =>
  db('outbox').where({ to_address: email, kind: 'confirm-request' }).first<OutboxRow | undefined>()

let portal: PortalProcess | undefined
let peer: ReturnType<typeof smtpPeer> | undefined
let db: Db | undefined
let folder: ReturnType<typeof portalFolder> | undefined

afterEach(async () => {
  await stopProcess(portal)
  await peer?.close()
  await db?.destroy()
  folder?.remove()
  portal = peer = db = folder = undefined
})

describe('the mail server is down', () => {
  it('keeps the confirmation in the outbox, answers the person at once, and delivers it once when it is back', async () => {
    const smtpPort = await freePort()
    folder = portalFolder('smtp-down')
    portal = await startPortalProcess(folder.env({ JOBS: 'on', SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }))
    db = folder.db()

    const { elapsedMs } = await submitRequest(portal.url, 'down@example.org')
    expect(elapsedMs, 'the form is answered without waiting for mail').toBeLessThan(2000)

    // The delivery job tried, failed to connect, and kept the message for a retry.
    const failed = await waitFor('a failed delivery attempt', async () => {
      const row = await outboxFor(db!, 'down@example.org')
      return row && row.attempts >= 1 ? row : undefined
    })
    expect(failed).toMatchObject({ status: 'pending', attempts: 1 })
    expect(failed.last_error).toMatch(/ECONNREFUSED|connect/i)

    // Back up. Rather than wait out the 30-second backoff, the retry is made due now.
    peer = smtpPeer(smtpPort)
    await peer.listening
    await db('outbox').where({ id: failed.id }).update({ next_attempt_at: new Date().toISOString() })
    const sent = await waitFor(
      'the retry to deliver',
      async () => {
        const row = await outboxFor(db!, 'down@example.org')
        return row?.status === 'sent' ? row : undefined
      },
      { timeoutMs: 60_000, everyMs: 250 },
    )
    expect(sent.attempts).toBe(2)
    // The next run of the five-second delivery job sends nothing again.
    await sleep(6000)
    expect(peer.received.filter((m) => m.to.includes('down@example.org'))).toEqual([
      { messageId: `${sent.id}@rights-portal`, to: ['down@example.org'] },
    ])
  }, 120_000)
})

describe('the mail server is slow', () => {
  it('answers people at once while a send waits, and delivers each message exactly once', async () => {
    const smtpPort = await freePort()
    // Slower than the delivery job's five-second interval: the next run comes while this send waits.
    peer = smtpPeer(smtpPort, 7000)
    await peer.listening
    folder = portalFolder('smtp-slow')
    portal = await startPortalProcess(folder.env({ JOBS: 'on', SMTP_URL: `smtp://127.0.0.1:${smtpPort}` }))
    db = folder.db()

    await submitRequest(portal.url, 'first@example.org')
    await waitFor(
      'the first message to reach the mail server',
      () => (peer!.arriving() >= 1 ? true : undefined),
      {
        timeoutMs: 20_000,
      },
    )

    // While the mail server sits on the first message, the portal still answers straight away.
    const { elapsedMs } = await submitRequest(portal.url, 'second@example.org')
    expect(elapsedMs, 'the form is answered without waiting for mail').toBeLessThan(2000)
    const first = await outboxFor(db, 'first@example.org')
    expect(first).toMatchObject({ status: 'pending' })

    const bothSent = await waitFor(
      'both messages to be delivered',
      async () => {
        const rows: OutboxRow[] = await db!('outbox').where({ kind: 'confirm-request' })
        return rows.length === 2 && rows.every((r) => r.status === 'sent') ? rows : undefined
      },
      { timeoutMs: 60_000, everyMs: 250 },
    )
    await sleep(6000)
    for (const row of bothSent) {
      expect(row.attempts, `${row.to_address} was sent in one attempt`).toBe(1)
      expect(peer.received.filter((m) => m.messageId === `${row.id}@rights-portal`)).toHaveLength(1)
    }
    expect(peer.received).toHaveLength(2)
  }, 120_000)
})
