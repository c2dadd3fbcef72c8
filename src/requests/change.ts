import type { Knex } from 'knex'
import { discardDrafts, publishFiles } from '../answers/files.js'
import { recordEvent, type Actor } from '../audit/events.js'
import { formatLongDate } from '../domain/clock.js'
import {
  applyTransition,
  assertAllowed,
  RequestRuleError,
  TransitionNotAllowed,
  type Notice,
  type OutgoingLetter,
  type Transition,
  type TransitionKind,
  type TransitionResult,
} from '../domain/request-lifecycle.js'
import { requestTypeInfo } from '../domain/request-types.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import { generateToken, hashToken, newId } from '../security/tokens.js'
import type { StudiesRepo } from '../studies/repo.js'
import type { Study } from '../domain/study.js'
import { rowChangesOf, type RequestsRepo } from './repo.js'

/** A new secret link to a request's status page; only its hash is stored. Returns the token. */
export async function newStatusLink(
  requests: RequestsRepo,
  trx: Knex,
  requestId: string,
  at: Date,
): Promise<string> {
  const token = generateToken()
  await requests.insertLink(
    trx,
    { id: newId(), requestId, purpose: 'status', tokenHash: hashToken(token), expiresAt: null },
    at,
  )
  return token
}

/** What every email about a request is rendered with: the service, the study, whom to greet. */
export function requestMailLocals(
  serviceName: string,
  study: Study,
  request: Pick<RightsRequest, 'requesterName'>,
) {
  return { serviceName, study, greetingName: request.requesterName, formatLongDate, requestTypeInfo }
}

/** The case changed after the form was opened: nothing is saved, and the page says so. */
export class StaleRequestError extends ConflictError {
  constructor() {
    super('This case changed since you opened it')
    this.name = 'StaleRequestError'
  }
}

export interface ChangeScope {
  trx: Knex
  /** The request as locked for this change. */
  request: RightsRequest
  study: Study
  at: Date
}

export interface ChangeOptions {
  requestId: string
  /** The version the form was opened at, or 'current' where the change does not depend on it. */
  expectedVersion: number | 'current'
  /** The transition to be made, checked against the request's status before anything else runs. */
  kind: TransitionKind
  /** For record actions allowed on a closed request (lifting a restriction after completion). */
  allowClosed?: boolean
  actor: Actor
  /** Joins the caller's transaction instead of opening one. */
  trx?: Knex
}

export interface ChangeDone {
  before: RightsRequest
  after: RightsRequest
  result: TransitionResult
  /** The newest status link issued by this change, if any (for the page the person lands on). */
  statusToken: string | null
}

export interface RequestWriterDeps {
  db: Knex
  requests: RequestsRepo
  studies: StudiesRepo
  publicUrl: string
  serviceName: string
  now: () => Date
}

/**
 * The one writer of a rights request: every change locks the request, checks its version, asks
 * the lifecycle what the transition does, and saves it with its events, letters and mail in one
 * transaction. Intake and case handling both change requests only through here.
 */
