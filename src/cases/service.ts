import type { Knex } from 'knex'
import type { StaffRepo } from '../accounts/repo.js'
import type { EmailRecord } from '../domain/email-record.js'
import type { StaffUser } from '../domain/staff-user.js'
import { answerNotReady } from '../answers/check.js'
import { eventsFor, recordEvent, type Actor, type StoredEvent } from '../audit/events.js'
import type { PauseKind } from '../domain/case-clock.js'
import { formatLongDate, isIsoDate, londonDate } from '../domain/clock.js'
import { defaultRestrictionNoticeDays, liftableFrom, liftProblem } from '../domain/restriction.js'
import { emailHmac, isValidEmail, normaliseEmail } from '../domain/email-address.js'
import type { LetterContext } from '../domain/letters.js'
import type { EventKind, RequestEvent } from '../domain/request-events.js'
import { derivedOutcome, partDecisionProblem } from '../domain/request-outcome.js'
import { completionViewOf, type CompletionView } from './completion.js'
import { searchProblems, type SearchInput } from '../domain/access-search.js'
import {
  duplicateProblem,
  letterContextOf,
  type ActionLetter,
  type Transition,
  type TransitionKind,
} from '../domain/request-lifecycle.js'
import { isRestrictionGround, namedCategories } from '../domain/request-types.js'
import {
  considerErasureTitle,
  consentCategoriesToStop,
  eraseCategoryTitle,
  notificationTitle,
  passesOn,
  recipientsOf,
  recipientsToNotify,
  rectificationDecisionProblem,
  rectifyTaskTitle,
  resolutionOf,
  resolutionProblem,
  stopProcessingTitle,
  type TaskKind,
} from '../domain/case-work.js'
import { isOpen } from '../domain/request-status.js'
import type { RightsRequest } from '../domain/rights-request.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { erasurePlan, isDeletedOrRequested, retentionStateAt } from '../domain/retention.js'
import { deletionTaskTitle, eraseFromRecord } from '../records/erasure.js'
import {
  addRecordTask,
  changeEmailRecord,
  completeRecordTask,
  type RecordChange,
} from '../records/changes.js'
import type { RecordsRepo } from '../records/repo.js'
import type { ChangeScope, RequestWriter } from '../requests/change.js'
import type { CaseMessage, CaseNote, CaseTask, RequestSearch, RequestsRepo } from '../requests/repo.js'
import { type StudiesRepo } from '../studies/repo.js'
import { retentionPolicyOf, type Study } from '../domain/study.js'
import type { NotificationService } from '../notifications/service.js'

/** A task's title is short enough to read in the task list (and fits its column). */
export const taskTitleMaxLength = 300

/** Stop the processing, or continue on one of the grounds Art. 21 allows. */
export const objectionDecisions = ['stopped', 'compelling_grounds', 'public_interest_research'] as const
const isObjectionDecision = (value: string): value is (typeof objectionDecisions)[number] =>
  (objectionDecisions as readonly string[]).includes(value)

export interface CaseDeps {
  db: Knex
  secret: string
  publicUrl: string
  serviceName: string
  requests: RequestsRepo
  studies: StudiesRepo
  writer: RequestWriter
  records: RecordsRepo
  staff: StaffRepo
  now: () => Date
  /** Days between telling the person a restriction will be lifted and lifting it (Art. 18(3)). */
  restrictionNoticeDays?: number
  /** Tells staff of an assignment or a reply, in the transaction that makes it. */
  notifications?: Pick<NotificationService, 'requestAssigned' | 'personReplied'>
}

const staff = (user: StaffUser): Actor => ({ type: 'staff', id: user.id })

/** A record action's outcome: the event on the request and, optionally, a letter to the person. */
export interface RecordActionOutcome {
  event: RequestEvent
  letter?: ActionLetter
}

