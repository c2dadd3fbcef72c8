/**
 * How fast the outbox drains: queues N messages, then times one delivery run of the portal's sender
 * (claims, sends, marks sent) to .eml files and to a local SMTP peer, alternating with a baseline
 * that sends the same messages through nodemailer directly, with no outbox, as fast as it can (50
 * at a time, the SMTP baseline over the same 5 pooled connections).
 *
 *   npm run -s bench:mail -- [N] [rounds]          (N defaults to 5,000, rounds to 3)
 *   BENCH_DATABASE=postgres npm run -s bench:mail  (on the PostgreSQL server of TEST_DATABASE_URL)
 *
 * The SMTP peer (smtp-server, accepting everything) runs in a child process, so it does not share
 * the sender's event loop.
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import nodemailer from 'nodemailer'
import pino from 'pino'
import { SMTPServer } from 'smtp-server'
import { deliveryChunk, mailSender } from '../src/mail/sender.js'
import { createMailTransport, smtpConnections } from '../src/mail/transport.js'
import { newId } from '../src/security/tokens.js'
import { benchDatabase } from './lib/generate.js'

if (process.argv[2] === '--peer') {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.resume()
      stream.on('end', () => callback())
    },
  })
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  process.send?.({ port: (server.server.address() as AddressInfo).port })
  process.on('disconnect', () => server.close(() => process.exit(0)))
} else {
  await main()
}

async function main() {
  const count = Number(process.argv[2] ?? 5_000)
  const rounds = Number(process.argv[3] ?? 3)
  if (!Number.isInteger(count) || count < 1 || !Number.isInteger(rounds) || rounds < 1)
    throw new Error('Usage: bench/mail.ts [number of messages] [rounds]')

  // A confirmation email's size: a few paragraphs of text and the same as HTML.
  const paragraph =
    'We have received your request under the UK GDPR. Please confirm it is yours by following the link below within 24 hours. '
  const text = paragraph.repeat(8)
  const html = `<!doctype html><html><body>${`<p style="font-family: Arial, sans-serif; font-size: 16px">${paragraph}</p>`.repeat(8)}</body></html>`
  const from = 'Rights portal <privacy@portal.example>'
  const log = pino({ level: 'silent' })

  const dir = await mkdtemp(path.join(tmpdir(), 'mail-bench-'))
  const database = await benchDatabase('mail', dir)
  const peer = fork(fileURLToPath(import.meta.url), ['--peer'], { execArgv: ['--import', 'tsx'] })
  const [{ port }] = (await once(peer, 'message')) as [{ port: number }]
  const smtpUrl = `smtp://127.0.0.1:${port}`
  const db = database.db

  async function queue() {
    await db('outbox').del()
    const at = new Date()
    for (let first = 0; first < count; first += 500) {
      const rows = []
      for (let i = first; i < Math.min(count, first + 500); i++)
        rows.push({
          id: newId(),
          kind: 'request_confirmation',
          to_address: `person${i}@example.org`,
          subject: 'Confirm your request',
          text_body: text,
          html_body: html,
          status: 'pending',
          attempts: 0,
          next_attempt_at: new Date(at.getTime() - count + i).toISOString(),
          created_at: at.toISOString(),
        })
      await db('outbox').insert(rows)
    }
  }

  /** One run of the portal's sender over everything queued; messages per second. */
  async function product(smtp: boolean): Promise<number> {
    await queue()
    const out = path.join(dir, `product-${newId()}`)
    const transport = createMailTransport({ smtpUrl: smtp ? smtpUrl : null, dataDir: out })
    try {
      const started = performance.now()
      const report = await mailSender(db, transport, from, log).deliverDue(new Date())
      const seconds = (performance.now() - started) / 1000
      if (report.sent !== count) throw new Error(`Sent ${report.sent} of ${count}`)
      return count / seconds
    } finally {
      transport.close()
      await rm(out, { recursive: true, force: true })
    }
  }

  /** The same messages through nodemailer alone, 50 at a time; messages per second. */
  async function baseline(smtp: boolean): Promise<number> {
    const out = path.join(dir, `baseline-${newId()}`)
    const transporter = smtp
      ? nodemailer.createTransport({ url: smtpUrl, pool: true, maxConnections: smtpConnections })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
    try {
      const started = performance.now()
      await mkdir(out, { recursive: true })
      for (let first = 0; first < count; first += deliveryChunk) {
        const sends = []
        for (let i = first; i < Math.min(count, first + deliveryChunk); i++) {
          const mail = { from, to: `person${i}@example.org`, subject: 'Confirm your request', text, html }
          sends.push(
            transporter.sendMail(mail).then(async (info: { message?: unknown }) => {
              if (!smtp) await writeFile(path.join(out, `${i}.eml`), info.message as Buffer)
            }),
          )
        }
        await Promise.all(sends)
      }
      return count / ((performance.now() - started) / 1000)
    } finally {
      transporter.close()
      await rm(out, { recursive: true, force: true })
    }
  }

  const results: Record<string, number[]> = {
    'files, portal': [],
    'files, baseline': [],
    'SMTP, portal': [],
    'SMTP, baseline': [],
  }
  try {
    console.log(
      `${count.toLocaleString('en-GB')} messages, ${rounds} rounds, ${database.kind}, ` +
        `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, Node ${process.version}`,
    )
    for (let round = 1; round <= rounds; round++) {
      // Alternating, and in the other order every other round.
      const order = round % 2 ? [false, true] : [true, false]
      for (const smtp of [false, true]) {
        const kind = smtp ? 'SMTP' : 'files'
        for (const portal of order) {
          const rate = portal ? await product(smtp) : await baseline(smtp)
          results[`${kind}, ${portal ? 'portal' : 'baseline'}`]?.push(rate)
        }
      }
      console.log(
        `round ${round}: ` +
          Object.entries(results)
            .map(([name, rates]) => `${name} ${Math.round(rates[rates.length - 1] ?? 0)}/s`)
            .join(', '),
      )
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
    for (const kind of ['files', 'SMTP']) {
      const portal = results[`${kind}, portal`] ?? []
      const base = results[`${kind}, baseline`] ?? []
      const range = (v: number[]) => `${Math.round(Math.min(...v))}–${Math.round(Math.max(...v))}`
      console.log(
        `${kind}: portal ${Math.round(median(portal))} messages/s (${range(portal)}), ` +
          `baseline ${Math.round(median(base))}/s (${range(base)}), ratio ${(median(portal) / median(base)).toFixed(2)}×`,
      )
    }
  } finally {
    peer.disconnect()
    await database.close()
    await rm(dir, { recursive: true, force: true })
  }
}
