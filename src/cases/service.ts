import type { Knex } from 'knex'
import type { StaffUser } from '../accounts/repo.js'
import { answerNotReady } from '../answers/check.js'
import { discardDrafts, publishFiles, revokeFilesOfRecord } from '../answers/files.js'
import { recordEvent, type Actor } from '../audit/events.js'
import {
  answerArrived,
  askPerson,
  clockView,
  ClockRuleError,
  closeClock,
  dueForQueue,
  extend,
  type CaseClock,
  type PauseKind,
} from '../domain/case-clock.js'
import { isIsoDate, londonDate } from '../domain/clock.js'
import { emailHmac, isValidEmail, normaliseEmail } from '../domain/email-address.js'
import {
  groundStatement,
  isRefusalGroundFor,
  refusalGrounds,
  unfinishedReminder,
} from '../domain/refusals.js'
import { isRestrictionGround } from '../domain/request-types.js'
import { isOpen, type RequestStatus } from '../domain/request-status.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import type { RequestRow, RequestsRepo, RightsRequest } from '../requests/repo.js'
import { generateToken, hashToken, newId } from '../security/tokens.js'
import type { Study, StudiesRepo } from '../studies/repo.js'
import { ConflictError, NotFoundError, ValidationError } from '../web/errors.js'
import { fillPlaceholders, refusalRightsParagraph, wrapLetter, type LetterContext } from './letters.js'

export interface CaseMessage {
  id: string
  direction: 'to_person' | 'from_person'
  kind: string
  subject: string | null
  body: string
  authorId: string | null
  createdAt: string
}

export interface CaseNote {
  id: string
  authorName: string
  body: string
  createdAt: string
}

interface TaskRow {
  id: string
  title: string
  created_at: string
  done_at: string | null
  done_note: string | null
  display_name: string | null
}

export interface CaseTask {
  id: string
  title: string
  createdAt: string
  doneAt: string | null
  doneNote: string | null
  doneByName: string | null
}

export { refusalGrounds, type RefusalGround } from '../domain/refusals.js'

export const outcomes = {
  fulfilled: 'Fulfilled',
  partly_fulfilled: 'Partly fulfilled',
  no_data_held: 'No personal data held',
} as const
export type Outcome = keyof typeof outcomes

export const replyMaxLength = 5000

export interface CaseDeps {
  db: Knex
  secret: string
  publicUrl: string
  serviceName: string
  requests: RequestsRepo
  studies: StudiesRepo
  now: () => Date
}

interface RecordRow {
  id: string
  study_id: string
  email_hmac: string
  voucher_sent_on: string | null
  platform_deleted_on: string | null
  voucher_deleted_on: string | null
  erased_on: string | null
  restricted_since: string | null
}

interface ActionOutcome<T> {
  changes: Partial<RequestRow>
  event: { kind: string; data?: Record<string, unknown> }
  actor: Actor
  result?: T
}

const staff = (user: StaffUser): Actor => ({ type: 'staff', id: user.id })

/** The clock a confirmed request carries. Unconfirmed requests have none. */
export function caseClockOf(request: RightsRequest): CaseClock | null {
  if (!request.clockStartOn) return null
  return {
    clockStartOn: request.clockStartOn,
    pausedDays: request.pausedDays,
    extended: request.extended,
    pause: request.pause,
  }
}

/** What a closing case stores of its clock (see closeClock); nothing for an unconfirmed one. */
function closingClock(request: RightsRequest, at: Date): Partial<RequestRow> {
  const clock = caseClockOf(request)
  if (!clock) return { pause_kind: null, paused_since: null }
  const today = londonDate(at)
  return clockColumns(closeClock(clock, today), today)
}

/** The deadline an answer is measured against; none while the clock is stopped for identity or a fee. */
function answeredAgainst(request: RightsRequest, closing: Partial<RequestRow>): string | null {
  if (request.pause && request.pause.kind !== 'clarification') return null
  return (closing.due_on as string | undefined) ?? request.dueOn
}

function clockColumns(clock: CaseClock, today: string): Partial<RequestRow> {
  const due = dueForQueue(clock, today)
  return {
    clock_start_on: clock.clockStartOn,
    paused_days: clock.pausedDays,
    extended: clock.extended,
    pause_kind: clock.pause?.kind ?? null,
    paused_since: clock.pause?.since ?? null,
    due_on: due,
    extended_due_on: clock.extended ? due : null,
  }
}

