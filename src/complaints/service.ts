import type { Knex } from 'knex'
import { eventsFor, recordEvent, systemActor, type Actor, type StoredEvent } from '../audit/events.js'
import { formatLongDate, londonDate } from '../domain/clock.js'
import {
  complaintClock,
  complaintSubjects,
  type Complaint,
  type ComplaintClock,
  type ComplaintSubject,
} from '../domain/complaint.js'
import { emailHmac } from '../domain/email-address.js'
import { fillComplaintPlaceholders, wrapLetter } from '../domain/letters.js'
import type { Study } from '../domain/study.js'
import { ConflictError, NotFoundError } from '../errors.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import type { RequestsRepo } from '../requests/repo.js'
import { generateToken, hashToken, isWellFormedToken } from '../security/tokens.js'
import type { StudiesRepo } from '../studies/repo.js'
import type { TemplatesService } from '../templates/service.js'
import type { ComplaintMessage, ComplaintsRepo } from './repo.js'

/** A confirmation link works for 7 days; an unconfirmed complaint lapses when it does. */
export const complaintConfirmLinkDays = 7

export interface ComplaintServiceDeps {
  db: Knex
  secret: string
  publicUrl: string
  serviceName: string
  organisation: { name: string; dpoEmail: string }
  complaints: ComplaintsRepo
  studies: StudiesRepo
  requests: RequestsRepo
  templates: TemplatesService
  now: () => Date
  /** Days from receipt to the organisation's own target for the outcome. */
  responseTargetDays: number
}

/** A complaint made on the portal's form, before the person has confirmed it. */
export interface NewComplaint {
  subject: ComplaintSubject
  whatHappened: string
  desiredOutcome: string | null
  /** Already normalised. */
  email: string
  name: string | null
  studyId: string | null
  /** The request it is about, resolved from that request's status link; never from the form. */
  requestId: string | null
}

export type ComplaintConfirmLinkState =
  | { state: 'valid'; complaint: Complaint; study: Study | undefined }
  | { state: 'used' }
  | { state: 'expired' }
  | { state: 'unknown' }

/** What the person's status page shows: the complaint, what was said both ways, what happened. */
export interface ComplaintStatusView {
  complaint: Complaint
  study: Study | undefined
  /** The reference of the request the complaint is about, if any. */
  requestReference: string | null
  clock: ComplaintClock | null
  messages: ComplaintMessage[]
  events: StoredEvent[]
}

/** A letter to the person about their complaint, already worded in full. */
export interface LetterToPerson {
  kind: Exclude<ComplaintMessage['kind'], 'reply'>
  subject: string
  body: string
  /** The staff member who wrote it; null for letters the portal sends itself. */
  authorId: string | null
}

