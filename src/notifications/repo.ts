import type { Knex } from 'knex'
import type { DigestComplaintRow, DigestRequestRow } from '../domain/staff-digest.js'
import {
  isNewRequestChoice,
  preferencesFor,
  type NotificationPreferences,
  type StaffRecipient,
} from '../domain/staff-notifications.js'
import type { RequestType } from '../domain/request-types.js'
import { isStaffRole } from '../domain/roles.js'

interface PreferenceRow {
  user_id: string
  new_requests: string
  replies: boolean | number
  digest: boolean | number
  updated_at: string
}

interface RecipientRow {
  id: string
  email: string
  display_name: string
  role: string
  new_requests: string | null
  replies: boolean | number | null
  digest: boolean | number | null
}

/** A stored choice, or null when none is stored (or it no longer reads as one). */
function toPreferences(
  row: Pick<RecipientRow, 'new_requests' | 'replies' | 'digest'>,
): NotificationPreferences | null {
  if (!isNewRequestChoice(row.new_requests) || row.replies === null || row.digest === null) return null
  return { newRequests: row.new_requests, replies: Boolean(row.replies), digest: Boolean(row.digest) }
}

/** The only queries of staff notifications: choices, who can be emailed, unread replies, digests. */
export function notificationsRepo(db: Knex) {
  return {
    /** A member of staff's stored choices, or null when they have not chosen. */
    async chosenBy(userId: string, trx: Knex = db): Promise<NotificationPreferences | null> {
      const row = await trx<PreferenceRow>('staff_notification_preferences')
        .where({ user_id: userId })
        .first()
      return row ? toPreferences(row) : null
    },

    async save(
      userId: string,
      preferences: NotificationPreferences,
      at: Date,
      trx: Knex = db,
    ): Promise<void> {
      await trx('staff_notification_preferences')
        .insert({
          user_id: userId,
          new_requests: preferences.newRequests,
          replies: preferences.replies,
          digest: preferences.digest,
          updated_at: at.toISOString(),
        })
        .onConflict('user_id')
        .merge(['new_requests', 'replies', 'digest', 'updated_at'])
    },

    /** Everyone with an enabled, set-up account, with the choices that apply to them. */
    async recipients(trx: Knex = db): Promise<StaffRecipient[]> {
      const rows: RecipientRow[] = await trx('staff_users as u')
        .leftJoin('staff_notification_preferences as p', 'p.user_id', 'u.id')
        .whereNull('u.disabled_at')
        .whereNotNull('u.password_hash')
        .orderBy('u.created_at')
        .orderBy('u.id')
        .select('u.id', 'u.email', 'u.display_name', 'u.role', 'p.new_requests', 'p.replies', 'p.digest')
      return rows.flatMap((row) => {
        if (!isStaffRole(row.role)) return []
        return [
          {
            id: row.id,
            email: row.email,
            displayName: row.display_name,
            role: row.role,
            preferences: preferencesFor(row.role, toPreferences(row)),
          },
        ]
      })
    },

    async addUnreadReply(trx: Knex, requestId: string): Promise<void> {
      await trx('rights_requests').where({ id: requestId }).increment('unread_replies', 1)
    },

    /** Returns how many replies were unread. */
    async clearUnreadReplies(requestId: string, trx: Knex = db): Promise<number> {
      return trx('rights_requests')
        .where({ id: requestId })
        .where('unread_replies', '>', 0)
        .update({ unread_replies: 0 })
    },

    /** Open requests whose clock runs and that are due on or before a date (overdue included). */
    async requestsDueBy(date: string, trx: Knex = db): Promise<DigestRequestRow[]> {
      const rows: {
        id: string
        reference: string | null
        type: RequestType
        due_on: string
        assignee_id: string | null
        assignee_name: string | null
      }[] = await trx('rights_requests as r')
        .leftJoin('staff_users as u', 'u.id', 'r.assignee_id')
        .where('r.status', 'received')
        .whereNotNull('r.due_on')
        .where('r.due_on', '<=', date)
        .orderBy('r.due_on')
        .orderBy('r.id')
        .select(
          'r.id',
          'r.reference',
          'r.type',
          'r.due_on',
          'r.assignee_id',
          'u.display_name as assignee_name',
        )
      return rows.map((r) => ({
        id: r.id,
        reference: r.reference,
        type: r.type,
        dueOn: r.due_on,
        assigneeId: r.assignee_id,
        assigneeName: r.assignee_name,
      }))
    },

    /** Open complaints not yet acknowledged. */
    async complaintsToAcknowledge(trx: Knex = db): Promise<DigestComplaintRow[]> {
      const rows: {
        id: string
        reference: string | null
        acknowledgement_due_on: string
        assignee_id: string | null
        assignee_name: string | null
      }[] = await trx('complaints as c')
        .leftJoin('staff_users as u', 'u.id', 'c.assignee_id')
        .where('c.status', 'open')
        .whereNull('c.acknowledged_on')
        .whereNotNull('c.acknowledgement_due_on')
        .orderBy('c.acknowledgement_due_on')
        .orderBy('c.id')
        .select(
          'c.id',
          'c.reference',
          'c.acknowledgement_due_on',
          'c.assignee_id',
          'u.display_name as assignee_name',
        )
      return rows.map((r) => ({
        id: r.id,
        reference: r.reference,
        acknowledgementDueOn: r.acknowledgement_due_on,
        assigneeId: r.assignee_id,
        assigneeName: r.assignee_name,
      }))
    },

    async digestSent(userId: string, sentOn: string, trx: Knex = db): Promise<boolean> {
      const row: unknown = await trx('staff_digests')
        .where({ user_id: userId, sent_on: sentOn })
        .first('user_id')
      return row !== undefined
    },

    /** Records the day's digest; a second for the same day breaks the key, so it is never queued twice. */
    async recordDigest(trx: Knex, userId: string, sentOn: string, at: Date): Promise<void> {
      await trx('staff_digests').insert({ user_id: userId, sent_on: sentOn, created_at: at.toISOString() })
    },

    /**
     * Unconfirmed requests received at or before an instant that have had no reminder and still hold
     * an address and a live confirmation link: a request whose link has lapsed is closed instead.
     */
    async dueReminders(receivedBy: Date, at: Date, limit: number, trx: Knex = db): Promise<{ id: string }[]> {
      return trx('rights_requests')
        .where({ status: 'unconfirmed' })
        .whereNull('reminder_sent_at')
        .whereNotNull('email')
        .where('created_at', '<=', receivedBy.toISOString())
        .whereExists(
          trx('request_links')
            .whereRaw('request_links.request_id = rights_requests.id')
            .where({ purpose: 'confirm' })
            .whereNull('used_at')
            .where('expires_at', '>', at.toISOString()),
        )
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .select('id')
    },

    /** Marks the reminder sent if nobody has, while the request still waits; returns whether this caller won. */
    async claimReminder(trx: Knex, requestId: string, at: Date): Promise<boolean> {
      const updated = await trx('rights_requests')
        .where({ id: requestId, status: 'unconfirmed' })
        .whereNull('reminder_sent_at')
        .update({ reminder_sent_at: at.toISOString() })
      return updated === 1
    },

    /** When the request's live confirmation link stops working, if it has one. */
    async liveConfirmLinkExpiry(trx: Knex, requestId: string, at: Date): Promise<string | null> {
      const row: { expires_at: string } | undefined = await trx('request_links')
        .where({ request_id: requestId, purpose: 'confirm' })
        .whereNull('used_at')
        .where('expires_at', '>', at.toISOString())
        .orderBy('expires_at', 'desc')
        .first('expires_at')
      return row?.expires_at ?? null
    },
  }
}

export type NotificationsRepo = ReturnType<typeof notificationsRepo>