export function requestWriter(deps: RequestWriterDeps) {
  const { db, requests, studies } = deps
  const link = (path: string) => absoluteUrl(deps.publicUrl, path)

  const issueStatusLink = (trx: Knex, requestId: string, at: Date) =>
    newStatusLink(requests, trx, requestId, at)

  async function sendLetter(
    trx: Knex,
    request: RightsRequest,
    study: Study,
    letter: OutgoingLetter,
    authorId: string | null,
    at: Date,
  ): Promise<string | null> {
    await requests.insertMessage(trx, {
      requestId: request.id,
      direction: 'to_person',
      kind: letter.kind,
      subject: letter.subject,
      body: letter.body,
      authorId,
      at,
    })
    if (!request.email) return null
    const token = await issueStatusLink(trx, request.id, at)
    await enqueueMail(
      trx,
      {
        kind: `case-${letter.kind}`,
        to: request.email,
        requestId: request.id,
        subject: letter.subject,
        template: 'case-letter',
        locals: {
          letter: letter.body,
          statusUrl: link(paths.status.show(token)),
          reference: request.reference,
          study,
          serviceName: deps.serviceName,
        },
      },
      at,
    )
    return token
  }

  /** A template email for a notice, with a fresh status link to the request it is about. */
  async function sendNotice(
    trx: Knex,
    request: RightsRequest,
    study: Study,
    notice: Notice,
    at: Date,
  ): Promise<string | null> {
    if (!request.email) return null
    // A duplicate's notice points the person to the first request, not to the duplicate.
    const about = notice.kind === 'duplicate' ? await requests.findById(notice.first.id, trx) : request
    if (!about) throw new NotFoundError('Unknown request')
    const reference = about.reference ?? ''
    const mail = {
      receipt: {
        kind: 'request-received',
        subject: `We have your request: ${reference}`,
        extra: notice.kind === 'receipt' ? { intro: notice.intro } : {},
      },
      duplicate: {
        kind: 'duplicate-request',
        subject: `You already have an open request: ${reference}`.trim(),
        extra: {},
      },
      withdrawn: {
        kind: 'request-withdrawn',
        subject: `You withdrew your request ${reference}`.trim(),
        extra: notice.kind === 'withdrawn' ? { withdrawnOn: formatLongDate(notice.withdrawnOn) } : {},
      },
    }[notice.kind]
    const token = await issueStatusLink(trx, about.id, at)
    await enqueueMail(
      trx,
      {
        kind: mail.kind,
        to: request.email,
        requestId: about.id,
        subject: mail.subject,
        template: mail.kind,
        locals: {
          ...requestMailLocals(deps.serviceName, study, request),
          request: about,
          statusUrl: link(paths.status.show(token)),
          ...mail.extra,
        },
      },
      at,
    )
    return token
  }

  function asHttpError(error: unknown): unknown {
    if (error instanceof RequestRuleError) {
      return new ValidationError([{ field: error.field, href: error.href, text: error.message }])
    }
    if (error instanceof TransitionNotAllowed) return new ConflictError(error.message)
    return error
  }

  async function changeIn(
    trx: Knex,
    options: ChangeOptions,
    build: (scope: ChangeScope) => Promise<Transition> | Transition,
  ): Promise<ChangeDone> {
    const at = deps.now()
    const request = await requests.findByIdForUpdate(trx, options.requestId)
    if (!request) throw new NotFoundError('No such request')
    if (options.expectedVersion !== 'current' && request.version !== options.expectedVersion) {
      throw new StaleRequestError()
    }
    try {
      assertAllowed(options.kind, request, { allowClosed: options.allowClosed })
    } catch (error) {
      throw asHttpError(error)
    }
    const study = await studies.findById(request.studyId, trx)
    if (!study) throw new NotFoundError('No such study')

    const transition = await build({ trx, request, study, at })
    let result: TransitionResult
    try {
      result = applyTransition(request, transition, {
        at,
        controllerName: study.controllerName,
        dpoEmail: study.dpoEmail,
      })
    } catch (error) {
      throw asHttpError(error)
    }

    const done: Record<string, number> = {}
    if (result.effects.discardDrafts) {
      const discarded = await discardDrafts(trx, request.id)
      if (discarded) done.draftsDiscarded = discarded
    }
    if (result.effects.publishAnswer) done.filesPublished = await publishFiles(trx, request.id, at)
    if (result.effects.forgetMail) await requests.forgetMail(trx, request.id)

    const version = request.version + 1
    const saved = await requests.updateAtVersion(trx, request.id, request.version, {
      ...rowChangesOf(result.changes),
      version,
      updated_at: at.toISOString(),
    })
    if (!saved) throw new StaleRequestError()
    const after: RightsRequest = { ...request, ...result.changes, version, updatedAt: at.toISOString() }

    for (const [index, event] of result.events.entries()) {
      await recordEvent(
        trx,
        {
          actor: options.actor,
          subject: { type: 'request', id: request.id },
          kind: event.kind,
          data: index === 0 ? { ...event.data, ...done } : event.data,
        },
        at,
      )
    }
    if (result.fromPerson !== null) {
      await requests.insertMessage(trx, {
        requestId: request.id,
        direction: 'from_person',
        kind: 'reply',
        subject: null,
        body: result.fromPerson,
        authorId: null,
        at,
      })
    }
    let statusToken: string | null = null
    const authorId = options.actor.type === 'staff' ? options.actor.id : null
    for (const letter of result.letters) {
      statusToken = (await sendLetter(trx, after, study, letter, authorId, at)) ?? statusToken
    }
    for (const notice of result.notices) {
      statusToken = (await sendNotice(trx, after, study, notice, at)) ?? statusToken
    }
    return { before: request, after, result, statusToken }
  }

  return {
    /** Applies one transition to one request, in the caller's transaction or a new one. */
    changeRequest(
      options: ChangeOptions,
      build: (scope: ChangeScope) => Promise<Transition> | Transition,
    ): Promise<ChangeDone> {
      if (options.trx) return changeIn(options.trx, options, build)
      return db.transaction((trx) => changeIn(trx, options, build))
    },
  }
}

export type RequestWriter = ReturnType<typeof requestWriter>