const pauseStatus: Record<PauseKind, RequestStatus> = {
  clarification: 'awaiting_clarification',
  identity: 'awaiting_identity',
  fee: 'awaiting_fee',
}

/** Case handling: every action checks the case is unchanged since the form was opened. */
export function caseService(deps: CaseDeps) {
  const { db, requests, studies } = deps

  async function load(requestId: string): Promise<{ request: RightsRequest; study: Study }> {
    const request = await requests.findById(requestId)
    if (!request) throw new NotFoundError('No such request')
    const study = await studies.findById(request.studyId)
    if (!study) throw new NotFoundError('No such study')
    return { request, study }
  }

  function letterContext(request: RightsRequest, study: Study, dueOn: string | null): LetterContext {
    return {
      reference: request.reference ?? '',
      type: request.type,
      name: request.requesterName,
      receivedOn: request.receivedOn,
      dueOn,
      controllerName: study.controllerName,
      dpoEmail: study.dpoEmail,
    }
  }

  /**
   * Runs one action on an open case in a transaction: checks the version the form was opened at,
   * applies the change, bumps the version and records the event.
   */
  async function act<T>(
    requestId: string,
    expectedVersion: number,
    work: (
      trx: Knex,
      request: RightsRequest,
      study: Study,
      at: Date,
    ) => Promise<ActionOutcome<T>> | ActionOutcome<T>,
    options: { allowClosed?: boolean } = {},
  ): Promise<T | undefined> {
    const { study } = await load(requestId)
    const at = deps.now()
    return db.transaction(async (trx) => {
      const request = await requests.findByIdForUpdate(trx, requestId)
      if (!request) throw new NotFoundError()
      if (request.version !== expectedVersion) throw new StaleCaseError()
      if (!options.allowClosed && !isOpen(request.status)) throw new ConflictError('This request is closed')
      const { changes, event, actor, result } = await work(trx, request, study, at)
      const updated = await trx('rights_requests')
        .where({ id: requestId, version: expectedVersion })
        .update({ ...changes, version: expectedVersion + 1, updated_at: at.toISOString() })
      if (updated !== 1) throw new StaleCaseError()
      await recordEvent(
        trx,
        { actor, subject: { type: 'request', id: requestId }, kind: event.kind, data: event.data },
        at,
      )
      return result
    })
  }

  /** Sends a letter: stored as a message on the case and emailed with a fresh status link. */
  async function sendLetter(
    trx: Knex,
    request: RightsRequest,
    letter: { kind: string; subject: string; body: string; authorId: string | null },
    at: Date,
    study: Study,
  ): Promise<void> {
    await trx('request_messages').insert({
      id: newId(),
      request_id: request.id,
      direction: 'to_person',
      kind: letter.kind,
      subject: letter.subject,
      body: letter.body,
      author_id: letter.authorId,
      created_at: at.toISOString(),
    })
    if (!request.email) return
    const token = generateToken()
    await requests.insertLink(
      trx,
      { id: newId(), requestId: request.id, purpose: 'status', tokenHash: hashToken(token), expiresAt: null },
      at,
    )
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
          statusUrl: absoluteUrl(deps.publicUrl, paths.status.show(token)),
          reference: request.reference,
          study,
          serviceName: deps.serviceName,
        },
      },
      at,
    )
  }

  /** One change to an email record, with its event, inside the case action's transaction. */
  async function changeRecord(
    trx: Knex,
    recordId: string,
    changes: Record<string, unknown>,
    event: { actor: Actor; kind: string; data: Record<string, unknown> },
    at: Date,
  ): Promise<void> {
    await trx('email_records')
      .where({ id: recordId })
      .update({ ...changes, updated_at: at.toISOString(), version: trx.raw('version + 1') })
    await recordEvent(
      trx,
      {
        actor: event.actor,
        subject: { type: 'email_record', id: recordId },
        kind: event.kind,
        data: event.data,
      },
      at,
    )
  }

  async function recordOf(trx: Knex, request: RightsRequest): Promise<RecordRow> {
    if (!request.recordId) throw new ConflictError('No email record is linked to this request')
    const record = await trx<RecordRow>('email_records').where({ id: request.recordId }).first()
    if (!record || record.erased_on) throw new ConflictError('The email record has already been erased')
    return record
  }

  function requireText(value: string, field: string, message: string): void {
    if (value.trim() === '') throw new ValidationError([{ field, href: `#${field}`, text: message }])
  }

  function clockOrFail(request: RightsRequest): CaseClock {
    const clock = caseClockOf(request)
    if (!clock) throw new ConflictError('The request has not been confirmed')
    return clock
  }

  function ruleError(error: unknown, field: string): never {
    if (error instanceof ClockRuleError)
      throw new ValidationError([{ field, href: `#${field}`, text: error.message }])
    throw error
  }

  return {
    load,
    letterContext,
    act,

    async messages(requestId: string): Promise<CaseMessage[]> {
      const rows = await db<{
        id: string
        direction: 'to_person' | 'from_person'
        kind: string
        subject: string | null
        body: string
        author_id: string | null
        created_at: string
        request_id: string
      }>('request_messages')
        .where({ request_id: requestId })
        .orderBy('created_at')
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

    async notes(requestId: string): Promise<CaseNote[]> {
      const query: Promise<{ id: string; body: string; created_at: string; display_name: string }[]> = db(
        'request_notes as n',
      )
        .join('staff_users as u', 'u.id', 'n.author_id')
        .where('n.request_id', requestId)
        .orderBy('n.created_at', 'desc')
        .select('n.id', 'n.body', 'n.created_at', 'u.display_name')
      const rows = await query
      return rows.map((r) => ({
        id: r.id,
        body: r.body,
        createdAt: r.created_at,
        authorName: r.display_name,
      }))
    },

    async tasks(requestId: string): Promise<CaseTask[]> {
      const query: Promise<TaskRow[]> = db('request_tasks as t')
        .leftJoin('staff_users as u', 'u.id', 't.done_by')
        .where('t.request_id', requestId)
        .orderBy('t.created_at')
        .select('t.id', 't.title', 't.created_at', 't.done_at', 't.done_note', 'u.display_name')
      const rows = await query
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        createdAt: r.created_at,
        doneAt: r.done_at,
        doneNote: r.done_note,
        doneByName: r.display_name,
      }))
    },

    async assign(
      actor: StaffUser,
      requestId: string,
      version: number,
      assigneeId: string | null,
    ): Promise<void> {
      await act(requestId, version, async (trx) => {
        if (assigneeId) {
          const assignee: unknown = await trx('staff_users')
            .where({ id: assigneeId })
            .whereNull('disabled_at')
            .whereIn('role', ['admin', 'dpo'])
            .first('id')
          if (!assignee)
            throw new ValidationError([
              { field: 'assignee', href: '#assignee', text: 'Select someone who can handle requests' },
            ])
        }
        return {
          changes: { assignee_id: assigneeId },
          event: { kind: assigneeId ? 'case.assigned' : 'case.unassigned', data: { assigneeId } },
          actor: staff(actor),
        }
      })
    },

    /** Asks the person for clarification (access only: pauses the clock) or for identity or a fee. */
    async ask(
      actor: StaffUser,
      requestId: string,
      version: number,
      kind: PauseKind,
      body: string,
    ): Promise<void> {
      requireText(body, 'body', 'Enter the message to send')
      await act(requestId, version, async (trx, request, study, at) => {
        if (kind === 'clarification' && request.type !== 'access') {
          throw new ValidationError([
            {
              field: 'kind',
              href: '#kind',
              text: 'Only an access request can be paused for clarification; send a message instead',
            },
          ])
        }
        const today = londonDate(at)
        let clock: CaseClock
        try {
          clock = askPerson(clockOrFail(request), kind, today)
        } catch (error) {
          ruleError(error, 'kind')
        }
        const context = letterContext(request, study, null)
        await sendLetter(
          trx,
          request,
          {
            kind,
            subject: `${kind === 'clarification' ? 'A question about' : kind === 'identity' ? 'Proof of identity for' : 'A fee for'} your request ${request.reference ?? ''}`,
            body: wrapLetter(fillPlaceholders(body, context), context),
            authorId: actor.id,
          },
          at,
          study,
        )
        return {
          changes: { ...clockColumns(clock, today), status: pauseStatus[kind] },
          event: {
            kind: `case.asked_${kind}`,
            data: { askedOn: today, clockEffect: kind === 'clarification' ? 'paused' : 'stopped' },
          },
          actor: staff(actor),
        }
      })
    },

    /** Staff record that proof of identity or the fee arrived: the clock restarts from that day. */
    async recordArrival(
      actor: StaffUser,
      requestId: string,
      version: number,
      arrivedOn: string,
      note: string,
    ): Promise<void> {
      await act(requestId, version, (_trx, request, _study, at) => {
        if (!request.pause || request.pause.kind === 'clarification') {
          throw new ValidationError([
            {
              field: 'arrivedOn',
              href: '#arrivedOn',
              text: 'This request is not waiting for identity or a fee',
            },
          ])
        }
        if (arrivedOn > londonDate(at)) {
          throw new ValidationError([
            {
              field: 'arrivedOn',
              href: '#arrivedOn',
              text: 'The date it arrived must be today or in the past',
            },
          ])
        }
        let clock: CaseClock
        try {
          clock = answerArrived(clockOrFail(request), arrivedOn)
        } catch (error) {
          ruleError(error, 'arrivedOn')
        }
        return {
          changes: { ...clockColumns(clock, londonDate(at)), status: 'received' },
          event: {
            kind: `case.${request.pause.kind}_received`,
            data: { arrivedOn, clockRestartsOn: arrivedOn, note: note.trim() || null },
          },
          actor: staff(actor),
        }
      })
    },

    /** The person answers from the status page: a clarification pause ends and the clock moves on. */
    async participantReply(requestId: string, body: string): Promise<void> {
      const text = body.trim()
      if (text === '')
        throw new ValidationError([{ field: 'reply', href: '#reply', text: 'Enter your reply' }])
      if ([...text].length > replyMaxLength) {
        throw new ValidationError([
          {
            field: 'reply',
            href: '#reply',
            text: `Your reply must be ${replyMaxLength} characters or fewer`,
          },
        ])
      }
      // The person's reply does not depend on what staff did meanwhile, so a concurrent change
      // to the case is retried rather than losing what they wrote.
      for (let attempt = 1; ; attempt++) {
        const { request } = await load(requestId)
        try {
          await replyOnce(request.version)
          return
        } catch (error) {
          if (!(error instanceof StaleCaseError) || attempt >= 3) throw error
        }
      }

      async function replyOnce(version: number) {
        await act(requestId, version, async (trx, current, _study, at) => {
          if (!current.pause) throw new ConflictError('We are not waiting for a reply')
          await trx('request_messages').insert({
            id: newId(),
            request_id: current.id,
            direction: 'from_person',
            kind: 'reply',
            subject: null,
            body: text,
            author_id: null,
            created_at: at.toISOString(),
          })
          const today = londonDate(at)
          if (current.pause.kind !== 'clarification') {
            // Proof or payment is checked by staff, who record its arrival; the reply is kept for them.
            return {
              changes: {},
              event: { kind: 'case.person_replied', data: { resumed: false } },
              actor: { type: 'participant', id: current.id },
            }
          }
          const clock = answerArrived(clockOrFail(current), today)
          return {
            changes: { ...clockColumns(clock, today), status: 'received' },
            event: {
              kind: 'case.person_replied',
              data: { resumed: true, pausedDays: clock.pausedDays - current.pausedDays },
            },
            actor: { type: 'participant', id: current.id },
          }
        })
      }
    },

    async extend(actor: StaffUser, requestId: string, version: number, reason: string): Promise<void> {
      requireText(reason, 'reason', 'Enter why the request needs longer')
      await act(requestId, version, async (trx, request, study, at) => {
        const today = londonDate(at)
        let clock: CaseClock
        try {
          clock = extend(clockOrFail(request), today)
        } catch (error) {
          ruleError(error, 'reason')
        }
        const view = clockView(clock, today)
        const dueOn = dueForQueue(clock, today)
        const context = letterContext(request, study, dueOn)
        await sendLetter(
          trx,
          request,
          {
            kind: 'extension',
            subject: `We need more time for your request ${request.reference ?? ''}`,
            body: wrapLetter(fillPlaceholders(reason, context), context),
            authorId: actor.id,
          },
          at,
          study,
        )
        return {
          changes: { ...clockColumns(clock, today), extension_reason: reason.trim() },
          event: {
            kind: 'case.extended',
            data: { extendedDueOn: dueOn, noticeBy: view.extensionNoticeBy, notifiedOn: today },
          },
          actor: staff(actor),
        }
      })
    },

    async message(actor: StaffUser, requestId: string, version: number, body: string): Promise<void> {
      requireText(body, 'body', 'Enter the message to send')
      await act(
        requestId,
        version,
        async (trx, request, study, at) => {
          const context = letterContext(request, study, request.dueOn)
          await sendLetter(
            trx,
            request,
            {
              kind: 'message',
              subject: `A message about your request ${request.reference ?? ''}`,
              body: wrapLetter(fillPlaceholders(body, context), context),
              authorId: actor.id,
            },
            at,
            study,
          )
          return { changes: {}, event: { kind: 'case.message_sent' }, actor: staff(actor) }
        },
        { allowClosed: true },
      )
    },

    async refuse(
      actor: StaffUser,
      requestId: string,
      version: number,
      ground: string,
      letter: string,
    ): Promise<void> {
      requireText(letter, 'letter', 'Enter the reasons for the refusal')
      const reminder = unfinishedReminder(letter)
      if (reminder) {
        throw new ValidationError([
          {
            field: 'letter',
            href: '#refuse-letter',
            text: `Replace ${reminder} with the reasons for the refusal`,
          },
        ])
      }
      await act(requestId, version, async (trx, request, study, at) => {
        if (!isRefusalGroundFor(request.type, ground)) {
          throw new ValidationError([
            {
              field: 'ground',
              href: '#ground',
              text:
                Object.hasOwn(refusalGrounds, ground) && request.type !== 'erasure'
                  ? 'Article 17(3) exemptions apply only to erasure requests'
                  : 'Select the reason for refusing',
            },
          ])
        }
        const discarded = await discardDrafts(trx, request.id)
        const context = letterContext(request, study, request.dueOn)
        const body = `${fillPlaceholders(letter, context).trim()}\n\n${groundStatement(ground)}\n\n${refusalRightsParagraph(context)}`
        await sendLetter(
          trx,
          request,
          {
            kind: 'refusal',
            subject: `Our decision on your request ${request.reference ?? ''}`,
            body: wrapLetter(body, context),
            authorId: actor.id,
          },
          at,
          study,
        )
        const closing = closingClock(request, at)
        return {
          changes: {
            status: 'refused',
            outcome: 'refused',
            outcome_reason: ground,
            closed_at: at.toISOString(),
            close_reason: 'refused',
            ...closing,
          },
          event: {
            kind: 'case.refused',
            data: {
              ground,
              answeredOn: londonDate(at),
              dueOn: answeredAgainst(request, closing),
              ...(discarded ? { draftsDiscarded: discarded } : {}),
            },
          },
          actor: staff(actor),
        }
      })
    },

    async complete(
      actor: StaffUser,
      requestId: string,
      version: number,
      outcome: string,
      reasons: string,
      letter: string,
    ): Promise<void> {
      if (!Object.hasOwn(outcomes, outcome)) {
        throw new ValidationError([{ field: 'outcome', href: '#outcome', text: 'Select the outcome' }])
      }
      if (outcome === 'partly_fulfilled')
        requireText(reasons, 'reasons', 'Enter why the request was only partly fulfilled')
      requireText(letter, 'letter', 'Enter the answer to send')
      await act(requestId, version, async (trx, request, study, at) => {
        const open: unknown = await trx('request_tasks')
          .where({ request_id: request.id })
          .whereNull('done_at')
          .first('id')
        if (open)
          throw new ValidationError([
            { field: 'outcome', href: '#outcome', text: 'Tick off every task before completing the request' },
          ])
        const notReady = await answerNotReady(trx, request, study, outcome)
        if (notReady) throw new ValidationError([{ field: 'outcome', href: '#outcome', text: notReady }])
        const published = await publishFiles(trx, request.id, at)
        const context = letterContext(request, study, request.dueOn)
        await sendLetter(
          trx,
          request,
          {
            kind: 'completion',
            subject: `Our answer to your request ${request.reference ?? ''}`,
            body: wrapLetter(fillPlaceholders(letter, context), context),
            authorId: actor.id,
          },
          at,
          study,
        )
        const closing = closingClock(request, at)
        const dueOn = answeredAgainst(request, closing)
        return {
          changes: {
            status: 'completed',
            outcome,
            outcome_reason: reasons.trim() || null,
            closed_at: at.toISOString(),
            close_reason: 'completed',
            ...closing,
          },
          event: {
            kind: 'case.completed',
            data: {
              outcome,
              answeredOn: londonDate(at),
              dueOn,
              onTime: dueOn === null ? null : londonDate(at) <= dueOn,
              filesPublished: published,
            },
          },
          actor: staff(actor),
        }
      })
    },

    async close(
      actor: StaffUser,
      requestId: string,
      version: number,
      as: 'duplicate' | 'withdrawn',
      note: string,
    ): Promise<void> {
      requireText(
        note,
        'note',
        as === 'duplicate'
          ? 'Enter which request this duplicates'
          : 'Enter how the person withdrew the request',
      )
      await act(requestId, version, async (trx, request, _study, at) => {
        const discarded = await discardDrafts(trx, requestId)
        return {
          changes: {
            status: as,
            closed_at: at.toISOString(),
            close_reason: as,
            ...closingClock(request, at),
          },
          event: {
            kind: `case.closed_as_${as}`,
            data: { note: note.trim(), ...(discarded ? { draftsDiscarded: discarded } : {}) },
          },
          actor: staff(actor),
        }
      })
    },

    /** Applies one action to many open requests; each still gets its own event and version bump. */
    async bulk(
      actor: StaffUser,
      requestIds: string[],
      change: { action: 'assign'; assigneeId: string | null } | { action: 'duplicate'; note: string },
    ): Promise<{ done: number; skipped: number }> {
      if (change.action === 'duplicate')
        requireText(change.note, 'bulkNote', 'Enter which request these duplicate')
      let done = 0
      let skipped = 0
      for (const id of new Set(requestIds)) {
        const request = await requests.findById(id)
        if (!request || !isOpen(request.status)) {
          skipped++
          continue
        }
        if (change.action === 'assign') await this.assign(actor, id, request.version, change.assigneeId)
        else await this.close(actor, id, request.version, 'duplicate', change.note)
        done++
      }
      return { done, skipped }
    },

    /**
     * Erasure request: erases the address from every holding now (a tombstone stays), and creates
     * a deletion task for each copy the portal cannot reach.
     */
    async eraseRecordNow(actor: StaffUser, requestId: string, version: number): Promise<void> {
      await act(requestId, version, async (trx, request, _study, at) => {
        if (request.type !== 'erasure') throw new ConflictError('Only an erasure request erases the record')
        const record = await recordOf(trx, request)
        if (record.restricted_since) {
          throw new ValidationError([
            { field: 'erase', href: '#erase', text: 'The record is restricted: lift the restriction first' },
          ])
        }
        const today = londonDate(at)
        const holdings: [string, string, string | null][] = [
          ['survey_platform', 'Delete the address from the survey platform', record.platform_deleted_on],
          [
            'voucher_correspondence',
            'Delete the voucher correspondence with this address',
            record.voucher_sent_on ? record.voucher_deleted_on : today,
          ],
        ]
        await trx('email_records')
          .where({ id: record.id })
          .update({
            email: null,
            erased_on: today,
            erasure_reason: 'erasure_request',
            platform_deleted_on: record.platform_deleted_on ?? today,
            voucher_deleted_on: record.voucher_sent_on
              ? (record.voucher_deleted_on ?? today)
              : record.voucher_deleted_on,
            updated_at: at.toISOString(),
            version: trx.raw('version + 1'),
          })
        for (const [holding, title, deletedOn] of holdings) {
          if (deletedOn) continue
          await trx('record_tasks').insert({
            id: newId(),
            record_id: record.id,
            study_id: record.study_id,
            holding,
            title,
            created_at: at.toISOString(),
          })
          await trx('request_tasks').insert({
            id: newId(),
            request_id: request.id,
            title,
            created_by: actor.id,
            created_at: at.toISOString(),
          })
        }
        await revokeFilesOfRecord(trx, record.id, 'erasure_request', staff(actor), at)
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'email_record', id: record.id },
            kind: 'record.erased',
            data: {
              reason: 'erasure_request',
              requestId: request.id,
              erasedOn: today,
              emailHmac: record.email_hmac,
            },
          },
          at,
        )
        return {
          changes: {},
          event: { kind: 'case.record_erased', data: { recordId: record.id, erasedOn: today } },
          actor: staff(actor),
        }
      })
    },

    /** Restriction request: a hold the sweep respects, with its Art. 18(1) ground and a review date. */
    async restrictRecord(
      actor: StaffUser,
      requestId: string,
      version: number,
      ground: string,
      reviewOn: string,
    ): Promise<void> {
      if (!isRestrictionGround(ground)) {
        throw new ValidationError([
          {
            field: 'restrictionGround',
            href: '#restrictionGround',
            text: 'Select the ground for the restriction',
          },
        ])
      }
      await act(requestId, version, async (trx, request, _study, at) => {
        if (request.type !== 'restriction')
          throw new ConflictError('Only a restriction request restricts the record')
        const today = londonDate(at)
        if (!isIsoDate(reviewOn) || reviewOn <= today) {
          throw new ValidationError([
            {
              field: 'reviewOn',
              href: '#reviewOn',
              text: 'Enter a review date in the future, like 2027-01-31',
            },
          ])
        }
        const record = await recordOf(trx, request)
        await changeRecord(
          trx,
          record.id,
          {
            restricted_since: today,
            restriction_ground: ground,
            restriction_review_on: reviewOn,
          },
          {
            actor: staff(actor),
            kind: 'record.restricted',
            data: { ground, reviewOn, requestId: request.id },
          },
          at,
        )
        return {
          changes: {},
          event: { kind: 'case.record_restricted', data: { recordId: record.id, ground, reviewOn } },
          actor: staff(actor),
        }
      })
    },

    /** Withdrawal of consent: the consent-based data is flagged for exclusion from further processing. */
    /**
     * Rectification of the address: the record takes the corrected address (the old one survives
     * only as its HMAC in the event) and the survey platform copy becomes a task.
     */
    async rectifyAddress(
      actor: StaffUser,
      requestId: string,
      version: number,
      rawAddress: string,
    ): Promise<void> {
      const corrected = normaliseEmail(rawAddress)
      if (!isValidEmail(corrected)) {
        throw new ValidationError([
          {
            field: 'correctedEmail',
            href: '#correctedEmail',
            text: 'Enter the corrected address in the correct format, like name@example.com',
          },
        ])
      }
      await act(requestId, version, async (trx, request, _study, at) => {
        if (request.type !== 'rectification')
          throw new ConflictError('Only a rectification corrects the record')
        const record = await recordOf(trx, request)
        const newHmac = emailHmac(deps.secret, corrected)
        if (newHmac === record.email_hmac) {
          throw new ValidationError([
            {
              field: 'correctedEmail',
              href: '#correctedEmail',
              text: 'This is the address the record already holds',
            },
          ])
        }
        const clash: unknown = await trx('email_records')
          .where({ study_id: record.study_id, email_hmac: newHmac })
          .first('id')
        if (clash) {
          throw new ValidationError([
            {
              field: 'correctedEmail',
              href: '#correctedEmail',
              text: 'Another record in this study already holds this address',
            },
          ])
        }
        await changeRecord(
          trx,
          record.id,
          { email: corrected, email_hmac: newHmac },
          {
            actor: staff(actor),
            kind: 'record.address_rectified',
            data: { requestId: request.id, previousEmailHmac: record.email_hmac, emailHmac: newHmac },
          },
          at,
        )
        await trx('record_tasks').insert({
          id: newId(),
          record_id: record.id,
          study_id: record.study_id,
          holding: 'survey_platform',
          title: 'Correct the address on the survey platform',
          created_at: at.toISOString(),
        })
        return {
          changes: {},
          event: { kind: 'case.address_rectified', data: { recordId: record.id } },
          actor: staff(actor),
        }
      })
    },

    async withdrawConsent(actor: StaffUser, requestId: string, version: number): Promise<void> {
      await act(requestId, version, async (trx, request, _study, at) => {
        if (request.type !== 'withdraw_consent')
          throw new ConflictError('Only a withdrawal of consent does this')
        const record = await recordOf(trx, request)
        const today = londonDate(at)
        await changeRecord(
          trx,
          record.id,
          {
            consent_withdrawn_on: today,
          },
          {
            actor: staff(actor),
            kind: 'record.consent_withdrawn',
            data: { requestId: request.id, on: today },
          },
          at,
        )
        return {
          changes: {},
          event: { kind: 'case.consent_withdrawn', data: { recordId: record.id } },
          actor: staff(actor),
        }
      })
    },

    /**
     * Objection: the processing objected to stops, unless the DPO records compelling legitimate
     * grounds; an objection to direct marketing is absolute (Art. 21(3)).
     */
    async decideObjection(
      actor: StaffUser,
      requestId: string,
      version: number,
      decision: string,
      grounds: string,
    ): Promise<void> {
      if (decision !== 'stopped' && decision !== 'compelling_grounds') {
        throw new ValidationError([
          { field: 'objectionDecision', href: '#objectionDecision', text: 'Select the decision' },
        ])
      }
      await act(requestId, version, async (trx, request, _study, at) => {
        if (request.type !== 'objection' || request.details?.type !== 'objection')
          throw new ConflictError('Only an objection does this')
        if (decision === 'compelling_grounds') {
          if (request.details.processing === 'direct_marketing') {
            throw new ValidationError([
              {
                field: 'objectionDecision',
                href: '#objectionDecision',
                text: 'An objection to direct marketing is absolute: the processing must stop',
              },
            ])
          }
          requireText(grounds, 'objectionGrounds', 'Enter the compelling legitimate grounds')
        }
        const record = await recordOf(trx, request)
        const today = londonDate(at)
        await changeRecord(
          trx,
          record.id,
          {
            objection_on: today,
            objection_processing: request.details.processing,
            objection_decision: decision,
          },
          {
            actor: staff(actor),
            kind: 'record.objection_decided',
            data: { requestId: request.id, processing: request.details.processing, decision },
          },
          at,
        )
        if (decision === 'compelling_grounds') {
          await trx('request_notes').insert({
            id: newId(),
            request_id: request.id,
            author_id: actor.id,
            body: `Compelling legitimate grounds: ${grounds.trim()}`,
            created_at: at.toISOString(),
          })
        }
        return {
          changes: {},
          event: { kind: 'case.objection_decided', data: { decision } },
          actor: staff(actor),
        }
      })
    },

    /** Lifting a restriction: the person is told first (Art. 18(3)), in the same step. */
    async liftRestriction(
      actor: StaffUser,
      requestId: string,
      version: number,
      letter: string,
    ): Promise<void> {
      requireText(letter, 'lift-letter', 'Enter the notice telling the person the restriction will be lifted')
      await act(
        requestId,
        version,
        async (trx, request, study, at) => {
          const record = await recordOf(trx, request)
          if (!record.restricted_since) throw new ConflictError('The record is not restricted')
          const context = letterContext(request, study, request.dueOn)
          await sendLetter(
            trx,
            request,
            {
              kind: 'restriction-lifted',
              subject: `We are lifting the restriction on your data (${request.reference ?? ''})`,
              body: wrapLetter(fillPlaceholders(letter, context), context),
              authorId: actor.id,
            },
            at,
            study,
          )
          await changeRecord(
            trx,
            record.id,
            {
              restricted_since: null,
              restriction_ground: null,
              restriction_review_on: null,
            },
            {
              actor: staff(actor),
              kind: 'record.restriction_lifted',
              data: { requestId: request.id, notifiedFirst: true },
            },
            at,
          )
          return {
            changes: {},
            event: { kind: 'case.restriction_lifted', data: { recordId: record.id } },
            actor: staff(actor),
          }
        },
        { allowClosed: true },
      )
    },

    async addNote(actor: StaffUser, requestId: string, body: string): Promise<void> {
      requireText(body, 'note', 'Enter the note')
      await load(requestId)
      const at = deps.now()
      await db.transaction(async (trx) => {
        const id = newId()
        await trx('request_notes').insert({
          id,
          request_id: requestId,
          author_id: actor.id,
          body: body.trim(),
          created_at: at.toISOString(),
        })
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.note_added',
            data: { noteId: id },
          },
          at,
        )
      })
    },

    async addTask(actor: StaffUser, requestId: string, title: string): Promise<void> {
      requireText(title, 'title', 'Enter the task')
      const { request } = await load(requestId)
      if (!isOpen(request.status)) throw new ConflictError('This request is closed')
      const at = deps.now()
      await db.transaction(async (trx) => {
        const id = newId()
        await trx('request_tasks').insert({
          id,
          request_id: requestId,
          title: title.trim(),
          created_by: actor.id,
          created_at: at.toISOString(),
        })
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.task_added',
            data: { taskId: id, title: title.trim() },
          },
          at,
        )
      })
    },

    async completeTask(actor: StaffUser, requestId: string, taskId: string, note: string): Promise<void> {
      requireText(note, 'taskNote', 'Enter what was done')
      const at = deps.now()
      await db.transaction(async (trx) => {
        const updated = await trx('request_tasks')
          .where({ id: taskId, request_id: requestId })
          .whereNull('done_at')
          .update({ done_at: at.toISOString(), done_by: actor.id, done_note: note.trim() })
        if (updated !== 1) throw new ConflictError('The task is already done or does not exist')
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.task_done',
            data: { taskId },
          },
          at,
        )
      })
    },
  }
}

export class StaleCaseError extends ConflictError {
  constructor() {
    super('This case changed since you opened it')
    this.name = 'StaleCaseError'
  }
}

export type CaseService = ReturnType<typeof caseService>
