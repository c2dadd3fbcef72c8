import type { Knex } from 'knex'
import { recordEvent, systemActor, type Actor } from '../audit/events.js'
import { formatLongDate, londonDate, relevantTime } from '../domain/clock.js'
import { emailHmac, legacyEmailHmac } from '../domain/email-address.js'
import { openStatuses } from '../domain/request-status.js'
import { requestTypeInfo, type RequestDetails, type RequestType } from '../domain/request-types.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import type { RecordsRepo } from '../records/repo.js'
import { newStatusLink, requestMailLocals, type RequestWriter } from '../requests/change.js'
import type { NewRightsRequest, RequestsRepo, RightsRequest } from '../requests/repo.js'
import { recordAnswer, retentionStateAt, snapshotOf } from '../domain/retention.js'
import { generateToken, hashToken, isWellFormedToken, newId } from '../security/tokens.js'
import { type StudiesRepo } from '../studies/repo.js'
import type { GroupCommit } from '../db/group-commit.js'
import type { RateHit, RateLimiter } from '../web/rate-limit.js'
import { retentionPolicyOf, type Study } from '../domain/study.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import type { StaffUser } from '../domain/staff-user.js'
import type { NotificationService } from '../notifications/service.js'
import { noEmailAddressRule, type PostalAddress } from '../domain/postal-address.js'

/** A confirmation link works for 7 days; an unconfirmed request lapses when its last link does. */
export const confirmLinkDays = 7

export interface IntakeDeps {
  db: Knex
  secret: string
  publicUrl: string
  serviceName: string
  requests: RequestsRepo
  studies: StudiesRepo
  records: RecordsRepo
  writer: RequestWriter
  now: () => Date
  /** The receipt's opening, as an administrator last worded it. */
  receiptTemplate: () => Promise<string>
  /** Tells staff of a confirmed request, in the transaction that confirms it. */
  notifications?: Pick<NotificationService, 'requestConfirmed'>
  /** Submissions arriving together share one commit. */
  commits: GroupCommit
  limiter: Pick<RateLimiter, 'consume'>
}

export interface NewRequest {
  study: Study
  type: RequestType
  details: RequestDetails
  /** Already normalised. */
  email: string
  name: string | null
}

/** How a request logged by staff reached the organisation. */
export const staffChannels = { email: 'Email', post: 'Post', phone: 'Phone', in_person: 'In person' } as const
export type StaffChannel = keyof typeof staffChannels

export type ConfirmLinkState =
  | { state: 'valid'; request: RightsRequest; study: Study }
  | { state: 'used' }
  | { state: 'expired'; canSendNewLink: boolean }
  | { state: 'unknown' }

const participant = (request: { id: string }): Actor => ({ type: 'participant', id: request.id })

