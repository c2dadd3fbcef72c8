import { mkdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import nodemailer from 'nodemailer'

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
  send(mail: OutgoingMail): Promise<void>
  close(): void
}

/** SMTP when configured; otherwise each message is written as an .eml file a developer can open. */
export function createMailTransport(options: { smtpUrl: string | null; dataDir: string }): MailTransport {
  return options.smtpUrl ? smtpTransport(options.smtpUrl) : fileTransport(path.join(options.dataDir, 'mail'))
}

function smtpTransport(smtpUrl: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpUrl)
  return {
    description: `SMTP (${new URL(smtpUrl).host})`,
    async send(mail) {
      await transporter.sendMail({ ...mail, messageId: `<${mail.id}@rights-portal>` })
    },
    close: () => transporter.close(),
  }
}

function fileTransport(dir: string): MailTransport {
  const transporter = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' })
  return {
    description: `files in ${dir}`,
    async send(mail) {
      const info = await transporter.sendMail({ ...mail, messageId: `<${mail.id}@rights-portal>` })
      await mkdir(dir, { recursive: true })
      const stamp = new Date().toISOString().replace(/[:.]/g, '-')
      await writeFile(path.join(dir, `${stamp}-${mail.id}.eml`), info.message as Buffer, { mode: 0o600 })
    },
    close: () => transporter.close(),
  }
}