export function complaintService(deps: ComplaintServiceDeps) {
  const { db, complaints, studies } = deps
  const link = (path: string) => absoluteUrl(deps.publicUrl, path)
  const person = (complaintId: string): Actor => ({ type: 'participant', id: complaintId })

  /** A new secret link to the complaint's status page; only its hash is stored. */
  async function issueStatusLink(trx: Knex, complaintId: string, at: Date): Promise<string> {
    const token = generateToken()
    await complaints.insertLink(trx, {
      complaintId,
      purpose: 'status',
      tokenHash: hashToken(token),
      expiresAt: null,
      at,
    })
    return token
  }

  /** What every email about a complaint is rendered with: the service, who runs it, whom to greet. */
  async function mailLocals(trx: Knex, complaint: Complaint) {
    const study = complaint.studyId ? await studies.findById(complaint.studyId, trx) : undefined
    return {
      serviceName: deps.serviceName,
      organisationName: deps.organisation.name,
      ...(study ? { study } : {}),
      controllerName: study?.controllerName ?? deps.organisation.name,
      dpoEmail: study?.dpoEmail ?? deps.organisation.dpoEmail,
      greetingName: complaint.requesterName,
      reference: complaint.reference,
      formatLongDate,
    }
  }

  /**
   * Sends a letter to the person: it is kept as a message on the complaint and, while the
   * complaint still has an address, emailed with a fresh link to the status page, where it can be
   * read and answered. Runs inside the caller's transaction; the caller records the event of the
   * change the letter belongs to (acknowledged, update_sent, message_sent, closed…).
   */
  async function sendToPerson(
    trx: Knex,
    complaint: Complaint,
    letter: LetterToPerson,
    at: Date,
  ): Promise<{ messageId: string; statusToken: string | null }> {
    const messageId = await complaints.insertMessage(trx, {
      complaintId: complaint.id,
      direction: 'to_person',
      kind: letter.kind,
      subject: letter.subject,
      body: letter.body,
      authorId: letter.authorId,
      at,
    })
    if (!complaint.email) return { messageId, statusToken: null }
    const statusToken = await issueStatusLink(trx, complaint.id, at)
    await enqueueMail(
      trx,
      {
        kind: `complaint-${letter.kind}`,
        to: complaint.email,
        complaintId: complaint.id,
        subject: letter.subject,
        template: 'complaint-letter',
        locals: {
          ...(await mailLocals(trx, complaint)),
          letter: letter.body,
          statusUrl: link(paths.complaint.status(statusToken)),
        },
      },
      at,
    )
    return { messageId, statusToken }
  }

  /** A link by its token; a token of the wrong shape is never looked up. */
  async function findLink(token: string, purpose: 'confirm' | 'status') {
    if (!isWellFormedToken(token)) return undefined
    const found = await complaints.findLink(hashToken(token))
    return found?.purpose === purpose ? found : undefined
  }

  async function requireComplaint(trx: Knex, id: string): Promise<Complaint> {
    const complaint = await complaints.findById(id, trx)
    if (!complaint) throw new NotFoundError('Complaint not found')
    return complaint
  }

  /** The acknowledgement's wording as an administrator last edited it; read before a transaction opens. */
  const acknowledgementTemplate = async (): Promise<string> =>
    (await deps.templates.get('complaint_acknowledgement')).body

  /**
   * Acknowledges a complaint (s.164A(3)): the letter from the template's wording (see
   * `acknowledgementTemplate`), kept as a message and emailed with the status link, and the date
   * recorded. The complaint must be open with its reference and clock. Returns the status token
   * the email carries (null without an address).
   */
  async function acknowledge(
    trx: Knex,
    complaint: Complaint,
    how: { actor: Actor; template: string; automatic: boolean },
    at: Date,
  ): Promise<string | null> {
    const { actor } = how
    if (!complaint.reference || !complaint.receivedOn || !complaint.acknowledgementDueOn) {
      throw new ConflictError('Complaint has no reference or clock yet')
    }
    const acknowledgedOn = londonDate(at)
    if (!(await complaints.update(trx, complaint.id, complaint.version, { acknowledgedOn }, at, ['open']))) {
      throw new ConflictError('Complaint changed or is not open')
    }
    const { controllerName, dpoEmail } = await mailLocals(trx, complaint)
    const context = {
      reference: complaint.reference,
      subject: complaint.subject,
      name: complaint.requesterName,
      receivedOn: complaint.receivedOn,
      responseTargetOn: complaint.responseTargetOn,
      controllerName,
      dpoEmail,
    }
    const sent = await sendToPerson(
      trx,
      complaint,
      {
        kind: 'acknowledgement',
        subject: `We have received your complaint ${complaint.reference}`,
        body: wrapLetter(fillComplaintPlaceholders(how.template, context), context),
        authorId: actor.type === 'staff' ? actor.id : null,
      },
      at,
    )
    await recordEvent(
      trx,
      {
        actor,
        subject: { type: 'complaint', id: complaint.id },
        kind: 'complaint.acknowledged',
        data: {
          messageId: sent.messageId,
          acknowledgedOn,
          acknowledgementDueOn: complaint.acknowledgementDueOn,
          onTime: acknowledgedOn <= complaint.acknowledgementDueOn,
          automatic: how.automatic,
        },
      },
      at,
    )
    return sent.statusToken
  }

  return {
    sendToPerson,
    acknowledge,
    acknowledgementTemplate,

    /**
     * Files a complaint and emails a confirmation link. The work done is the same whatever the
     * address, so neither the answer nor its timing tells anything about other complaints.
     */
    async submit(input: NewComplaint): Promise<{ complaintId: string }> {
      const at = deps.now()
      return db.transaction(async (trx) => {
        const complaintId = await complaints.insert(trx, {
          studyId: input.studyId,
          requestId: input.requestId,
          subject: input.subject,
          whatHappened: input.whatHappened,
          desiredOutcome: input.desiredOutcome,
          email: input.email,
          emailHmac: emailHmac(deps.secret, input.email),
          requesterName: input.name,
          status: 'unconfirmed',
          channel: 'portal',
          at,
        })
        await recordEvent(
          trx,
          {
            actor: person(complaintId),
            subject: { type: 'complaint', id: complaintId },
            kind: 'complaint.submitted',
            data: {
              subject: input.subject,
              channel: 'portal',
              studyId: input.studyId,
              requestId: input.requestId,
            },
          },
          at,
        )
        const complaint = await requireComplaint(trx, complaintId)
        const token = generateToken()
        const expiresAt = new Date(at.getTime() + complaintConfirmLinkDays * 24 * 60 * 60 * 1000)
        await complaints.insertLink(trx, {
          complaintId,
          purpose: 'confirm',
          tokenHash: hashToken(token),
          expiresAt,
          at,
        })
        await enqueueMail(
          trx,
          {
            kind: 'complaint-confirm',
            to: input.email,
            complaintId,
            subject: 'Confirm your complaint',
            template: 'complaint-confirm',
            locals: {
              ...(await mailLocals(trx, complaint)),
              subjectLabel: complaintSubjects[input.subject].label,
              confirmUrl: link(paths.complaint.confirm(token)),
              expiresOn: formatLongDate(londonDate(expiresAt)),
            },
          },
          at,
        )
        return { complaintId }
      })
    },

    /** The address the person typed, for the "check your email" page of the same session. */
    async submittedEmail(complaintId: string): Promise<string | null> {
      const complaint = await complaints.findById(complaintId)
      return complaint?.status === 'unconfirmed' ? complaint.email : null
    },

    /** What a confirmation link leads to. Looking changes nothing, so mail scanners confirm nothing. */
    async inspectConfirmLink(token: string): Promise<ComplaintConfirmLinkState> {
      const found = await findLink(token, 'confirm')
      if (!found) return { state: 'unknown' }
      const complaint = await complaints.findById(found.complaintId)
      if (!complaint) return { state: 'unknown' }
      if (found.usedAt || complaint.status === 'open' || complaint.status === 'closed') {
        return { state: 'used' }
      }
      if (
        complaint.status !== 'unconfirmed' ||
        !found.expiresAt ||
        found.expiresAt <= deps.now().toISOString()
      ) {
        return { state: 'expired' }
      }
      const study = complaint.studyId ? await studies.findById(complaint.studyId) : undefined
      return { state: 'valid', complaint, study }
    },

    /** The address (as its HMAC) a confirmation link belongs to, for rate limits. */
    async emailHmacOfConfirmLink(token: string): Promise<string | null> {
      const found = await findLink(token, 'confirm')
      if (!found) return null
      return complaints.emailHmacOf(found.complaintId)
    },

    /**
     * Confirms a complaint: it opens with its reference, its clock runs from the day it was sent,
     * and the acknowledgement goes at once. A link works once; a second try changes nothing.
     */
    async confirm(token: string): Promise<{ statusToken: string; reference: string }> {
      const found = await findLink(token, 'confirm')
      if (!found) throw new NotFoundError('Unknown confirmation link')
      const template = await acknowledgementTemplate()
      const at = deps.now()
      return db.transaction(async (trx) => {
        if (!found.expiresAt || found.expiresAt <= at.toISOString()) throw new ConflictError('Link expired')
        if (!(await complaints.useLink(trx, found.id, at))) throw new ConflictError('Link already used')
        const complaint = await requireComplaint(trx, found.complaintId)
        if (complaint.status !== 'unconfirmed' || !complaint.email) {
          throw new ConflictError('Complaint is not waiting to be confirmed')
        }
        const receivedOn = londonDate(new Date(complaint.createdAt))
        const clock = complaintClock(receivedOn, deps.responseTargetDays)
        const reference = await complaints.nextReference(trx, Number(londonDate(at).slice(0, 4)))
        const opened = await complaints.update(
          trx,
          complaint.id,
          complaint.version,
          {
            status: 'open',
            reference,
            receivedOn,
            acknowledgementDueOn: clock.acknowledgementDueOn,
            responseTargetOn: clock.responseTargetOn,
          },
          at,
          ['unconfirmed'],
        )
        if (!opened) throw new ConflictError('Complaint changed while it was confirmed')
        await recordEvent(
          trx,
          {
            actor: person(complaint.id),
            subject: { type: 'complaint', id: complaint.id },
            kind: 'complaint.confirmed',
            data: {
              reference,
              via: 'email_link',
              receivedOn,
              acknowledgementDueOn: clock.acknowledgementDueOn,
              responseTargetOn: clock.responseTargetOn,
              responseTargetDays: deps.responseTargetDays,
            },
          },
          at,
        )
        const statusToken = await acknowledge(
          trx,
          await requireComplaint(trx, complaint.id),
          { actor: systemActor('complaint-acknowledgement'), template, automatic: true },
          at,
        )
        if (!statusToken) throw new ConflictError('Complaint has no address')
        return { statusToken, reference }
      })
    },

    /** Emails a new status link to whoever confirmed the complaint (the link they hold was used). */
    async statusLinkFromUsed(token: string): Promise<boolean> {
      const found = await findLink(token, 'confirm')
      if (!found?.usedAt) return false
      const at = deps.now()
      return db.transaction(async (trx) => {
        const complaint = await complaints.findById(found.complaintId, trx)
        const email = complaint?.email
        if (!complaint || !email || complaint.status === 'unconfirmed' || complaint.status === 'unverified') {
          return false
        }
        const statusToken = await issueStatusLink(trx, complaint.id, at)
        await enqueueMail(
          trx,
          {
            kind: 'complaint-status-link',
            to: email,
            complaintId: complaint.id,
            subject: `Your link to complaint ${complaint.reference ?? ''}`.trim(),
            template: 'complaint-status-link',
            locals: {
              ...(await mailLocals(trx, complaint)),
              statusUrl: link(paths.complaint.status(statusToken)),
            },
          },
          at,
        )
        return true
      })
    },

    /** The status page's complaint, found by its secret link. */
    async findByStatusToken(token: string): Promise<ComplaintStatusView | undefined> {
      const found = await findLink(token, 'status')
      if (!found) return undefined
      const complaint = await complaints.findById(found.complaintId)
      if (!complaint) return undefined
      const study = complaint.studyId ? await studies.findById(complaint.studyId) : undefined
      const request = complaint.requestId ? await deps.requests.findById(complaint.requestId) : undefined
      return {
        complaint,
        study,
        requestReference: request?.reference ?? null,
        clock: complaint.receivedOn ? complaintClock(complaint.receivedOn, deps.responseTargetDays) : null,
        messages: await complaints.messagesOf(complaint.id),
        events: await eventsFor(db, { type: 'complaint', id: complaint.id }),
      }
    },

    /** The person writes back from the status page while the complaint is open. */
    async reply(token: string, text: string): Promise<void> {
      const found = await findLink(token, 'status')
      if (!found) throw new NotFoundError('Unknown status link')
      const at = deps.now()
      await db.transaction(async (trx) => {
        const complaint = await requireComplaint(trx, found.complaintId)
        if (complaint.status !== 'open') throw new ConflictError('Complaint is not open')
        const messageId = await complaints.insertMessage(trx, {
          complaintId: complaint.id,
          direction: 'from_person',
          kind: 'reply',
          subject: null,
          body: text,
          authorId: null,
          at,
        })
        await recordEvent(
          trx,
          {
            actor: person(complaint.id),
            subject: { type: 'complaint', id: complaint.id },
            kind: 'complaint.person_replied',
            data: { messageId, length: [...text].length },
          },
          at,
        )
      })
    },
  }
}

export type ComplaintService = ReturnType<typeof complaintService>
