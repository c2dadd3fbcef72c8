import type { Knex } from 'knex'
import { nextYearReference } from '../db/reference-counter.js'
import {
  isComplaintChannel,
  isComplaintOutcome,
  isComplaintSubject,
  type Complaint,
  type ComplaintChannel,
  type ComplaintOutcome,
  type ComplaintStatus,
  type ComplaintSubject,
} from '../domain/complaint.js'
import type { IsoDate } from '../domain/clock.js'
import { redactEmailAddresses } from '../domain/email-address.js'
import { newId } from '../security/tokens.js'

/** Complaints, their secret links, messages both ways and internal notes: the only SQL for them. */

export interface ComplaintRow {
  id: string
  reference: string | null
  study_id: string | null
  request_id: string | null
  subject: string
  what_happened: string | null
  desired_outcome: string | null
  email: string | null
  email_hmac: string | null
  requester_name: string | null
  status: string
  channel: string
  received_on: string | null
  acknowledgement_due_on: string | null
  acknowledged_on: string | null
  response_target_on: string | null
  outcome: string | null
  outcome_changes: string | null
  closed_on: string | null
  assignee_id: string | null
  contact_removed_at: string | null
  version: number
  created_at: string
  updated_at: string
}

export function toComplaint(row: ComplaintRow): Complaint {
  return {
    id: row.id,
    reference: row.reference,
    studyId: row.study_id,
    requestId: row.request_id,
    subject: isComplaintSubject(row.subject) ? row.subject : 'other',
    whatHappened: row.what_happened,
    desiredOutcome: row.desired_outcome,
    email: row.email,
    requesterName: row.requester_name,
    status: row.status as ComplaintStatus,
    channel: isComplaintChannel(row.channel) ? row.channel : 'portal',
    receivedOn: row.received_on,
    acknowledgementDueOn: row.acknowledgement_due_on,
    acknowledgedOn: row.acknowledged_on,
    responseTargetOn: row.response_target_on,
    outcome: isComplaintOutcome(row.outcome) ? row.outcome : null,
    outcomeChanges: row.outcome_changes,
    closedOn: row.closed_on,
    assigneeId: row.assignee_id,
    contactRemovedAt: row.contact_removed_at,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** What a change to a complaint may set; the version moves on with every change. */
export interface ComplaintChanges {
  reference?: string
  status?: ComplaintStatus
  receivedOn?: IsoDate
  acknowledgementDueOn?: IsoDate
  acknowledgedOn?: IsoDate | null
  responseTargetOn?: IsoDate
  outcome?: ComplaintOutcome | null
  outcomeChanges?: string | null
  closedOn?: IsoDate | null
  assigneeId?: string | null
}

const columns: Record<keyof ComplaintChanges, keyof ComplaintRow> = {
  reference: 'reference',
  status: 'status',
  receivedOn: 'received_on',
  acknowledgementDueOn: 'acknowledgement_due_on',
  acknowledgedOn: 'acknowledged_on',
  responseTargetOn: 'response_target_on',
  outcome: 'outcome',
  outcomeChanges: 'outcome_changes',
  closedOn: 'closed_on',
  assigneeId: 'assignee_id',
}

export interface ComplaintMessage {
  id: string
  direction: 'to_person' | 'from_person'
  kind: 'acknowledgement' | 'update' | 'outcome' | 'message' | 'reply'
  subject: string | null
  body: string
  authorId: string | null
  createdAt: string
}

export interface ComplaintNote {
  id: string
  authorId: string | null
  body: string
  createdAt: string
}

interface MessageRow {
  id: string
  complaint_id: string
  direction: ComplaintMessage['direction']
  kind: ComplaintMessage['kind']
  subject: string | null
  body: string
  author_id: string | null
  created_at: string
}

interface NoteRow {
  id: string
  complaint_id: string
  author_id: string | null
  body: string
  created_at: string
}

interface LinkRow {
  id: string
  complaint_id: string
  purpose: string
  token_hash: string
  expires_at: string | null
  used_at: string | null
}

/** Mail held for a complaint keeps no address or body; what is still waiting is never sent. */
async function forgetMail(trx: Knex, complaintId: string): Promise<void> {
  await trx('outbox')
    .where({ complaint_id: complaintId })
    .update({ to_address: null, text_body: null, html_body: null })
  await trx('outbox').where({ complaint_id: complaintId, status: 'pending' }).update({ status: 'cancelled' })
}

export function complaintsRepo(db: Knex) {
  return {
    /** Stores a new complaint; returns its id. */
    async insert(
      trx: Knex,
      complaint: {
        studyId: string | null
        requestId: string | null
        subject: ComplaintSubject
        whatHappened: string
        desiredOutcome: string | null
        email: string | null
        emailHmac: string | null
        requesterName: string | null
        status: ComplaintStatus
        channel: ComplaintChannel
        at: Date
      },
    ): Promise<string> {
      const id = newId()
      await trx('complaints').insert({
        id,
        study_id: complaint.studyId,
        request_id: complaint.requestId,
        subject: complaint.subject,
        what_happened: complaint.whatHappened,
        desired_outcome: complaint.desiredOutcome,
        email: complaint.email,
        email_hmac: complaint.emailHmac,
        requester_name: complaint.requesterName,
        status: complaint.status,
        channel: complaint.channel,
        version: 1,
        created_at: complaint.at.toISOString(),
        updated_at: complaint.at.toISOString(),
      })
      return id
    },

    async findById(id: string, conn: Knex = db): Promise<Complaint | undefined> {
      const row = await conn<ComplaintRow>('complaints').where({ id }).first()
      return row ? toComplaint(row) : undefined
    },

    /** A complaint by its reference, typed in any capitals and with spaces around it. */
    async findByReference(reference: string, conn: Knex = db): Promise<Complaint | undefined> {
      const row = await conn<ComplaintRow>('complaints')
        .where({ reference: reference.trim().toUpperCase() })
        .first()
      return row ? toComplaint(row) : undefined
    },

    /** The complaints made about one request, newest first. */
    async findByRequest(requestId: string, conn: Knex = db): Promise<Complaint[]> {
      const rows = await conn<ComplaintRow>('complaints')
        .where({ request_id: requestId })
        .orderBy('created_at', 'desc')
      return rows.map(toComplaint)
    },

    /**
     * Applies the changes only if the complaint is still at `version` (and, when given, in one of
     * `statuses`); false when someone changed it first.
     */
    async update(
      trx: Knex,
      id: string,
      version: number,
      changes: ComplaintChanges,
      at: Date,
      statuses?: readonly ComplaintStatus[],
    ): Promise<boolean> {
      const set: Record<string, unknown> = { version: version + 1, updated_at: at.toISOString() }
      for (const [key, column] of Object.entries(columns) as [keyof ComplaintChanges, keyof ComplaintRow][]) {
        if (key in changes) set[column] = changes[key] ?? null
      }
      const query = trx('complaints').where({ id, version })
      if (statuses) query.whereIn('status', statuses)
      return (await query.update(set)) === 1
    },

    async nextReference(trx: Knex, year: number): Promise<string> {
      return nextYearReference(trx, 'complaint_reference_counters', 'CMP', year)
    },

    /** A secret link (confirmation or status page), stored only as the hash of its token. */
    async insertLink(
      trx: Knex,
      link: {
        complaintId: string
        purpose: 'confirm' | 'status'
        tokenHash: string
        expiresAt: Date | null
        at: Date
      },
    ): Promise<string> {
      const id = newId()
      await trx('complaint_links').insert({
        id,
        complaint_id: link.complaintId,
        purpose: link.purpose,
        token_hash: link.tokenHash,
        expires_at: link.expiresAt?.toISOString() ?? null,
        created_at: link.at.toISOString(),
      })
      return id
    },

    async findLink(
      tokenHash: string,
      conn: Knex = db,
    ): Promise<
      | { id: string; complaintId: string; purpose: string; expiresAt: string | null; usedAt: string | null }
      | undefined
    > {
      const row = await conn<LinkRow>('complaint_links').where({ token_hash: tokenHash }).first()
      return row
        ? {
            id: row.id,
            complaintId: row.complaint_id,
            purpose: row.purpose,
            expiresAt: row.expires_at,
            usedAt: row.used_at,
          }
        : undefined
    },

    /** Uses a single-use link once; false when it was used already. */
    async useLink(trx: Knex, linkId: string, at: Date): Promise<boolean> {
      return (
        (await trx('complaint_links')
          .where({ id: linkId })
          .whereNull('used_at')
          .update({ used_at: at.toISOString() })) === 1
      )
    },

    async insertMessage(
      trx: Knex,
      message: {
        complaintId: string
        direction: ComplaintMessage['direction']
        kind: ComplaintMessage['kind']
        subject: string | null
        body: string
        authorId: string | null
        at: Date
      },
    ): Promise<string> {
      const id = newId()
      await trx('complaint_messages').insert({
        id,
        complaint_id: message.complaintId,
        direction: message.direction,
        kind: message.kind,
        subject: message.subject,
        body: message.body,
        author_id: message.authorId,
        created_at: message.at.toISOString(),
      })
      return id
    },

    async messagesOf(complaintId: string, conn: Knex = db): Promise<ComplaintMessage[]> {
      const rows = await conn<MessageRow>('complaint_messages')
        .where({ complaint_id: complaintId })
        .orderBy('created_at')
        .orderBy('id')
      return rows.map((r) => ({
        id: r.id,
        direction: r.direction,
        kind: r.kind,
        subject: r.subject,
        body: r.body,
        authorId: r.author_id,
        createdAt: r.created_at,
      }))
    },

    async insertNote(
      trx: Knex,
      note: { complaintId: string; authorId: string; body: string; at: Date },
    ): Promise<string> {
      const id = newId()
      await trx('complaint_notes').insert({
        id,
        complaint_id: note.complaintId,
        author_id: note.authorId,
        body: note.body,
        created_at: note.at.toISOString(),
      })
      return id
    },

    async notesOf(complaintId: string, conn: Knex = db): Promise<ComplaintNote[]> {
      const rows = await conn<NoteRow>('complaint_notes')
        .where({ complaint_id: complaintId })
        .orderBy('created_at', 'desc')
      return rows.map((r) => ({ id: r.id, authorId: r.author_id, body: r.body, createdAt: r.created_at }))
    },

    /** The keyed hash of the complaint's address, for rate limits; null once it is gone. */
    async emailHmacOf(id: string, conn: Knex = db): Promise<string | null> {
      const row = await conn('complaints')
        .where({ id })
        .first<{ email_hmac: string | null } | undefined>('email_hmac')
      return row?.email_hmac ?? null
    },

    /** Unconfirmed complaints stored before an instant, oldest first: their confirmation has lapsed. */
    async listLapsedUnconfirmed(createdBefore: Date, limit: number): Promise<Complaint[]> {
      const rows = await db<ComplaintRow>('complaints')
        .where({ status: 'unconfirmed' })
        .where('created_at', '<', createdBefore.toISOString())
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
      return rows.map(toComplaint)
    },

    /**
     * Closes a complaint nobody confirmed as unverified and removes what the person typed, with
     * any mail held for it; false when it was confirmed (or lapsed by another run) meanwhile.
     */
    async lapse(trx: Knex, id: string, version: number, at: Date): Promise<boolean> {
      const updated = await trx('complaints')
        .where({ id, version, status: 'unconfirmed' })
        .update({
          status: 'unverified',
          email: null,
          email_hmac: null,
          requester_name: null,
          what_happened: null,
          desired_outcome: null,
          version: version + 1,
          updated_at: at.toISOString(),
        })
      if (updated !== 1) return false
      await forgetMail(trx, id)
      return true
    },

    /** Closed before a London date and still holding a way to reach the person, in (closed_on, id) order. */
    async listClosedWithContact(
      closedBefore: IsoDate,
      after: { closedOn: IsoDate; id: string } | null,
      limit: number,
    ): Promise<Complaint[]> {
      let query = db<ComplaintRow>('complaints')
        .where({ status: 'closed' })
        .whereNotNull('closed_on')
        .where('closed_on', '<', closedBefore)
        .where((q) => q.whereNotNull('email').orWhereNotNull('email_hmac').orWhereNotNull('requester_name'))
      if (after) {
        query = query.where((q) =>
          q
            .where('closed_on', '>', after.closedOn)
            .orWhere((t) => t.where('closed_on', after.closedOn).where('id', '>', after.id)),
        )
      }
      const rows = await query.orderBy('closed_on').orderBy('id').limit(limit)
      return rows.map(toComplaint)
    },

    /**
     * Removes the person's address, its HMAC and their name from a closed complaint, with the name
     * and any address quoted in what they wrote, the messages both ways and the notes, and the
     * copies in its mail. Returns how many texts changed, or null when the complaint was reopened
     * since it was listed or another run got there first.
     */
    async removeContact(trx: Knex, id: string, at: Date): Promise<{ textsScrubbed: number } | null> {
      const before = await trx<ComplaintRow>('complaints').where({ id }).first()
      const updated = await trx('complaints')
        .where({ id, status: 'closed' })
        .where((q) => q.whereNotNull('email').orWhereNotNull('email_hmac').orWhereNotNull('requester_name'))
        .update({
          email: null,
          email_hmac: null,
          requester_name: null,
          contact_removed_at: at.toISOString(),
          updated_at: at.toISOString(),
          version: trx.raw('version + 1'),
        })
      if (updated !== 1 || !before) return null
      const name = before.requester_name?.trim()
      const scrub = (text: string): string =>
        redactEmailAddresses(name && name.length > 1 ? text.split(name).join('[name removed]') : text)
      let textsScrubbed = 0
      const own: Record<string, string | null> = {}
      for (const column of ['what_happened', 'desired_outcome', 'outcome_changes'] as const) {
        const text = before[column]
        if (text !== null && scrub(text) !== text) own[column] = scrub(text)
      }
      if (Object.keys(own).length > 0) {
        await trx('complaints').where({ id }).update(own)
        textsScrubbed += Object.keys(own).length
      }
      for (const table of ['complaint_messages', 'complaint_notes'] as const) {
        const rows = await trx(table)
          .where({ complaint_id: id })
          .select<{ id: string; body: string }[]>('id', 'body')
        for (const row of rows) {
          const body = scrub(row.body)
          if (body === row.body) continue
          await trx(table).where({ id: row.id }).update({ body })
          textsScrubbed++
        }
      }
      await forgetMail(trx, id)
      return { textsScrubbed }
    },
  }
}

export type ComplaintsRepo = ReturnType<typeof complaintsRepo>
