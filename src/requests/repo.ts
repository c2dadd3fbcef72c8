import type { Knex } from 'knex'
import { inBatches } from '../db/batches.js'
import { nextYearReference } from '../db/reference-counter.js'
import { redactEmailAddresses } from '../domain/email-address.js'
import { isPostgres } from '../db/knex.js'
import type { RequestDetails, RequestType } from '../domain/request-types.js'
import type { PauseKind } from '../domain/case-clock.js'
import type { RecordSnapshot } from '../domain/retention.js'
import { closedStatuses, openStatuses, type RequestStatus } from '../domain/request-status.js'
import { withoutFreeText, type CaseTextRemoved } from '../domain/case-retention.js'
import type { RightsRequest } from '../domain/rights-request.js'
import type { RequestChanges } from '../domain/request-lifecycle.js'
import { newId } from '../security/tokens.js'
import { isTaskKind, type TaskKind, type WorkTask } from '../domain/case-work.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import { postalAddressFrom, redactPostalAddress } from '../domain/postal-address.js'

export type { RightsRequest } from '../domain/rights-request.js'

export interface RequestRow {
  id: string
  study_id: string
  reference: string | null
  type: RequestType
  status: RequestStatus
  channel: string
  email: string | null
  email_hmac: string | null
  requester_name: string | null
  postal_address?: string | null
  details: string | null
  received_at: string
  received_on: string
  confirmed_at: string | null
  clock_start_on: string | null
  due_on: string | null
  extended_due_on: string | null
  paused_days: number
  closed_at: string | null
  close_reason: string | null
  duplicate_of: string | null
  assignee_id?: string | null
  extended?: boolean | number
  extension_reason?: string | null
  pause_kind?: PauseKind | null
  paused_since?: string | null
  outcome?: string | null
  outcome_reason?: string | null
  record_answer?: string | null
  record_id?: string | null
  record_snapshot?: string | null
  version: number
  created_at: string
  updated_at: string
}

export type LinkPurpose = 'confirm' | 'status'

/** What a request is first stored with, before anyone has confirmed it. */
export type NewRightsRequest = Pick<
  RightsRequest,
  'id' | 'studyId' | 'type' | 'channel' | 'email' | 'emailHmac' | 'requesterName' | 'details' | 'receivedOn'
> &
  Pick<Partial<RightsRequest>, 'postalAddress'>

export interface CaseMessage {
  id: string
  direction: 'to_person' | 'from_person'
  kind: string
  subject: string | null
  body: string
  authorId: string | null
  createdAt: string
}

export interface RequestSearch {
  id: string
  place: string
  searchedOn: string
  searchedBy: string
  found: string
  /** What the search did not cover, and why; null when it was not limited. */
  limit: string | null
}

export interface StoredDecision {
  id: string
  part: string
  ground: string
  reasoning: string
  decidedAt: string
}

export interface CaseNote {
  id: string
  authorName: string
  body: string
  createdAt: string
}

export interface CaseTask {
  id: string
  title: string
  /** The rule that made the task, or null for one staff added. */
  kind: TaskKind | null
  subject: string | null
  createdAt: string
  doneAt: string | null
  doneNote: string | null
  doneByName: string | null
  resolution: string | null
}

interface MessageRow {
  id: string
  request_id: string
  direction: 'to_person' | 'from_person'
  kind: string
  subject: string | null
  body: string
  author_id: string | null
  created_at: string
}

interface TaskRow {
  id: string
  title: string
  kind: string | null
  subject: string | null
  resolution: string | null
  created_at: string
  done_at: string | null
  done_note: string | null
  display_name: string | null
}

export interface RequestLink {
  id: string
  requestId: string
  purpose: LinkPurpose
  expiresAt: string | null
  usedAt: string | null
  createdAt: string
}

interface LinkRow {
  id: string
  request_id: string
  purpose: LinkPurpose
  token_hash: string
  expires_at: string | null
  used_at: string | null
  created_at: string
}