/** Case handling: every action checks the case is unchanged since the form was opened. */
export function caseService(deps: CaseDeps) {
  const { db, requests, studies, writer } = deps
  const noticeDays = deps.restrictionNoticeDays ?? defaultRestrictionNoticeDays

  async function load(requestId: string): Promise<{ request: RightsRequest; study: Study }> {
    const request = await requests.findById(requestId)
    if (!request) throw new NotFoundError('No such request')
    const study = await studies.findById(request.studyId)
    if (!study) throw new NotFoundError('No such study')
    return { request, study }
  }

  function letterContext(request: RightsRequest, study: Study, dueOn: string | null): LetterContext {
    return letterContextOf(request, study, dueOn)
  }

  /** One staff transition on the case opened at `version`. */
  async function transition(
    actor: StaffUser,
    requestId: string,
    version: number,
    kind: TransitionKind,
    build: (scope: ChangeScope) => Promise<Transition> | Transition,
  ): Promise<void> {
    await writer.changeRequest({ requestId, expectedVersion: version, kind, actor: staff(actor) }, build)
  }

  /**
   * An action on the person's data taken for the request (erasing, restricting, correcting …): the
   * work runs under the request's lock, and the request records it as an event.
   */
  async function recordAction(
    actor: StaffUser,
    requestId: string,
    version: number,
    work: (scope: ChangeScope) => Promise<RecordActionOutcome>,
    options: { allowClosed?: boolean } = {},
  ): Promise<void> {
    await writer.changeRequest(
      {
        requestId,
        expectedVersion: version,
        kind: 'record_action',
        actor: staff(actor),
        ...(options.allowClosed ? { allowClosed: true } : {}),
      },
      async (scope) => {
        const outcome = await work(scope)
        return {
          kind: 'record_action',
          event: outcome.event,
          ...(options.allowClosed ? { allowClosed: true } : {}),
          ...(outcome.letter ? { letter: outcome.letter } : {}),
        }
      },
    )
  }

  /** The email record the request is about, as read under the request's lock, with its version. */
  async function recordOf(
    trx: Knex,
    request: RightsRequest,
  ): Promise<{ record: EmailRecord; version: number }> {
    if (!request.recordId) throw new ConflictError('No email record is linked to this request')
    const read = await deps.records.findWithVersion(trx, request.recordId)
    if (!read || read.record.facts.erased) throw new ConflictError('The email record has already been erased')
    return read
  }

  /** One change to the record, with its event; refused if the record changed since it was read. */
  async function changeRecord(
    trx: Knex,
    read: { record: EmailRecord; version: number },
    change: RecordChange,
    event: { actor: Actor; kind: EventKind; data: Record<string, unknown> },
    at: Date,
  ): Promise<void> {
    const changed = await changeEmailRecord(trx, {
      recordId: read.record.id,
      version: read.version,
      change,
      event,
      at,
    })
    if (!changed) throw new ConflictError('The email record changed while this was being done')
  }

  function requireText(value: string, field: string, message: string): void {
    if (value.trim() === '') throw new ValidationError([{ field, href: `#${field}`, text: message }])
  }

  /** A task a rights rule puts on the case, with its event; the title stays out of the trail. */
  async function addWorkTask(
    trx: Knex,
    actor: StaffUser,
    requestId: string,
    task: { kind: TaskKind; subject: string; title: string; recordTaskId?: string },
    at: Date,
    /** Milliseconds after `at` the task is dated, so tasks made together keep their order. */
    order = 0,
  ): Promise<string> {
    const taskId = await requests.insertTask(trx, {
      requestId,
      title: task.title,
      createdBy: actor.id,
      at: new Date(at.getTime() + order),
      kind: task.kind,
      subject: task.subject,
      ...(task.recordTaskId ? { recordTaskId: task.recordTaskId } : {}),
    })
    await recordEvent(
      trx,
      {
        actor: staff(actor),
        subject: { type: 'request', id: requestId },
        kind: 'case.task_added',
        data: { taskId, kind: task.kind },
      },
      at,
    )
    return taskId
  }

  /**
   * Art. 19: once a correction, erasure or restriction is carried out, every recipient the study
   * lists must be told (or the reason it cannot be recorded): one task each, made once per case.
   */
  async function notifyRecipients(
    trx: Knex,
    actor: StaffUser,
    request: RightsRequest,
    study: Study,
    at: Date,
  ): Promise<void> {
    const right = request.type
    if (!passesOn(right)) return
    const existing = await requests.workTasksOf(trx, request.id)
    for (const [order, recipient] of recipientsToNotify(recipientsOf(study.recipients), existing).entries()) {
      await addWorkTask(
        trx,
        actor,
        request.id,
        { kind: 'notify_recipient', subject: recipient, title: notificationTitle(right, recipient) },
        at,
        order,
      )
    }
  }

  /** The consent-based data of the request's study that could be linked to the person when it came in. */
  async function consentDataOf(trx: Knex, request: RightsRequest) {
    const dataMap = await studies.dataMapIn(trx, request.studyId)
    return consentCategoriesToStop(dataMap, request.recordSnapshot?.answersLinked ?? false)
  }

  return {
    load,
    letterContext,
    recordAction,

    /** The parts of the request, what became of each, and the letter's draft of what was done. */
    completion: (request: RightsRequest, study: Study): Promise<CompletionView> =>
      completionViewOf(db, request, study, londonDate(deps.now())),

    messages: (requestId: string): Promise<CaseMessage[]> => requests.messagesOf(requestId),
    /** The request's events, oldest first, for its timelines. */
    events: (requestId: string): Promise<StoredEvent[]> => eventsFor(db, { type: 'request', id: requestId }),
    notes: (requestId: string): Promise<CaseNote[]> => requests.notesOf(requestId),
    searches: (requestId: string): Promise<RequestSearch[]> => requests.searchesOf(db, requestId),
    tasks: (requestId: string): Promise<CaseTask[]> => requests.tasksOf(requestId),

    async assign(
      actor: StaffUser,
      requestId: string,
      version: number,
      assigneeId: string | null,
    ): Promise<void> {
      await db.transaction(async (trx) => {
        const done = await writer.changeRequest(
          { requestId, expectedVersion: version, kind: 'assign', actor: staff(actor), trx },
          async () => {
            if (assigneeId) {
              if (!(await deps.staff.canHandleRequests(assigneeId, trx)))
                throw new ValidationError([
                  { field: 'assignee', href: '#assignee', text: 'Select someone who can handle requests' },
                ])
            }
            return { kind: 'assign', assigneeId }
          },
        )
        if (done.after.assigneeId && done.after.assigneeId !== done.before.assigneeId) {
          await deps.notifications?.requestAssigned(trx, done.after, actor)
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
      await transition(actor, requestId, version, 'ask', () => ({ kind: 'ask', pause: kind, letter: body }))
    },

    /** Staff record that proof of identity or the fee arrived: the clock restarts from that day. */
    async recordArrival(
      actor: StaffUser,
      requestId: string,
      version: number,
      arrivedOn: string,
      note: string,
    ): Promise<void> {
      await transition(actor, requestId, version, 'arrival', () => ({ kind: 'arrival', arrivedOn, note }))
    },

    /**
     * The person answers from the status page: a clarification pause ends and the clock moves on.
     * Their reply does not depend on what staff did meanwhile, so it applies to the case as it is.
     */
    async participantReply(requestId: string, body: string): Promise<void> {
      await db.transaction(async (trx) => {
        const done = await writer.changeRequest(
          {
            requestId,
            expectedVersion: 'current',
            kind: 'reply',
            actor: { type: 'participant', id: requestId },
            trx,
          },
          () => ({ kind: 'reply', text: body }),
        )
        await deps.notifications?.personReplied(trx, done.after)
      })
    },

    async extend(actor: StaffUser, requestId: string, version: number, reason: string): Promise<void> {
      await transition(actor, requestId, version, 'extend', () => ({ kind: 'extend', letter: reason }))
    },

    async message(actor: StaffUser, requestId: string, version: number, body: string): Promise<void> {
      await transition(actor, requestId, version, 'message', () => ({ kind: 'message', letter: body }))
    },

    async refuse(
      actor: StaffUser,
      requestId: string,
      version: number,
      ground: string,
      letter: string,
    ): Promise<void> {
      await transition(actor, requestId, version, 'refuse', () => ({ kind: 'refuse', ground, letter }))
    },

    /**
     * Completes the request with the letter the DPO wrote. The outcome is what the parts add up to:
     * what the case did and what the DPO decided, read under the request's lock.
     */
    async complete(actor: StaffUser, requestId: string, version: number, letter: string): Promise<void> {
      await transition(actor, requestId, version, 'complete', async ({ trx, request, study, at }) => {
        const view = await completionViewOf(trx, request, study, londonDate(at))
        const derived = derivedOutcome(view.parts)
        return {
          kind: 'complete',
          parts: view.parts,
          letter,
          openTasks: await requests.countOpenTasks(trx, request.id),
          answerProblem: derived.ok ? await answerNotReady(trx, request, study, derived.outcome) : null,
        }
      })
    },

    /** The DPO decides not to do one part of the request, on a ground, with the reasons for this case. */
    async decidePart(
      actor: StaffUser,
      requestId: string,
      version: number,
      decision: { part: string; ground: string; reasoning: string },
    ): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
        if (!isOpen(request.status)) throw new ConflictError('This request is closed')
        const { parts } = await completionViewOf(trx, request, study, londonDate(at))
        const problem = partDecisionProblem(request.type, parts, decision)
        if (problem) {
          throw new ValidationError([
            { field: problem.field, href: `#decide-${problem.field}`, text: problem.message },
          ])
        }
        const decisionId = await requests.saveDecision(trx, {
          requestId: request.id,
          part: decision.part,
          ground: decision.ground,
          reasoning: decision.reasoning.trim(),
          by: actor.id,
          at,
        })
        return {
          event: {
            kind: 'case.part_decided',
            data: { decisionId, part: decision.part, ground: decision.ground },
          },
        }
      })
    },

    /**
     * Rectification (Art. 16), one category at a time: corrected (a task where the portal cannot
     * reach the data), accurate (a recorded decision the answer quotes), or completed by the
     * person's supplementary statement, kept with their record.
     */
    async decideRectification(
      actor: StaffUser,
      requestId: string,
      version: number,
      input: { category: string; decision: string; reasoning: string },
    ): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
        const details = request.details
        if (request.type !== 'rectification' || details?.type !== 'rectification' || !details.categories)
          throw new ConflictError('Only a rectification that names its data does this')
        if (!isOpen(request.status)) throw new ConflictError('This request is closed')
        const { parts, input: answerInput } = await completionViewOf(trx, request, study, londonDate(at))
        const open = parts.filter((p) => p.state.state === 'to_do' && p.state.undecided).map((p) => p.key)
        const problem = rectificationDecisionProblem({
          ...input,
          open,
          hasStatement: Boolean(details.statement?.trim()),
        })
        const invalid = (field: string, text: string) =>
          new ValidationError([{ field, href: `#rectify-${field}`, text }])
        if (problem) throw invalid(problem.field, problem.message)
        if (input.category === 'email' && input.decision === 'corrected') {
          throw invalid('decision', 'Correct the address with its own form, under Email record')
        }
        const category = answerInput.dataMap.find((c) => c.key === input.category)
        if (!category) throw invalid('category', 'Select data the request names that is not yet decided')
        const decided = { category: category.key, decision: input.decision }
        switch (input.decision) {
          case 'corrected': {
            const taskId = await addWorkTask(
              trx,
              actor,
              request.id,
              { kind: 'rectify', subject: category.key, title: rectifyTaskTitle(category) },
              at,
            )
            return { event: { kind: 'case.rectification_decided', data: { ...decided, taskId } } }
          }
          case 'not_inaccurate': {
            const decisionId = await requests.saveDecision(trx, {
              requestId: request.id,
              part: category.key,
              ground: 'not_inaccurate',
              reasoning: input.reasoning.trim(),
              by: actor.id,
              at,
            })
            return { event: { kind: 'case.rectification_decided', data: { ...decided, decisionId } } }
          }
          default: {
            const { record } = await recordOf(trx, request)
            const supplementId = await requests.insertSupplement(trx, {
              recordId: record.id,
              requestId: request.id,
              category: category.key,
              statement: details.statement?.trim() ?? '',
              by: actor.id,
              at,
            })
            // Completing data is a rectification carried out: the recipients are told too.
            await notifyRecipients(trx, actor, request, study, at)
            return { event: { kind: 'case.rectification_decided', data: { ...decided, supplementId } } }
          }
        }
      })
    },

    /** Logs one search made for an access request's answer (Art. 15(1A)). */
    async logSearch(actor: StaffUser, requestId: string, version: number, input: SearchInput): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request, at }) => {
        if (request.type !== 'access') throw new ConflictError('Only an access request keeps a search log')
        if (!isOpen(request.status)) throw new ConflictError('This request is closed')
        const problems = searchProblems(input, { receivedOn: request.receivedOn, today: londonDate(at) })
        if (problems.length > 0) {
          throw new ValidationError(
            problems.map((p) => ({ field: p.field, href: `#search-${p.field}`, text: p.message })),
          )
        }
        const searchId = await requests.insertSearch(trx, {
          requestId: request.id,
          place: input.place.trim(),
          searchedOn: input.searchedOn.trim(),
          searchedBy: actor.id,
          found: input.found.trim(),
          limit: input.limit.trim() || null,
          at,
        })
        return {
          event: { kind: 'case.search_logged', data: { searchId, searchedOn: input.searchedOn.trim() } },
        }
      })
    },

    /** Takes back a decision to keep a part back: the part must then be done. */
    async withdrawDecision(
      actor: StaffUser,
      requestId: string,
      version: number,
      part: string,
    ): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request }) => {
        if (!isOpen(request.status)) throw new ConflictError('This request is closed')
        if (!(await requests.removeDecision(trx, request.id, part)))
          throw new ConflictError('There is no decision on that part')
        return { event: { kind: 'case.part_decision_withdrawn', data: { part } } }
      })
    },

    /**
     * Closes the request as withdrawn outside the portal, or as a duplicate of the same person's
     * open request of the same type, named by its reference (the person is told which).
     */
    async close(
      actor: StaffUser,
      requestId: string,
      version: number,
      as: 'duplicate' | 'withdrawn',
      note: string,
      duplicateOf = '',
    ): Promise<void> {
      await transition(actor, requestId, version, 'close', async ({ trx }) => {
        if (as !== 'duplicate') return { kind: 'close', as, note }
        const found = duplicateOf.trim() ? await requests.findByReference(duplicateOf, trx) : undefined
        return {
          kind: 'close',
          as,
          note,
          duplicateOf: {
            typed: duplicateOf,
            found: found
              ? {
                  id: found.id,
                  reference: found.reference,
                  type: found.type,
                  studyId: found.studyId,
                  status: found.status,
                  emailHmac: found.emailHmac,
                  receivedOn: found.receivedOn,
                }
              : null,
          },
        }
      })
    },

    /**
     * Why this request cannot be closed as a duplicate of the one typed, as a form error, before
     * anyone is asked to confirm it; the close itself checks again.
     */
    async checkDuplicateClose(requestId: string, duplicateOf: string): Promise<void> {
      const { request } = await load(requestId)
      const found = duplicateOf.trim() ? await requests.findByReference(duplicateOf) : undefined
      const problem = duplicateProblem(request, duplicateOf, found ?? null)
      if (problem) throw new ValidationError([{ field: 'duplicateOf', href: '#duplicateOf', text: problem }])
    },

    /**
     * Reopens a request closed by mistake (a duplicate, a withdrawal, a completion): the clock runs
     * on from its original start and the person is told.
     */
    async reopen(actor: StaffUser, requestId: string, version: number, reason: string): Promise<void> {
      await transition(actor, requestId, version, 'reopen', () => ({ kind: 'reopen', reason }))
    },

    /**
     * Applies one action to many open requests; each still gets its own event and version bump.
     * Closing as duplicates names the first request by reference: one that does not exist changes
     * nothing, and a selected request that is not the same person's request of the same type is
     * skipped, with the reason counted.
     */
    async bulk(
      actor: StaffUser,
      requestIds: string[],
      change: { action: 'assign'; assigneeId: string | null } | { action: 'duplicate'; reference: string },
    ): Promise<{ done: number; skipped: number; notDuplicates: number }> {
      if (change.action === 'duplicate') {
        requireText(change.reference, 'bulkDuplicateOf', 'Enter the reference of the request these duplicate')
        const first = await requests.findByReference(change.reference)
        if (!first || !isOpen(first.status)) {
          throw new ValidationError([
            {
              field: 'bulkDuplicateOf',
              href: '#bulkDuplicateOf',
              text: first
                ? `${first.reference ?? 'That request'} is closed: requests duplicate only one still open`
                : `There is no request ${change.reference.trim()}: check the reference`,
            },
          ])
        }
      }
      let done = 0
      let skipped = 0
      let notDuplicates = 0
      for (const id of new Set(requestIds)) {
        const request = await requests.findById(id)
        if (!request || !isOpen(request.status)) {
          skipped++
          continue
        }
        if (change.action === 'assign') {
          await this.assign(actor, id, request.version, change.assigneeId)
        } else {
          try {
            await this.close(actor, id, request.version, 'duplicate', '', change.reference)
          } catch (error) {
            if (!(error instanceof ValidationError)) throw error
            notDuplicates++
            continue
          }
        }
        done++
      }
      return { done, skipped, notDuplicates }
    },

    /**
     * Erasure request: erases the address from every holding now (a tombstone stays), and creates
     * a deletion task for each copy the portal cannot reach.
     */
    async eraseRecordNow(actor: StaffUser, requestId: string, version: number): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
        if (request.type !== 'erasure') throw new ConflictError('Only an erasure request erases the record')
        const read = await recordOf(trx, request)
        const { record } = read
        if (record.facts.restriction) {
          throw new ValidationError([
            { field: 'erase', href: '#erase', text: 'The record is restricted: lift the restriction first' },
          ])
        }
        const today = londonDate(at)
        const plan = erasurePlan(
          retentionStateAt(record.facts, retentionPolicyOf(study), today),
          'everything',
        )
        const erased = await eraseFromRecord(trx, {
          record,
          version: read.version,
          plan,
          reason: 'erasure_request',
          actor: staff(actor),
          requestId: request.id,
          at,
        })
        if (!erased) throw new ConflictError('The email record changed while it was being erased')
        // The address is gone: a decision to keep it no longer describes anything.
        await requests.removeDecision(trx, request.id, 'email')
        for (const h of plan.holdings) {
          await requests.insertTask(trx, {
            requestId: request.id,
            title: deletionTaskTitle[h.key],
            createdBy: actor.id,
            recordTaskId: erased.deletionTasks[h.key],
            at,
          })
        }
        await notifyRecipients(trx, actor, request, study, at)
        return { event: { kind: 'case.record_erased', data: { recordId: record.id, erasedOn: today } } }
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
      await recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
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
        const read = await recordOf(trx, request)
        const { record } = read
        await changeRecord(
          trx,
          read,
          { kind: 'restrict', since: today, ground, reviewOn },
          {
            actor: staff(actor),
            kind: 'record.restricted',
            data: { ground, reviewOn, requestId: request.id },
          },
          at,
        )
        await notifyRecipients(trx, actor, request, study, at)
        return { event: { kind: 'case.record_restricted', data: { recordId: record.id, ground, reviewOn } } }
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
      await recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
        if (request.type !== 'rectification')
          throw new ConflictError('Only a rectification corrects the record')
        const named = namedCategories(request.details)
        if (named && !named.includes('email')) {
          throw new ValidationError([
            {
              field: 'correctedEmail',
              href: '#correctedEmail',
              text: 'The request does not say the email address is wrong',
            },
          ])
        }
        const read = await recordOf(trx, request)
        const { record } = read
        const newHmac = emailHmac(deps.secret, corrected)
        if (newHmac === record.emailHmac) {
          throw new ValidationError([
            {
              field: 'correctedEmail',
              href: '#correctedEmail',
              text: 'This is the address the record already holds',
            },
          ])
        }
        if (await deps.records.findForRequest(trx, record.studyId, newHmac)) {
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
          read,
          { kind: 'rectify_address', email: corrected, emailHmac: newHmac },
          {
            actor: staff(actor),
            kind: 'record.address_rectified',
            data: { requestId: request.id, previousEmailHmac: record.emailHmac, emailHmac: newHmac },
          },
          at,
        )
        // The platform's copy is corrected there, unless the platform no longer holds the address.
        const platform = retentionStateAt(
          record.facts,
          retentionPolicyOf(study),
          londonDate(at),
        ).holdings.find((h) => h.key === 'survey_platform')
        let taskId: string | undefined
        if (platform && !isDeletedOrRequested(platform)) {
          const title = 'Correct the address on the survey platform'
          const recordTaskId = await addRecordTask(trx, {
            recordId: record.id,
            studyId: record.studyId,
            holding: 'survey_platform',
            title,
            at,
          })
          taskId = await addWorkTask(
            trx,
            actor,
            request.id,
            { kind: 'rectify', subject: 'email', title, recordTaskId },
            at,
          )
        }
        await notifyRecipients(trx, actor, request, study, at)
        return {
          event: {
            kind: 'case.address_rectified',
            data: { recordId: record.id, ...(taskId ? { taskId } : {}) },
          },
        }
      })
    },

    async withdrawConsent(actor: StaffUser, requestId: string, version: number): Promise<void> {
      await recordAction(actor, requestId, version, async ({ trx, request, at }) => {
        if (request.type !== 'withdraw_consent')
          throw new ConflictError('Only a withdrawal of consent does this')
        const read = await recordOf(trx, request)
        const { record } = read
        const today = londonDate(at)
        await changeRecord(
          trx,
          read,
          { kind: 'withdraw_consent', on: today },
          {
            actor: staff(actor),
            kind: 'record.consent_withdrawn',
            data: { requestId: request.id, on: today },
          },
          at,
        )
        // Each holding that still links consent-based data to the person must stop using it, and
        // the DPO must decide whether it is to be erased as well (Art. 17(1)(b)).
        const toStop = await consentDataOf(trx, request)
        for (const [order, category] of toStop.entries()) {
          await addWorkTask(
            trx,
            actor,
            request.id,
            { kind: 'stop_processing', subject: category.key, title: stopProcessingTitle(category) },
            at,
            order,
          )
        }
        if (toStop.length > 0) {
          await addWorkTask(
            trx,
            actor,
            request.id,
            {
              kind: 'consider_erasure',
              subject: toStop.map((c) => c.key).join(','),
              title: considerErasureTitle,
            },
            at,
            toStop.length,
          )
        }
        return { event: { kind: 'case.consent_withdrawn', data: { recordId: record.id } } }
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
      if (!isObjectionDecision(decision)) {
        throw new ValidationError([
          { field: 'objectionDecision', href: '#objectionDecision', text: 'Select the decision' },
        ])
      }
      await recordAction(actor, requestId, version, async ({ trx, request, at }) => {
        if (request.type !== 'objection' || request.details?.type !== 'objection')
          throw new ConflictError('Only an objection does this')
        if (decision !== 'stopped') {
          if (request.details.processing === 'direct_marketing') {
            throw new ValidationError([
              {
                field: 'objectionDecision',
                href: '#objectionDecision',
                text: 'An objection to direct marketing is absolute: the processing must stop',
              },
            ])
          }
          requireText(
            grounds,
            'objectionGrounds',
            decision === 'compelling_grounds'
              ? 'Enter the compelling legitimate grounds and why they override the person’s interests'
              : 'Enter why the processing is necessary for a task in the public interest',
          )
        }
        const read = await recordOf(trx, request)
        const today = londonDate(at)
        await changeRecord(
          trx,
          read,
          { kind: 'decide_objection', on: today, processing: request.details.processing, decision },
          {
            actor: staff(actor),
            kind: 'record.objection_decided',
            data: { requestId: request.id, processing: request.details.processing, decision },
          },
          at,
        )
        // Continuing is a decision not to do the part objected to: its ground and reasons are kept
        // for the completion letter.
        if (decision !== 'stopped') {
          await requests.saveDecision(trx, {
            requestId: request.id,
            part: 'processing',
            ground: decision,
            reasoning: grounds.trim(),
            by: actor.id,
            at,
          })
        } else {
          await requests.removeDecision(trx, request.id, 'processing')
        }
        return { event: { kind: 'case.objection_decided', data: { decision } } }
      })
    },

    /**
     * The first step of lifting a restriction (Art. 18(3)): the person is told, and the notice
     * period starts. The hold itself stays until `liftRestriction`.
     */
    async noticeRestrictionLift(
      actor: StaffUser,
      requestId: string,
      version: number,
      letter: string,
    ): Promise<void> {
      await recordAction(
        actor,
        requestId,
        version,
        async ({ trx, request, at }) => {
          const read = await recordOf(trx, request)
          const { record } = read
          if (!record.facts.restriction) throw new ConflictError('The record is not restricted')
          if (record.restrictionLiftNoticeOn) {
            throw new ValidationError([
              {
                field: 'lift-letter',
                href: '#lift-letter',
                text: `The person was already told on ${formatLongDate(record.restrictionLiftNoticeOn)}`,
              },
            ])
          }
          const today = londonDate(at)
          const from = liftableFrom(today, noticeDays)
          await changeRecord(
            trx,
            read,
            { kind: 'notify_restriction_lift', on: today },
            {
              actor: staff(actor),
              kind: 'record.restriction_lift_notified',
              data: { requestId: request.id, liftableFrom: from },
            },
            at,
          )
          return {
            event: {
              kind: 'case.restriction_lift_notified',
              data: { recordId: record.id, noticeOn: today, liftableFrom: from },
            },
            letter: {
              kind: 'restriction-lift-notice',
              subject: `We are going to lift the restriction on your data (${request.reference ?? ''})`,
              body: letter,
              field: 'lift-letter',
            },
          }
        },
        { allowClosed: true },
      )
    },

    /**
     * Lifts the restriction once the notice period has run, or sooner if the person agreed (how
     * they agreed is kept as a note).
     */
    async liftRestriction(
      actor: StaffUser,
      requestId: string,
      version: number,
      input: { personAgreed: boolean; agreedHow: string },
    ): Promise<void> {
      if (input.personAgreed) requireText(input.agreedHow, 'lift-agreed-how', 'Enter how the person agreed')
      await recordAction(
        actor,
        requestId,
        version,
        async ({ trx, request, at }) => {
          const read = await recordOf(trx, request)
          const { record } = read
          if (!record.facts.restriction) throw new ConflictError('The record is not restricted')
          const noticeOn = record.restrictionLiftNoticeOn ?? null
          const problem = liftProblem({
            noticeOn,
            today: londonDate(at),
            noticeDays,
            personAgreed: input.personAgreed,
          })
          if (problem)
            throw new ValidationError([
              { field: problem.field, href: `#${problem.field}`, text: problem.message },
            ])
          await changeRecord(
            trx,
            read,
            { kind: 'lift_restriction' },
            {
              actor: staff(actor),
              kind: 'record.restriction_lifted',
              data: { requestId: request.id, notifiedFirst: true, noticeOn, agreedEarly: input.personAgreed },
            },
            at,
          )
          if (input.personAgreed) {
            await requests.insertNote(trx, {
              requestId: request.id,
              authorId: actor.id,
              body: `The person agreed to the restriction being lifted before the notice period ended: ${input.agreedHow.trim()}`,
              at,
            })
          }
          return {
            event: {
              kind: 'case.restriction_lifted',
              data: { recordId: record.id, noticeOn, agreedEarly: input.personAgreed },
            },
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
        const id = await requests.insertNote(trx, {
          requestId,
          authorId: actor.id,
          body: body.trim(),
          at,
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
      if ([...title.trim()].length > taskTitleMaxLength) {
        throw new ValidationError([
          {
            field: 'title',
            href: '#title',
            text: `The task must be ${taskTitleMaxLength} characters or fewer`,
          },
        ])
      }
      const { request } = await load(requestId)
      if (!isOpen(request.status)) throw new ConflictError('This request is closed')
      const at = deps.now()
      await db.transaction(async (trx) => {
        const id = await requests.insertTask(trx, {
          requestId,
          title: title.trim(),
          createdBy: actor.id,
          at,
        })
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.task_added',
            // Staff free text stays in the task, which is minimised with the case; the trail keeps the id.
            data: { taskId: id },
          },
          at,
        )
      })
    },

    /**
     * Ticks a task off with how it was resolved and a note. A correction done is passed on to the
     * recipients (Art. 19); a decision to erase consent-based data becomes its deletion tasks.
     */
    async completeTask(
      actor: StaffUser,
      requestId: string,
      taskId: string,
      input: { resolution: string; note: string },
    ): Promise<void> {
      const { request, study } = await load(requestId)
      const at = deps.now()
      await db.transaction(async (trx) => {
        const task = await requests.taskKindOf(trx, requestId, taskId)
        if (!task || task.done) throw new ConflictError('The task is already done or does not exist')
        const problem = resolutionProblem(task.kind, input)
        if (problem) throw new ValidationError([{ field: problem.field, href: '', text: problem.message }])
        const resolution = resolutionOf(task.kind, input.resolution)
        const note = input.note.trim()
        const done = await requests.completeTask(trx, {
          requestId,
          taskId,
          doneBy: actor.id,
          note,
          resolution,
          at,
        })
        if (!done) throw new ConflictError('The task is already done or does not exist')
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.task_done',
            data: { taskId, ...(task.kind ? { kind: task.kind, resolution } : {}) },
          },
          at,
        )
        // The request's side of work on a copy outside the portal: the record's task is done with it.
        if (done.recordTaskId) {
          await completeRecordTask(trx, {
            taskId: done.recordTaskId,
            actor: staff(actor),
            note,
            at,
            ...(task.kind === null ? { purpose: 'deletion' as const } : {}),
            requestId,
          })
        }
        if (task.kind === 'rectify') await notifyRecipients(trx, actor, request, study, at)
        if (task.kind === 'consider_erasure' && resolution === 'erase') {
          for (const [order, category] of (await consentDataOf(trx, request)).entries()) {
            await addWorkTask(
              trx,
              actor,
              requestId,
              { kind: 'erase_category', subject: category.key, title: eraseCategoryTitle(category) },
              at,
              order,
            )
          }
        }
      })
    },
  }
}

export type CaseService = ReturnType<typeof caseService>
