import type { Knex } from 'knex'
import { recordEvent } from '../audit/events.js'
import { addDays, formatLongDate, londonDate } from '../domain/clock.js'
import { dueSoonDays } from '../domain/queue.js'
import { requestTypeInfo } from '../domain/request-types.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { can } from '../domain/roles.js'
import { buildStaffDigest, isDigestTime } from '../domain/staff-digest.js'
import type { StaffUser } from '../domain/staff-user.js'
import {
  assignmentRecipients,
  digestRecipients,
  isNewRequestChoice,
  isNotifiedRole,
  newRequestRecipients,
  preferencesFor,
  replyRecipients,
  type NotificationPreferences,
  type StaffRecipient,
} from '../domain/staff-notifications.js'
import { ValidationError } from '../errors.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import type { NotificationsRepo } from './repo.js'

export interface NotificationDeps {
  db: Knex
  repo: NotificationsRepo
  publicUrl: string
  serviceName: string
  organisationName: string
  now: () => Date
}

/** What the account page's form sends: a radio's value and the ticked boxes. */
export interface PreferencesForm {
  newRequests: unknown
  also: unknown
}

/**
 * Emails to staff about their work, queued in the transaction of the change that causes them, so
 * none is lost and none is sent for a change that did not happen. Each names the case by its
 * reference, type and due date and links to its page: nothing the person wrote or who they are.
 */