export function toRightsRequest(row: RequestRow): RightsRequest {
  return {
    id: row.id,
    studyId: row.study_id,
    reference: row.reference,
    type: row.type,
    status: row.status,
    channel: row.channel,
    email: row.email,
    emailHmac: row.email_hmac,
    requesterName: row.requester_name,
    postalAddress: postalAddressFrom(row.postal_address),
    details: row.details ? (JSON.parse(row.details) as RequestDetails) : null,
    receivedAt: row.received_at,
    receivedOn: row.received_on,
    confirmedAt: row.confirmed_at,
    clockStartOn: row.clock_start_on,
    dueOn: row.due_on,
    extendedDueOn: row.extended_due_on,
    pausedDays: Number(row.paused_days),
    closedAt: row.closed_at,
    closeReason: row.close_reason,
    duplicateOf: row.duplicate_of,
    assigneeId: row.assignee_id ?? null,
    extended: Boolean(row.extended),
    extensionReason: row.extension_reason ?? null,
    pause: row.pause_kind && row.paused_since ? { kind: row.pause_kind, since: row.paused_since } : null,
    outcome: row.outcome ?? null,
    outcomeReason: row.outcome_reason ?? null,
    recordAnswer: row.record_answer ?? null,
    recordId: row.record_id ?? null,
    recordSnapshot: row.record_snapshot ? (JSON.parse(row.record_snapshot) as RecordSnapshot) : null,
    version: Number(row.version),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  }
}

/** The columns a change to a request is stored in; only what changed is written. */
export function rowChangesOf(changes: RequestChanges): Partial<RequestRow> {
  const row: Partial<RequestRow> = {}
  const set = <K extends keyof RequestRow>(key: K, value: RequestRow[K]) => {
    row[key] = value
  }
  if ('status' in changes && changes.status) set('status', changes.status)
  if ('reference' in changes) set('reference', changes.reference ?? null)
  if ('email' in changes) set('email', changes.email ?? null)
  if ('emailHmac' in changes) set('email_hmac', changes.emailHmac ?? null)
  if ('requesterName' in changes) set('requester_name', changes.requesterName ?? null)
  if ('postalAddress' in changes)
    set('postal_address', changes.postalAddress ? JSON.stringify(changes.postalAddress) : null)
  if ('details' in changes) set('details', changes.details ? JSON.stringify(changes.details) : null)
  if ('confirmedAt' in changes) set('confirmed_at', changes.confirmedAt ?? null)
  if ('clockStartOn' in changes) set('clock_start_on', changes.clockStartOn ?? null)
  if ('dueOn' in changes) set('due_on', changes.dueOn ?? null)
  if ('extendedDueOn' in changes) set('extended_due_on', changes.extendedDueOn ?? null)
  if ('pausedDays' in changes) set('paused_days', changes.pausedDays ?? 0)
  if ('closedAt' in changes) set('closed_at', changes.closedAt ?? null)
  if ('closeReason' in changes) set('close_reason', changes.closeReason ?? null)
  if ('duplicateOf' in changes) set('duplicate_of', changes.duplicateOf ?? null)
  if ('assigneeId' in changes) set('assignee_id', changes.assigneeId ?? null)
  if ('extended' in changes) set('extended', Boolean(changes.extended))
  if ('extensionReason' in changes) set('extension_reason', changes.extensionReason ?? null)
  if ('pause' in changes) {
    set('pause_kind', changes.pause?.kind ?? null)
    set('paused_since', changes.pause?.since ?? null)
  }
  if ('outcome' in changes) set('outcome', changes.outcome ?? null)
  if ('outcomeReason' in changes) set('outcome_reason', changes.outcomeReason ?? null)
  if ('recordAnswer' in changes) set('record_answer', changes.recordAnswer ?? null)
  if ('recordId' in changes) set('record_id', changes.recordId ?? null)
  if ('recordSnapshot' in changes)
    set('record_snapshot', changes.recordSnapshot ? JSON.stringify(changes.recordSnapshot) : null)
  return row
}

const toLink = (row: LinkRow): RequestLink => ({
  id: row.id,
  requestId: row.request_id,
  purpose: row.purpose,
  expiresAt: row.expires_at,
  usedAt: row.used_at,
  createdAt: row.created_at,
})