export function intakeService(deps: IntakeDeps) {
  const { db, requests, studies } = deps
  const link = (path: string) => absoluteUrl(deps.publicUrl, path)

  const mailLocals = (study: Study, request: Pick<RightsRequest, 'requesterName'>) =>
    requestMailLocals(deps.serviceName, study, request)

  async function issueConfirmLink(trx: Knex, request: RightsRequest, study: Study, at: Date): Promise<void> {
    const token = generateToken()
    const expiresAt = new Date(at.getTime() + confirmLinkDays * 24 * 60 * 60 * 1000)
    await requests.expireLinks(trx, request.id, 'confirm', at)
    await requests.insertLink(
      trx,
      {
        id: newId(),
        requestId: request.id,
        purpose: 'confirm',
        tokenHash: hashToken(token),
        expiresAt: expiresAt.toISOString(),
      },
      at,
    )
    await enqueueMail(
      trx,
      {
        kind: 'confirm-request',
        to: request.email ?? '',
        requestId: request.id,
        subject: `Confirm your request: ${requestTypeInfo[request.type].label.toLowerCase()}`,
        template: 'confirm-request',
        locals: {
          ...mailLocals(study, request),
          request,
          confirmUrl: link(paths.confirm.show(token)),
          expiresOn: formatLongDate(londonDate(expiresAt)),
        },
      },
      at,
    )
  }

  const issueStatusLink = (trx: Knex, requestId: string, at: Date) =>
    newStatusLink(requests, trx, requestId, at)

  async function findLink(token: string, purpose: 'confirm' | 'status') {
    if (!isWellFormedToken(token)) return undefined
    return requests.findLink(hashToken(token), purpose)
  }

  async function requireStudy(studyId: string): Promise<Study> {
    const study = await studies.findById(studyId)
    if (!study) throw new NotFoundError('Study not found')
    return study
  }

  /**
   * Makes a request real once identity is established (the link, or staff): a reference, the clock
   * from the relevant time, a receipt. A second open request of the same type for the same address
   * is closed as a duplicate and the person pointed to the first.
   */
  async function establish(
    trx: Knex,
    requestId: string,
    how: {
      actor: Actor
      clockStartOn: (request: RightsRequest, at: Date) => string
      via: 'email_link' | 'staff'
      note?: string
      receipt: string
      /** Checks made under the request's lock before anything changes (the link, say). */
      check?: (request: RightsRequest, at: Date) => Promise<void>
    },
  ): Promise<{ outcome: 'confirmed' | 'duplicate'; statusToken: string; reference: string | null }> {
    let firstReference: string | null = null
    const done = await deps.writer.changeRequest(
      { requestId, expectedVersion: 'current', kind: 'confirm', actor: how.actor, trx },
      async ({ request, study, at }) => {
        if (!request.email && !request.postalAddress) throw new ConflictError('Request has no address')
        await how.check?.(request, at)
        // Without an email address there is nothing to match another request or a record by.
        const first = request.emailHmac
          ? await requests.findOpenDuplicate(
              trx,
              {
                studyId: request.studyId,
                emailHmac: request.emailHmac,
                type: request.type,
                excludeId: request.id,
              },
              openStatuses,
            )
          : undefined
        if (first) {
          firstReference = first.reference
          return { kind: 'close_as_duplicate', first: { id: first.id, reference: first.reference } }
        }
        // The note is free text that may name the person, so it is a case note, not event data.
        let identityNoteId: string | undefined
        if (how.note && how.actor.type === 'staff' && how.actor.id) {
          identityNoteId = await requests.insertNote(trx, {
            requestId: request.id,
            authorId: how.actor.id,
            body: `Identity established: ${how.note}`,
            at,
          })
        }
        const reference = await requests.nextReference(trx, Number(londonDate(at).slice(0, 4)))
        // The request meets the person's email record: its state now is kept as evidence.
        const today = londonDate(at)
        const record =
          request.emailHmac && request.email
            ? await deps.records.findForRequest(
                trx,
                request.studyId,
                request.emailHmac,
                legacyEmailHmac(deps.secret, request.email),
              )
            : undefined
        const found = snapshotOf(
          record?.id ?? null,
          record ? retentionStateAt(record.facts, retentionPolicyOf(study), today) : null,
          today,
        )
        const snapshot = request.email ? found : { ...found, rule: noEmailAddressRule }
        return {
          kind: 'confirm',
          via: how.via,
          clockStartOn: how.clockStartOn(request, at),
          reference,
          record: {
            recordId: record?.id ?? null,
            snapshot,
            answer: recordAnswer(snapshot, record?.facts.erased?.on ?? null),
          },
          receipt: how.receipt,
          ...(identityNoteId ? { identityNoteId } : {}),
        }
      },
    )
    const duplicate = done.after.status === 'duplicate'
    if (!duplicate) {
      await deps.notifications?.requestConfirmed(
        trx,
        done.after,
        how.actor.type === 'staff' ? how.actor.id : null,
      )
    }
    return {
      outcome: duplicate ? 'duplicate' : 'confirmed',
      statusToken: done.statusToken ?? '',
      reference: duplicate ? firstReference : done.after.reference,
    }
  }

  /** A request as first stored: waiting for identity, with no reference and no clock yet. */
  function unconfirmed(
    id: string,
    input: Omit<NewRequest, 'email'> & { email: string | null; postalAddress?: PostalAddress | null },
    origin: { channel: string; receivedOn: string },
  ): NewRightsRequest {
    return {
      id,
      studyId: input.study.id,
      type: input.type,
      channel: origin.channel,
      email: input.email,
      emailHmac: input.email ? emailHmac(deps.secret, input.email) : null,
      requesterName: input.name,
      ...(input.postalAddress ? { postalAddress: input.postalAddress } : {}),
      details: input.details,
      receivedOn: origin.receivedOn,
    }
  }

  return {
    /**
     * Files a request and emails a confirmation link. The work done is the same whether or not the
     * address is known, so neither the answer nor its timing tells anything about other requests.
     */
    /**
     * Stores a request from the web form and queues its confirmation link. The `limits` are counted
     * in the same commit: a submission over one stores nothing (TooManyRequestsError). Concurrent
     * submissions share a commit; this resolves once this one's is on disk.
     */
    async submit(input: NewRequest, options: { limits?: RateHit[] } = {}): Promise<{ requestId: string }> {
      const at = deps.now()
      const id = newId()
      await deps.commits.run(async (trx) => {
        if (options.limits) await deps.limiter.consume(options.limits, trx)
        const row = unconfirmed(id, input, { channel: 'web', receivedOn: londonDate(at) })
        await requests.insertUnconfirmed(trx, row, at)
        const request = (await requests.findById(id, trx)) as RightsRequest
        await recordEvent(
          trx,
          {
            actor: participant(request),
            subject: { type: 'request', id },
            kind: 'request.submitted',
            data: { type: input.type, studyId: input.study.id, channel: 'web', emailHmac: row.emailHmac },
          },
          at,
        )
        await issueConfirmLink(trx, request, input.study, at)
      })
      return { requestId: id }
    },

    /**
     * Logs a request that arrived by email, post, phone or in person. The clock runs from the day
     * it was received, once identity is established: at once if staff have established it, or from
     * the day the person confirms the emailed link. Without an email address (a postal address
     * instead) identity must be established by staff, and every letter is kept to print and post.
     */
    async logFromStaff(
      actor: StaffUser,
      input: Omit<NewRequest, 'email'> & {
        /** Null for a request received by post or phone with a postal address instead. */
        email: string | null
        postalAddress: PostalAddress | null
        channel: StaffChannel
        receivedOn: string
        identity: 'send_link' | 'established'
        identityNote: string | null
      },
    ): Promise<{ requestId: string }> {
      const at = deps.now()
      const id = newId()
      const staffActor: Actor = { type: 'staff', id: actor.id }
      const receipt = await deps.receiptTemplate()
      await db.transaction(async (trx) => {
        await requests.insertUnconfirmed(
          trx,
          unconfirmed(id, input, { channel: input.channel, receivedOn: input.receivedOn }),
          at,
        )
        const request = (await requests.findById(id, trx)) as RightsRequest
        await recordEvent(
          trx,
          {
            actor: staffActor,
            subject: { type: 'request', id },
            kind: 'request.logged',
            data: {
              type: input.type,
              studyId: input.study.id,
              channel: input.channel,
              receivedOn: input.receivedOn,
              identity: input.identity,
              emailHmac: request.emailHmac,
            },
          },
          at,
        )
        if (input.identity === 'send_link') {
          if (!request.email) throw new ConflictError('A confirmation link needs an email address')
          await issueConfirmLink(trx, request, input.study, at)
        } else {
          await establish(trx, request.id, {
            receipt,
            actor: staffActor,
            clockStartOn: () => input.receivedOn,
            via: 'staff',
            ...(input.identityNote ? { note: input.identityNote } : {}),
          })
        }
      })
      return { requestId: id }
    },

    /** Staff record that identity was established by other means: the clock starts today. */
    async verifyByStaff(actor: StaffUser, requestId: string, note: string): Promise<void> {
      if (note.trim() === '') {
        throw new ValidationError([
          { field: 'identityNote', href: '#identityNote', text: 'Enter how identity was established' },
        ])
      }
      const receipt = await deps.receiptTemplate()
      await db.transaction(async (trx) => {
        await establish(trx, requestId, {
          receipt,
          actor: { type: 'staff', id: actor.id },
          clockStartOn: (request, at) =>
            relevantTime({ receivedOn: request.receivedOn, identityConfirmedOn: londonDate(at) }),
          via: 'staff',
          note: note.trim(),
          check: async (request, at) => {
            if (request.status !== 'unconfirmed' || !request.email) {
              throw new ConflictError('Request is not waiting for identity')
            }
            await requests.expireLinks(trx, request.id, 'confirm', at)
          },
        })
      })
    },

    /** Sends a fresh confirmation link for a request that is still waiting to be confirmed. */
    async resendConfirmation(requestId: string): Promise<boolean> {
      const at = deps.now()
      const current = await requests.findById(requestId)
      if (!current) return false
      const study = await requireStudy(current.studyId)
      return db.transaction(async (trx) => {
        const request = await requests.findByIdForUpdate(trx, requestId)
        if (!request || request.status !== 'unconfirmed' || !request.email) return false
        await issueConfirmLink(trx, request, study, at)
        await recordEvent(
          trx,
          {
            actor: participant(request),
            subject: { type: 'request', id: request.id },
            kind: 'request.link_resent',
          },
          at,
        )
        return true
      })
    },

    /**
     * The request this browser just sent, while it still waits to be confirmed: the "Check your
     * email" page shows its address and offers to correct it. Nothing else ever looks it up.
     */
    async awaitingConfirmation(
      requestId: string,
    ): Promise<{ request: RightsRequest; study: Study } | undefined> {
      const request = await requests.findById(requestId)
      if (!request || request.status !== 'unconfirmed' || !request.email) return undefined
      return { request, study: await requireStudy(request.studyId) }
    },

    /** What a confirmation link leads to. Looking changes nothing, so mail scanners confirm nothing. */
    async inspectConfirmLink(token: string): Promise<ConfirmLinkState> {
      const found = await findLink(token, 'confirm')
      if (!found) return { state: 'unknown' }
      const request = await requests.findById(found.requestId)
      if (!request) return { state: 'unknown' }
      if (found.usedAt) {
        return request.status === 'unconfirmed'
          ? { state: 'expired', canSendNewLink: true } // replaced by a newer link
          : { state: 'used' }
      }
      if (!found.expiresAt || found.expiresAt <= deps.now().toISOString()) {
        return { state: 'expired', canSendNewLink: request.status === 'unconfirmed' }
      }
      if (request.status !== 'unconfirmed') return { state: 'used' }
      return { state: 'valid', request, study: await requireStudy(request.studyId) }
    },

    /** The address (as its HMAC) a confirmation link belongs to, for rate limits. */
    async emailHmacOfConfirmLink(token: string): Promise<string | null> {
      const found = await findLink(token, 'confirm')
      if (!found) return null
      return (await requests.findById(found.requestId))?.emailHmac ?? null
    },

    /** Requests a new confirmation link from an expired one. */
    async newLinkFromExpired(token: string): Promise<RightsRequest | undefined> {
      const found = await findLink(token, 'confirm')
      if (!found) return undefined
      const request = await requests.findById(found.requestId)
      if (!request || request.status !== 'unconfirmed') return undefined
      return (await this.resendConfirmation(request.id)) ? request : undefined
    },

    /** Emails a new status link to whoever confirmed the request (the link they hold was used). */
    async statusLinkFromUsed(token: string): Promise<RightsRequest | undefined> {
      const found = await findLink(token, 'confirm')
      if (!found?.usedAt) return undefined
      const at = deps.now()
      const request = await requests.findById(found.requestId)
      if (!request?.email || request.status === 'unconfirmed') return undefined
      const target = request.duplicateOf ? await requests.findById(request.duplicateOf) : request
      const targetEmail = target?.email
      if (!target || !targetEmail) return undefined
      const study = await requireStudy(target.studyId)
      return db.transaction(async (trx) => {
        const statusToken = await issueStatusLink(trx, target.id, at)
        await enqueueMail(
          trx,
          {
            kind: 'status-link',
            to: targetEmail,
            requestId: target.id,
            subject: `Your link to request ${target.reference ?? ''}`.trim(),
            template: 'status-link',
            locals: {
              ...mailLocals(study, target),
              request: target,
              statusUrl: link(paths.status.show(statusToken)),
            },
          },
          at,
        )
        await recordEvent(
          trx,
          {
            actor: participant(target),
            subject: { type: 'request', id: target.id },
            kind: 'request.status_link_sent',
          },
          at,
        )
        return target
      })
    },

    /**
     * Confirms a request: it gets its reference and its clock starts on the day of confirmation
     * (the relevant time: identity is established by the link). A second open request of the same
     * type for the same address is closed as a duplicate and the person pointed to the first.
     */
    async confirm(token: string): Promise<{ outcome: 'confirmed' | 'duplicate'; statusToken: string }> {
      const found = await findLink(token, 'confirm')
      if (!found) throw new NotFoundError('Unknown confirmation link')
      const receipt = await deps.receiptTemplate()
      return db.transaction((trx) =>
        establish(trx, found.requestId, {
          receipt,
          actor: { type: 'participant', id: found.requestId },
          clockStartOn: (_request, at) => londonDate(at),
          via: 'email_link',
          check: async (_request, at) => {
            if (!found.expiresAt || found.expiresAt <= at.toISOString())
              throw new ConflictError('Link expired')
            if (!(await requests.useLink(trx, found.id, at))) throw new ConflictError('Link already used')
          },
        }),
      )
    },

    async findByStatusToken(token: string): Promise<{ request: RightsRequest; study: Study } | undefined> {
      const found = await findLink(token, 'status')
      if (!found) return undefined
      const request = await requests.findById(found.requestId)
      if (!request) return undefined
      return { request, study: await requireStudy(request.studyId) }
    },

    /** The person withdraws their request: the case closes and the clock stops. */
    async withdraw(token: string): Promise<RightsRequest> {
      const found = await findLink(token, 'status')
      if (!found) throw new NotFoundError('Unknown status link')
      const done = await deps.writer.changeRequest(
        {
          requestId: found.requestId,
          expectedVersion: 'current',
          kind: 'withdraw',
          actor: { type: 'participant', id: found.requestId },
        },
        () => ({ kind: 'withdraw' }),
      )
      return done.after
    },

    /**
     * The person said the address of the request they had just sent was wrong, and sent it again:
     * the first closes at once as unverified, what they typed is removed, and its link to the
     * wrong inbox, if not yet sent, is withdrawn. One confirmed meanwhile is left alone.
     */
    async withdrawMistyped(
      requestId: string,
      /** What was sent instead: only the same right for the same study replaces it. */
      replacement: { type: RequestType; studyId: string },
    ): Promise<void> {
      const request = await requests.findById(requestId)
      if (!request || request.status !== 'unconfirmed') return
      if (request.type !== replacement.type || request.studyId !== replacement.studyId) return
      try {
        await deps.writer.changeRequest(
          {
            requestId,
            expectedVersion: request.version,
            kind: 'lapse',
            actor: { type: 'participant', id: requestId },
          },
          () => ({ kind: 'lapse' }),
        )
      } catch (error) {
        // Confirmed (or closed) since it was read: nothing to withdraw.
        if (!(error instanceof ConflictError)) throw error
      }
    },

    /**
     * Closes requests nobody confirmed in time as "unverified" and removes what the person typed:
     * address, name and free text, and any mail still held for them.
     */
    async closeLapsedUnconfirmed(batchSize = 500): Promise<number> {
      const at = deps.now()
      let closed = 0
      for (;;) {
        const lapsed = await requests.listLapsedUnconfirmed(at, batchSize)
        if (lapsed.length === 0) break
        for (const request of lapsed) {
          try {
            await deps.writer.changeRequest(
              {
                requestId: request.id,
                expectedVersion: request.version,
                kind: 'lapse',
                actor: systemActor('purge-unconfirmed'),
              },
              () => ({ kind: 'lapse' }),
            )
            closed++
          } catch (error) {
            // Confirmed (or closed by another run) since it was listed: nothing to close.
            if (!(error instanceof ConflictError)) throw error
          }
        }
        if (lapsed.length < batchSize) break
      }
      return closed
    },
  }
}

export type IntakeService = ReturnType<typeof intakeService>