export function notificationService(deps: NotificationDeps) {
  const { db, repo } = deps
  const caseUrl = (id: string) => absoluteUrl(deps.publicUrl, paths.staff.case({ id }))
  const complaintUrl = (id: string) => absoluteUrl(deps.publicUrl, paths.staff.complaint({ id }))

  /** What every staff email says about a request. */
  function aboutRequest(request: RightsRequest) {
    return {
      reference: request.reference ?? 'without a reference',
      typeName: requestTypeInfo[request.type].name,
      dueOn: request.dueOn ? formatLongDate(request.dueOn) : null,
      caseUrl: caseUrl(request.id),
    }
  }

  async function send(
    trx: Knex,
    to: StaffRecipient[],
    mail: { kind: string; subject: string; template: string; locals: Record<string, unknown> },
    at: Date,
  ): Promise<void> {
    for (const recipient of to) {
      await enqueueMail(
        trx,
        {
          kind: mail.kind,
          to: recipient.email,
          subject: mail.subject,
          template: mail.template,
          locals: {
            serviceName: deps.serviceName,
            organisationName: deps.organisationName,
            displayName: recipient.displayName,
            ...mail.locals,
          },
        },
        at,
      )
    }
  }

  return {
    /** A request was confirmed (by its link, or by staff): to those who chose every new request. */
    async requestConfirmed(trx: Knex, request: RightsRequest, actorId: string | null): Promise<void> {
      const at = deps.now()
      const to = newRequestRecipients(await repo.recipients(trx), request, actorId)
      const about = aboutRequest(request)
      await send(
        trx,
        to,
        {
          kind: 'staff-new-request',
          subject: `New ${about.typeName.toLowerCase()} request ${about.reference}`,
          template: 'staff-new-request',
          locals: about,
        },
        at,
      )
    },

    /** A request was assigned: to the new assignee, if they chose to hear of it. */
    async requestAssigned(trx: Knex, request: RightsRequest, actor: StaffUser): Promise<void> {
      if (!request.assigneeId) return
      const at = deps.now()
      const to = assignmentRecipients(await repo.recipients(trx), request.assigneeId, actor.id)
      const about = aboutRequest(request)
      await send(
        trx,
        to,
        {
          kind: 'staff-assigned',
          subject: `Request ${about.reference} is assigned to you`,
          template: 'staff-assigned',
          locals: { ...about, assignedBy: actor.displayName },
        },
        at,
      )
    },

    /** The person replied: one more unread reply on the case, and an email to whoever handles it. */
    async personReplied(trx: Knex, request: RightsRequest): Promise<void> {
      const at = deps.now()
      await repo.addUnreadReply(trx, request.id)
      const to = replyRecipients(await repo.recipients(trx), request.assigneeId)
      const about = aboutRequest(request)
      await send(
        trx,
        to,
        {
          kind: 'staff-reply',
          subject: `The person replied on request ${about.reference}`,
          template: 'staff-reply',
          locals: { ...about, assignedToYou: request.assigneeId !== null },
        },
        at,
      )
    },

    /** Someone who can act opened the case: its replies are read. */
    async repliesRead(user: StaffUser, requestId: string): Promise<void> {
      if (!can(user.role, 'cases:act')) return
      await repo.clearUnreadReplies(requestId)
    },

    /** The choices that apply to a member of staff, and whether their role is emailed at all. */
    async preferencesOf(
      user: StaffUser,
    ): Promise<{ notified: boolean; preferences: NotificationPreferences }> {
      return {
        notified: isNotifiedRole(user.role),
        preferences: preferencesFor(user.role, await repo.chosenBy(user.id)),
      }
    },

    /** Saves what a member of staff chose on their account page. */
    async savePreferences(user: StaffUser, form: PreferencesForm): Promise<NotificationPreferences> {
      if (!isNotifiedRole(user.role)) {
        throw new ValidationError([
          { field: 'newRequests', href: '#newRequests', text: 'Your role is not emailed about requests' },
        ])
      }
      if (!isNewRequestChoice(form.newRequests)) {
        throw new ValidationError([
          {
            field: 'newRequests',
            href: '#newRequests',
            text: 'Select which new requests to be emailed about',
          },
        ])
      }
      const also = ([] as unknown[]).concat(form.also ?? [])
      const preferences: NotificationPreferences = {
        newRequests: form.newRequests,
        replies: also.includes('replies'),
        digest: also.includes('digest'),
      }
      const at = deps.now()
      await db.transaction(async (trx) => {
        await repo.save(user.id, preferences, at, trx)
        await recordEvent(
          trx,
          {
            actor: { type: 'staff', id: user.id },
            subject: { type: 'staff_user', id: user.id },
            kind: 'staff.notifications_changed',
            data: { ...preferences },
          },
          at,
        )
      })
      return preferences
    },

    /**
     * The daily digest, from the morning on: once per person per UK day (the day is recorded with the
     * mail, so a restart or a second instance never sends it twice), and never when it would be empty.
     */
    async sendDigests(): Promise<{ digestsSent: number }> {
      const at = deps.now()
      if (!isDigestTime(at)) return { digestsSent: 0 }
      const today = londonDate(at)
      const recipients = digestRecipients(await repo.recipients())
      if (recipients.length === 0) return { digestsSent: 0 }
      const requests = await repo.requestsDueBy(addDays(today, dueSoonDays))
      const complaints = await repo.complaintsToAcknowledge()
      let digestsSent = 0
      for (const recipient of recipients) {
        if (await repo.digestSent(recipient.id, today)) continue
        const digest = buildStaffDigest({
          today,
          recipientId: recipient.id,
          requests,
          complaints,
          links: { request: caseUrl, complaint: complaintUrl },
        })
        if (!digest) continue
        const sent = await db
          .transaction(async (trx) => {
            await repo.recordDigest(trx, recipient.id, today, at)
            await send(
              trx,
              [recipient],
              { kind: 'staff-digest', subject: digest.subject, template: 'staff-digest', locals: { digest } },
              at,
            )
            return true
          })
          .catch((error: unknown) => {
            // Another instance recorded this person's digest first: theirs is the one sent.
            if (isUniqueViolation(error)) return false
            throw error
          })
        if (sent) digestsSent++
      }
      return { digestsSent }
    },
  }
}

function isUniqueViolation(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown }
  return code === '23505' || (code === 'SQLITE_CONSTRAINT' && String(message).includes('UNIQUE'))
}

export type NotificationService = ReturnType<typeof notificationService>