/** Each of these records that has an open request, to one of those requests: for the sweep's batches. */
export async function openRequestsFor(
  trx: Knex,
  records: readonly { id: string; studyId: string; emailHmac: string }[],
): Promise<Map<string, { id: string; reference: string | null }>> {
  const open = new Map<string, { id: string; reference: string | null }>()
  for (const part of inBatches(records)) {
    const byId = new Map(part.map((r) => [r.id, r]))
    const byAddress = new Map(part.map((r) => [`${r.studyId}|${r.emailHmac}`, r]))
    const rows: Pick<RequestRow, 'id' | 'reference' | 'record_id' | 'study_id' | 'email_hmac'>[] =
      await trx<RequestRow>('rights_requests')
        .whereIn('status', openStatuses)
        .where((q) =>
          q
            .whereIn(
              'record_id',
              part.map((r) => r.id),
            )
            .orWhereIn(
              'email_hmac',
              part.map((r) => r.emailHmac),
            ),
        )
        .orderBy('id')
        .select('id', 'reference', 'record_id', 'study_id', 'email_hmac')
    for (const row of rows) {
      const found = { id: row.id, reference: row.reference }
      // Open for a record when it names the record or comes from the record's address.
      for (const record of [
        row.record_id ? byId.get(row.record_id) : undefined,
        byAddress.get(`${row.study_id}|${row.email_hmac}`),
      ]) {
        if (record && !open.has(record.id)) open.set(record.id, found)
      }
    }
  }
  return open
}

