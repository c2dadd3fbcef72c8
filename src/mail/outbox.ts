import type { Knex } from 'knex'
import { newId } from '../security/tokens.js'
import { renderEmail } from './templates.js'

export interface MailToSend {
  kind: string
  to: string
  subject: string
  template: string
  locals: Record<string, unknown>
  requestId?: string
  /** The complaint the mail is about: it is cancelled and minimised with the complaint. */
  complaintId?: string
}

/**
 * Stores a message in the same transaction as the change that causes it; the sender delivers it later,
 * so nothing is lost if the mail server is down.
 */
export async function enqueueMail(trx: Knex, mail: MailToSend, at: Date): Promise<string> {
  // A person with no email address gets letters to post instead; a blank address is a bug upstream.
  if (mail.to.trim() === '') throw new Error(`No address to send ${mail.kind} to`)
  const { text, html } = await renderEmail(mail.template, { ...mail.locals, subject: mail.subject })
  const id = newId()
  await trx('outbox').insert({
    id,
    kind: mail.kind,
    request_id: mail.requestId ?? null,
    complaint_id: mail.complaintId ?? null,
    to_address: mail.to,
    subject: mail.subject,
    text_body: text,
    html_body: html,
    status: 'pending',
    attempts: 0,
    next_attempt_at: at.toISOString(),
    created_at: at.toISOString(),
  })
  return id
}

/** Sent mail keeps its kind and subject for the record; the address and body (with links) go. */
export async function minimiseSentMail(db: Knex, olderThan: Date): Promise<number> {
  return db('outbox')
    .whereIn('status', ['sent', 'failed', 'cancelled'])
    .where('created_at', '<', olderThan.toISOString())
    .whereNotNull('text_body')
    .update({ to_address: null, text_body: null, html_body: null })
}
