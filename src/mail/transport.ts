import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import nodemailer, { type SendMailOptions } from 'nodemailer'

export interface OutgoingMail {
  id: string
  from: string
  to: string
  subject: string
  text: string
  html: string
}

export interface MailTransport {
  readonly description: string
  /** The longest one send may take before it is abandoned: the outbox claims a message for longer. */
  readonly sendLimitMs: number
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

/**
 * Nodemailer's own defaults (2 minutes to connect, 10 of silence) would let one send outlast any
 * reasonable claim, and a second sender would then deliver the message again. So each wait is
 * bounded here, and the whole send is abandoned once they are all used up.
 */
export const smtpTimeouts = {
  connectionMs: 30_000,
  greetingMs: 30_000,
  /** Silence allowed at any one step; a relay may scan the message before it answers the final dot. */
  socketMs: 120_000,
} as const

const smtpSendLimitMs = smtpTimeouts.connectionMs + smtpTimeouts.greetingMs + smtpTimeouts.socketMs
const fileSendLimitMs = 30_000
/** Connections kept open to the relay; each carries one message at a time. */
export const smtpConnections = 5

/** SMTP when configured; otherwise each message is written as an .eml file a developer can open. */
export function createMailTransport(options: { smtpUrl: string | null; dataDir: string }): MailTransport {
  return options.smtpUrl ? smtpTransport(options.smtpUrl) : fileTransport(path.join(options.dataDir, 'mail'))
}

function smtpTransport(smtpUrl: string): MailTransport {
  // Pooled: connections stay open between messages, and the sender's chunk is spread over them.
  const transporter = nodemailer.createTransport({
    url: smtpUrl,
    pool: true,
    maxConnections: smtpConnections,
    maxMessages: 1000,
    connectionTimeout: smtpTimeouts.connectionMs,
    greetingTimeout: smtpTimeouts.greetingMs,
    socketTimeout: smtpTimeouts.socketMs,
  })
  return {
    description: `SMTP (${new URL(smtpUrl).host})`,
    sendLimitMs: smtpSendLimitMs,
    async send(mail) {
      // Abandoned, connection closed, once the limit is reached, however slowly the server trickles.
      const options: SendMailOptions & { signal: AbortSignal } = {
        ...mail,
        messageId: `<${mail.id}@rights-portal>`,
        signal: AbortSignal.timeout(smtpSendLimitMs),
      }
      await transporter.sendMail(options)
    },
    close: () => transporter.close(),
  }
}

function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  // The folder is made once, and again if that failed or it has gone since (a developer cleared it).
  let ready: Promise<void> | null = null
  const folder = () =>
    (ready ??= mkdir(dir, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        ready = null
        throw error
      },
    ))
  return {
    description: `files in ${dir}`,
    sendLimitMs: fileSendLimitMs,
    async send(mail) {
      const info = await transporter.sendMail({ ...mail, messageId: `<${mail.id}@rights-portal>` })
      const file = path.join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${mail.id}.eml`)
      const write = () => writeFile(file, info.message as Buffer, { mode: 0o600 })
      await folder()
      try {
        await write()
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
        ready = null
        await folder()
        await write()
      }
    },
    close: () => transporter.close(),
  }
}