/** Every query on requests and their secret links. Pass a transaction where a use case needs one. */
export function requestsRepo(db: Knex) {
  return {
    /** Stores a new request, unconfirmed: no reference and no clock until identity is established. */
    async insertUnconfirmed(trx: Knex, request: NewRightsRequest, at: Date): Promise<void> {
      const row: RequestRow = {
        id: request.id,
        study_id: request.studyId,
        reference: null,
        type: request.type,
        status: 'unconfirmed',
        channel: request.channel,
        email: request.email,
        email_hmac: request.emailHmac,
        requester_name: request.requesterName,
        ...(request.postalAddress ? { postal_address: JSON.stringify(request.postalAddress) } : {}),
        details: request.details ? JSON.stringify(request.details) : null,
        received_at: at.toISOString(),
        received_on: request.receivedOn,
        confirmed_at: null,
        clock_start_on: null,
        due_on: null,
        extended_due_on: null,
        paused_days: 0,
        closed_at: null,
        close_reason: null,
        duplicate_of: null,
        version: 1,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
      }
      await trx('rights_requests').insert(row)
    },
    async findById(id: string, trx: Knex = db): Promise<RightsRequest | undefined> {
      const row = await trx<RequestRow>('rights_requests').where({ id }).first()
      return row && toRightsRequest(row)
    },
    /** A request by its reference, typed in any capitals and with spaces around it. */
    async findByReference(reference: string, trx: Knex = db): Promise<RightsRequest | undefined> {
      const typed = reference.trim().toUpperCase()
      if (typed === '') return undefined
      const row = await trx<RequestRow>('rights_requests').where({ reference: typed }).first()
      return row && toRightsRequest(row)
    },
    /** Locks the row for the rest of the transaction on PostgreSQL; SQLite has one writer anyway. */
    async findByIdForUpdate(trx: Knex, id: string): Promise<RightsRequest | undefined> {
      const query = trx<RequestRow>('rights_requests').where({ id })
      const row = await (isPostgres(trx) ? query.forUpdate() : query).first()
      return row && toRightsRequest(row)
    },
    /** Saves a change only if nobody else changed the request since it was read. */
    async updateAtVersion(
      trx: Knex,
      id: string,
      version: number,
      changes: Partial<RequestRow>,
    ): Promise<boolean> {
      return (await trx('rights_requests').where({ id, version }).update(changes)) === 1
    },
    async insertMessage(
      trx: Knex,
      message: {
        requestId: string
        direction: 'to_person' | 'from_person'
        kind: string
        subject: string | null
        body: string
        authorId: string | null
        at: Date
      },
    ): Promise<void> {
      await trx('request_messages').insert({
        id: newId(),
        request_id: message.requestId,
        direction: message.direction,
        kind: message.kind,
        subject: message.subject,
        body: message.body,
        author_id: message.authorId,
        created_at: message.at.toISOString(),
      })
    },
    async messagesOf(requestId: string): Promise<CaseMessage[]> {
      const rows = await db<MessageRow>('request_messages')
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
    /** Internal notes, newest first, with their authors' names. */
    async notesOf(requestId: string): Promise<CaseNote[]> {
      const rows: { id: string; body: string; created_at: string; display_name: string }[] = await db(
        'request_notes as n',
      )
        .join('staff_users as u', 'u.id', 'n.author_id')
        .where('n.request_id', requestId)
        .orderBy('n.created_at', 'desc')
        .select('n.id', 'n.body', 'n.created_at', 'u.display_name')
      return rows.map((r) => ({
        id: r.id,
        body: r.body,
        createdAt: r.created_at,
        authorName: r.display_name,
      }))
    },
    async tasksOf(requestId: string): Promise<CaseTask[]> {
      const rows: TaskRow[] = await db('request_tasks as t')
        .leftJoin('staff_users as u', 'u.id', 't.done_by')
        .where('t.request_id', requestId)
        .orderBy('t.created_at')
        .orderBy('t.id')
        .select(
          't.id',
          't.title',
          't.kind',
          't.subject',
          't.resolution',
          't.created_at',
          't.done_at',
          't.done_note',
          'u.display_name',
        )
      return rows.map((r) => ({
        id: r.id,
        title: r.title,
        kind: isTaskKind(r.kind) ? r.kind : null,
        subject: r.subject,
        createdAt: r.created_at,
        doneAt: r.done_at,
        doneNote: r.done_note,
        doneByName: r.display_name,
        resolution: r.resolution,
      }))
    },
    /** The case's tasks as the rights rules read them, on the connection given (a transaction, say). */
    async workTasksOf(conn: Knex, requestId: string): Promise<WorkTask[]> {
      const rows: Pick<TaskRow, 'id' | 'kind' | 'subject' | 'resolution' | 'done_at' | 'done_note'>[] =
        await conn('request_tasks')
          .where({ request_id: requestId })
          .orderBy('created_at')
          .orderBy('id')
          .select('id', 'kind', 'subject', 'resolution', 'done_at', 'done_note')
      return rows.map((r) => ({
        id: r.id,
        kind: isTaskKind(r.kind) ? r.kind : null,
        subject: r.subject,
        doneOn: r.done_at ? londonDate(new Date(r.done_at)) : null,
        resolution: r.resolution,
        note: r.done_note,
      }))
    },
    async supplementsOf(
      conn: Knex,
      requestId: string,
    ): Promise<{ id: string; category: string; on: IsoDate }[]> {
      const rows: { id: string; category: string; added_at: string }[] = await conn('record_supplements')
        .where({ request_id: requestId })
        .orderBy('added_at')
        .select('id', 'category', 'added_at')
      return rows.map((r) => ({ id: r.id, category: r.category, on: londonDate(new Date(r.added_at)) }))
    },
    /** Keeps the person's supplementary statement with their record (Art. 16); returns its id. */
    async insertSupplement(
      trx: Knex,
      supplement: {
        recordId: string
        requestId: string
        category: string
        statement: string
        by: string
        at: Date
      },
    ): Promise<string> {
      const id = newId()
      await trx('record_supplements').insert({
        id,
        record_id: supplement.recordId,
        request_id: supplement.requestId,
        category: supplement.category,
        statement: supplement.statement,
        added_by: supplement.by,
        added_at: supplement.at.toISOString(),
      })
      return id
    },
    /** Ticks a task off only if nobody did first; returns whether this caller did. */
    /**
     * Ticks a task off only if nobody did first: null when someone did (or there is no such task),
     * else the record task it was made for, if any, to be ticked off with it.
     */
    async completeTask(
      trx: Knex,
      task: {
        requestId: string
        taskId: string
        doneBy: string | null
        note: string
        resolution: string
        at: Date
      },
    ): Promise<{ recordTaskId: string | null } | null> {
      const updated = await trx('request_tasks')
        .where({ id: task.taskId, request_id: task.requestId })
        .whereNull('done_at')
        .update({
          done_at: task.at.toISOString(),
          done_by: task.doneBy,
          done_note: task.note,
          resolution: task.resolution,
        })
      if (updated !== 1) return null
      const row: { record_task_id: string | null } | undefined = await trx('request_tasks')
        .where({ id: task.taskId })
        .first('record_task_id')
      return { recordTaskId: row?.record_task_id ?? null }
    },
    /** The open request tasks that are a request's side of this record task. */
    async openTasksForRecordTask(
      trx: Knex,
      recordTaskId: string,
    ): Promise<{ id: string; requestId: string; kind: TaskKind | null }[]> {
      const rows: { id: string; request_id: string; kind: string | null }[] = await trx('request_tasks')
        .where({ record_task_id: recordTaskId })
        .whereNull('done_at')
        .select('id', 'request_id', 'kind')
      return rows.map((r) => ({
        id: r.id,
        requestId: r.request_id,
        kind: isTaskKind(r.kind) ? r.kind : null,
      }))
    },
    /** The open task's kind, read before it is ticked off; undefined when there is no such task. */
    async taskKindOf(
      trx: Knex,
      requestId: string,
      taskId: string,
    ): Promise<{ kind: TaskKind | null; subject: string | null; done: boolean } | undefined> {
      const row: { kind: string | null; subject: string | null; done_at: string | null } | undefined =
        await trx('request_tasks')
          .where({ id: taskId, request_id: requestId })
          .first('kind', 'subject', 'done_at')
      if (!row) return undefined
      return {
        kind: isTaskKind(row.kind) ? row.kind : null,
        subject: row.subject,
        done: row.done_at !== null,
      }
    },
    async countOpenTasks(trx: Knex, requestId: string): Promise<number> {
      const row = await trx('request_tasks')
        .where({ request_id: requestId })
        .whereNull('done_at')
        .count<{ n: number | string }[]>({ n: '*' })
      return Number(row[0]?.n ?? 0)
    },
    /** A task on the case; `recordTaskId` when it is the request's side of a record task. */
    async insertTask(
      trx: Knex,
      task: {
        requestId: string
        title: string
        createdBy: string
        at: Date
        recordTaskId?: string
        kind?: TaskKind
        subject?: string
      },
    ): Promise<string> {
      const id = newId()
      await trx('request_tasks').insert({
        id,
        request_id: task.requestId,
        title: task.title,
        created_by: task.createdBy,
        created_at: task.at.toISOString(),
        record_task_id: task.recordTaskId ?? null,
        kind: task.kind ?? null,
        subject: task.subject ?? null,
      })
      return id
    },
    /** An internal note on the case; returns its id. */
    async insertNote(
      trx: Knex,
      note: { requestId: string; authorId: string; body: string; at: Date },
    ): Promise<string> {
      const id = newId()
      await trx('request_notes').insert({
        id,
        request_id: note.requestId,
        author_id: note.authorId,
        body: note.body,
        created_at: note.at.toISOString(),
      })
      return id
    },
    /** Mail held for a request keeps no address or body; what is still waiting is never sent. */
    async forgetMail(trx: Knex, requestId: string): Promise<void> {
      await trx('outbox')
        .where({ request_id: requestId })
        .update({ to_address: null, text_body: null, html_body: null })
      await trx('outbox').where({ request_id: requestId, status: 'pending' }).update({ status: 'cancelled' })
    },
    async findOpenDuplicate(
      trx: Knex,
      match: { studyId: string; emailHmac: string; type: RequestType; excludeId: string },
      openStatuses: readonly RequestStatus[],
    ): Promise<RightsRequest | undefined> {
      const row = await trx<RequestRow>('rights_requests')
        .where({ study_id: match.studyId, email_hmac: match.emailHmac, type: match.type })
        .whereIn('status', openStatuses)
        .whereNot('id', match.excludeId)
        .orderBy('confirmed_at', 'asc')
        .first()
      return row && toRightsRequest(row)
    },
    /**
     * An open request for an email record, by the record it was linked to or by its address in the
     * study (an unconfirmed one has no link yet), if there is one.
     */
    openRequestsFor,
    async openRequestFor(
      trx: Knex,
      record: { id: string; studyId: string; emailHmac: string },
    ): Promise<{ id: string; reference: string | null } | undefined> {
      return (await openRequestsFor(trx, [record])).get(record.id)
    },
    async findByEmailHmac(emailHmac: string): Promise<RightsRequest[]> {
      const rows = await db<RequestRow>('rights_requests')
        .where({ email_hmac: emailHmac })
        .orderBy('created_at', 'desc')
      return rows.map(toRightsRequest)
    },
    async nextReference(trx: Knex, year: number): Promise<string> {
      return nextYearReference(trx, 'reference_counters', 'DSR', year)
    },
    async insertLink(
      trx: Knex,
      link: {
        id: string
        requestId: string
        purpose: LinkPurpose
        tokenHash: string
        expiresAt: string | null
      },
      at: Date,
    ): Promise<void> {
      await trx('request_links').insert({
        id: link.id,
        request_id: link.requestId,
        purpose: link.purpose,
        token_hash: link.tokenHash,
        expires_at: link.expiresAt,
        used_at: null,
        created_at: at.toISOString(),
      })
    },
    async findLink(
      tokenHash: string,
      purpose: LinkPurpose,
      trx: Knex = db,
    ): Promise<RequestLink | undefined> {
      const row = await trx<LinkRow>('request_links').where({ token_hash: tokenHash, purpose }).first()
      return row && toLink(row)
    },
    /** Marks a link used only if nobody used it first; returns whether this caller won. */
    async useLink(trx: Knex, linkId: string, at: Date): Promise<boolean> {
      const updated = await trx('request_links')
        .where({ id: linkId })
        .whereNull('used_at')
        .update({ used_at: at.toISOString() })
      return updated === 1
    },
    /** Unconfirmed requests with no confirmation link still usable at this instant. */
    async listLapsedUnconfirmed(at: Date, limit: number): Promise<RightsRequest[]> {
      const rows = await db<RequestRow>('rights_requests')
        .where({ status: 'unconfirmed' })
        .whereNotExists(
          db('request_links')
            .whereRaw('request_links.request_id = rights_requests.id')
            .where({ purpose: 'confirm' })
            .whereNull('used_at')
            .where('expires_at', '>', at.toISOString()),
        )
        .orderBy('created_at')
        .limit(limit)
      return rows.map(toRightsRequest)
    },
    /** Closed before an instant and still holding contact details, in (closed_at, id) order. */
    async listClosedWithContact(
      closedBefore: string,
      after: { closedAt: string; id: string } | null,
      limit: number,
    ): Promise<RightsRequest[]> {
      let query = db<RequestRow>('rights_requests')
        .whereIn('status', closedStatuses)
        .where('closed_at', '<', closedBefore)
        .where((q) =>
          q.whereNotNull('email').orWhereNotNull('requester_name').orWhereNotNull('postal_address'),
        )
      if (after) {
        query = query.where((q) =>
          q
            .where('closed_at', '>', after.closedAt)
            .orWhere((t) => t.where('closed_at', after.closedAt).where('id', '>', after.id)),
        )
      }
      const rows = await query.orderBy('closed_at', 'asc').orderBy('id', 'asc').limit(limit)
      return rows.map(toRightsRequest)
    },
    /**
     * Removes the requester's address and name, the copies of the address in the request's mail,
     * and the name and any address quoted in its letters and details; false when another run got
     * there first.
     */
    async removeContact(trx: Knex, id: string, at: Date): Promise<boolean> {
      const before = await trx('rights_requests')
        .where({ id })
        .first<
          { requester_name: string | null; postal_address: string | null; details: string | null } | undefined
        >('requester_name', 'postal_address', 'details')
      // A request reopened since it was listed is no longer closed: its contact details stay.
      const updated = await trx('rights_requests')
        .where({ id })
        .whereIn('status', closedStatuses)
        .where((q) =>
          q.whereNotNull('email').orWhereNotNull('requester_name').orWhereNotNull('postal_address'),
        )
        .update({
          email: null,
          requester_name: null,
          postal_address: null,
          updated_at: at.toISOString(),
          version: trx.raw('version + 1'),
        })
      if (updated !== 1) return false
      // Letters greet the person by name and a rectification may quote an address: those go too,
      // while what was decided and why stays readable.
      const scrub = (text: string): string => {
        const name = before?.requester_name?.trim()
        const named = name && name.length > 1 ? text.split(name).join('[name removed]') : text
        const posted = postalAddressFrom(before?.postal_address)
        return redactEmailAddresses(posted ? redactPostalAddress(named, posted, '[address removed]') : named)
      }
      const messages = await trx('request_messages')
        .where({ request_id: id })
        .select<{ id: string; body: string }[]>('id', 'body')
      for (const message of messages) {
        const body = scrub(message.body)
        if (body !== message.body) await trx('request_messages').where({ id: message.id }).update({ body })
      }
      const decisions = await trx('request_decisions')
        .where({ request_id: id })
        .select<{ id: string; reasoning: string }[]>('id', 'reasoning')
      for (const decision of decisions) {
        const reasoning = scrub(decision.reasoning)
        if (reasoning !== decision.reasoning)
          await trx('request_decisions').where({ id: decision.id }).update({ reasoning })
      }
      if (before?.details) {
        const details = scrub(before.details)
        if (details !== before.details) await trx('rights_requests').where({ id }).update({ details })
      }
      await trx('outbox')
        .where({ request_id: id })
        .update({ to_address: null, text_body: null, html_body: null })
      await trx('request_files')
        .where({ request_id: id })
        .whereNull('purged_at')
        .update({ body: null, purged_at: at.toISOString() })
      await trx('outbox').where({ request_id: id, status: 'pending' }).update({ status: 'cancelled' })
      return true
    },
    /**
     * Closed before an instant and still holding the case's free text, in (closed_at, id) order:
     * never minimised, or minimised before a reopening and closed again since.
     */
    async listClosedWithCaseText(
      closedBefore: string,
      after: { closedAt: string; id: string } | null,
      limit: number,
    ): Promise<{ id: string; closedAt: string }[]> {
      let query = db('rights_requests')
        .whereIn('status', closedStatuses)
        .where('closed_at', '<', closedBefore)
        .where((q) =>
          q.whereNull('case_text_removed_at').orWhere('case_text_removed_at', '<', db.ref('closed_at')),
        )
      if (after) {
        query = query.where((q) =>
          q
            .where('closed_at', '>', after.closedAt)
            .orWhere((t) => t.where('closed_at', after.closedAt).where('id', '>', after.id)),
        )
      }
      const rows: { id: string; closed_at: string }[] = await query
        .orderBy('closed_at', 'asc')
        .orderBy('id', 'asc')
        .limit(limit)
        .select('id', 'closed_at')
      return rows.map((r) => ({ id: r.id, closedAt: r.closed_at }))
    },
    /**
     * Replaces the free text of a closed case by the marker: what the person wrote in the request
     * and the extension's reasons on the request row, the letters both ways, internal notes, task
     * titles and done notes, the reasons for decisions and what the access searches found and did
     * not cover. Every row and its dates stay. Returns how many of each were replaced, or null when
     * the request was reopened since it was listed or another run got there first.
     */
    async removeCaseText(trx: Knex, id: string, marker: string, at: Date): Promise<CaseTextRemoved | null> {
      // Taken under the row's lock (the update's), so a request reopened meanwhile keeps its text.
      const claimed = await trx('rights_requests')
        .where({ id })
        .whereIn('status', closedStatuses)
        .whereNotNull('closed_at')
        .where((q) =>
          q.whereNull('case_text_removed_at').orWhere('case_text_removed_at', '<', trx.ref('closed_at')),
        )
        .update({
          case_text_removed_at: at.toISOString(),
          updated_at: at.toISOString(),
          version: trx.raw('version + 1'),
        })
      if (claimed !== 1) return null
      const request = await trx('rights_requests')
        .where({ id })
        .first<{ details: string | null; extension_reason: string | null }>('details', 'extension_reason')
      const requestChanges: { details?: string; extension_reason?: string } = {}
      let requestFields = 0
      if (request.details) {
        const minimised = withoutFreeText(JSON.parse(request.details) as RequestDetails, marker)
        if (minimised.replaced > 0) requestChanges.details = JSON.stringify(minimised.details)
        requestFields += minimised.replaced
      }
      if (request.extension_reason && request.extension_reason !== marker) {
        requestChanges.extension_reason = marker
        requestFields++
      }
      if (requestFields > 0) await trx('rights_requests').where({ id }).update(requestChanges)

      const replaceAll = (table: string, column: string) =>
        trx(table)
          .where({ request_id: id })
          .whereNot(column, marker)
          .update({ [column]: marker })
      const messages = await replaceAll('request_messages', 'body')
      const notes = await replaceAll('request_notes', 'body')
      const decisions = await replaceAll('request_decisions', 'reasoning')

      const taskRows: { id: string; title: string; done_note: string | null }[] = await trx('request_tasks')
        .where({ request_id: id })
        .select('id', 'title', 'done_note')
      let tasks = 0
      for (const task of taskRows) {
        const doneNote = task.done_note === null ? null : marker
        if (task.title === marker && task.done_note === doneNote) continue
        await trx('request_tasks').where({ id: task.id }).update({ title: marker, done_note: doneNote })
        tasks++
      }
      const searchRows: { id: string; found: string; search_limit: string | null }[] = await trx(
        'request_searches',
      )
        .where({ request_id: id })
        .select('id', 'found', 'search_limit')
      let searches = 0
      for (const search of searchRows) {
        const limit = search.search_limit === null ? null : marker
        if (search.found === marker && search.search_limit === limit) continue
        await trx('request_searches').where({ id: search.id }).update({ found: marker, search_limit: limit })
        searches++
      }
      return { requestFields, messages, notes, tasks, decisions, searches }
    },
    /** The access search log, oldest first. */
    async searchesOf(conn: Knex, requestId: string): Promise<RequestSearch[]> {
      const rows: {
        id: string
        place: string
        searched_on: string
        searched_by: string
        found: string
        search_limit: string | null
      }[] = await conn('request_searches')
        .where({ request_id: requestId })
        .orderBy('searched_on', 'asc')
        .orderBy('created_at', 'asc')
        .select('id', 'place', 'searched_on', 'searched_by', 'found', 'search_limit')
      return rows.map((r) => ({
        id: r.id,
        place: r.place,
        searchedOn: r.searched_on,
        searchedBy: r.searched_by,
        found: r.found,
        limit: r.search_limit,
      }))
    },
    async insertSearch(
      trx: Knex,
      search: Omit<RequestSearch, 'id'> & { requestId: string; at: Date },
    ): Promise<string> {
      const id = newId()
      await trx('request_searches').insert({
        id,
        request_id: search.requestId,
        place: search.place,
        searched_on: search.searchedOn,
        searched_by: search.searchedBy,
        found: search.found,
        search_limit: search.limit,
        created_at: search.at.toISOString(),
      })
      return id
    },
    /**
     * What the portal holds about a person's requests in a study — references, dates, outcomes and
     * the letters both ways — for their access answer: it is personal data about them too.
     */
    async recordsAbout(
      conn: Knex,
      studyId: string,
      emailHmac: string,
    ): Promise<{ request: RightsRequest; messages: CaseMessage[] }[]> {
      const rows = await conn<RequestRow>('rights_requests')
        .where({ study_id: studyId, email_hmac: emailHmac })
        .whereNotNull('reference')
        .orderBy('received_on', 'asc')
        .orderBy('id', 'asc')
      const result: { request: RightsRequest; messages: CaseMessage[] }[] = []
      for (const row of rows) {
        const messages = await conn<MessageRow>('request_messages')
          .where({ request_id: row.id })
          .orderBy('created_at')
        result.push({
          request: toRightsRequest(row),
          messages: messages.map((m) => ({
            id: m.id,
            direction: m.direction,
            kind: m.kind,
            subject: m.subject,
            body: m.body,
            authorId: m.author_id,
            createdAt: m.created_at,
          })),
        })
      }
      return result
    },
    /** The parts of the request the DPO decided not to do, with the ground and the reasons. */
    async decisionsOf(conn: Knex, requestId: string): Promise<StoredDecision[]> {
      const rows: { id: string; part: string; ground: string; reasoning: string; decided_at: string }[] =
        await conn('request_decisions')
          .where({ request_id: requestId })
          .orderBy('decided_at', 'asc')
          .select('id', 'part', 'ground', 'reasoning', 'decided_at')
      return rows.map((r) => ({
        id: r.id,
        part: r.part,
        ground: r.ground,
        reasoning: r.reasoning,
        decidedAt: r.decided_at,
      }))
    },
    /** Records (or replaces) the decision on one part; returns its id. */
    async saveDecision(
      trx: Knex,
      decision: { requestId: string; part: string; ground: string; reasoning: string; by: string; at: Date },
    ): Promise<string> {
      const id = newId()
      await trx('request_decisions').where({ request_id: decision.requestId, part: decision.part }).delete()
      await trx('request_decisions').insert({
        id,
        request_id: decision.requestId,
        part: decision.part,
        ground: decision.ground,
        reasoning: decision.reasoning,
        decided_by: decision.by,
        decided_at: decision.at.toISOString(),
      })
      return id
    },
    /** False when there was no decision on the part. */
    async removeDecision(trx: Knex, requestId: string, part: string): Promise<boolean> {
      return (await trx('request_decisions').where({ request_id: requestId, part }).delete()) > 0
    },
    async expireLinks(trx: Knex, requestId: string, purpose: LinkPurpose, at: Date): Promise<void> {
      await trx('request_links')
        .where({ request_id: requestId, purpose })
        .whereNull('used_at')
        .update({ used_at: at.toISOString() })
    },
  }
}

export type RequestsRepo = ReturnType<typeof requestsRepo>
