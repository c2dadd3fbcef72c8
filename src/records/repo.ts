import type { Knex } from 'knex'
import { isPostgres } from '../db/knex.js'
import { londonDate, type IsoDate } from '../domain/clock.js'
import type { EmailRecord } from '../domain/email-record.js'
import type { HoldingKey, RecordFacts, SweepScope } from '../domain/retention.js'

interface EmailRecordRow {
  id: string
  study_id: string
  email: string | null
  email_hmac: string
  participated_on: string | null
  voucher_sent_on: string | null
  extracted_on: string | null
  platform_deleted_on: string | null
  voucher_deleted_on: string | null
  erased_on: string | null
  erasure_reason: 'retention_schedule' | 'erasure_request' | null
  restricted_since: string | null
  restriction_ground?: string | null
  restriction_review_on?: string | null
  restriction_lift_notice_on?: string | null
  consent_withdrawn_on?: string | null
  objection_on?: string | null
  objection_processing?: string | null
  objection_decision?: string | null
  created_at: string
  updated_at: string
}

/** The columns of an email record that retention is computed from. */
export type RecordFactColumns = Pick<
  EmailRecordRow,
  | 'voucher_sent_on'
  | 'extracted_on'
  | 'platform_deleted_on'
  | 'voucher_deleted_on'
  | 'erased_on'
  | 'erasure_reason'
  | 'restricted_since'
>

export function recordFactsOf(row: RecordFactColumns): RecordFacts {
  return {
    voucherSentOn: row.voucher_sent_on,
    extractedOn: row.extracted_on,
    deletedHoldings: {
      ...(row.platform_deleted_on ? { survey_platform: row.platform_deleted_on } : {}),
      ...(row.voucher_deleted_on ? { voucher_correspondence: row.voucher_deleted_on } : {}),
    },
    erased: row.erased_on ? { on: row.erased_on, reason: row.erasure_reason ?? 'retention_schedule' } : null,
    restriction: row.restricted_since ? { since: row.restricted_since } : null,
  }
}

/**
 * When each holding's deletion task was done (its London date), or null while one is still open:
 * a holding outside the portal is deleted only once someone has deleted it there.
 */
async function deletionDoneOf(conn: Knex, recordId: string): Promise<RecordFacts['deletionDone']> {
  const tasks: { holding: HoldingKey; done_at: string | null }[] = await conn('record_tasks')
    .where({ record_id: recordId, purpose: 'deletion' })
    .select('holding', 'done_at')
  const done: Partial<Record<HoldingKey, IsoDate | null>> = {}
  for (const task of tasks) {
    const on = task.done_at === null ? null : londonDate(new Date(task.done_at))
    const before = done[task.holding]
    if (before === null) continue
    done[task.holding] = on === null || before === undefined || on > before ? on : before
  }
  return done
}

/** A record read for its own pages and for a change to it: with what its deletion tasks say. */
async function withDeletionTasks(conn: Knex, record: EmailRecord): Promise<EmailRecord> {
  return { ...record, facts: { ...record.facts, deletionDone: await deletionDoneOf(conn, record.id) } }
}

const toRecord = (row: EmailRecordRow): EmailRecord => ({
  id: row.id,
  studyId: row.study_id,
  email: row.email,
  emailHmac: row.email_hmac,
  participatedOn: row.participated_on,
  facts: recordFactsOf(row),
  restrictionGround: row.restriction_ground ?? null,
  restrictionReviewOn: row.restriction_review_on ?? null,
  restrictionLiftNoticeOn: row.restriction_lift_notice_on ?? null,
  consentWithdrawnOn: row.consent_withdrawn_on ?? null,
  objection: row.objection_on
    ? {
        on: row.objection_on,
        processing: row.objection_processing ?? null,
        decision: row.objection_decision ?? null,
      }
    : null,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function recordsRepo(db: Knex) {
  return {
    /** Lookups are by HMAC only: the address itself is never searched. */
    async findByHmac(emailHmac: string): Promise<EmailRecord[]> {
      const rows = await db<EmailRecordRow>('email_records')
        .where({ email_hmac: emailHmac })
        .orderBy('created_at')
      return rows.map(toRecord)
    },
    /**
     * The record a request is about: same study, same address (by HMAC), erased or not. Locked on
     * PostgreSQL, so a confirmation and the retention sweep never interleave: one sees the other's
     * result. `legacyHmac` also finds a tombstone keyed before keys were case-folded; a record under
     * the current key comes first.
     */
    async findForRequest(
      trx: Knex,
      studyId: string,
      emailHmac: string,
      legacyHmac?: string,
    ): Promise<EmailRecord | undefined> {
      const keys = legacyHmac && legacyHmac !== emailHmac ? [emailHmac, legacyHmac] : [emailHmac]
      const query = trx<EmailRecordRow>('email_records')
        .where({ study_id: studyId })
        .whereIn('email_hmac', keys)
      const rows = await (isPostgres(trx) ? query.forUpdate() : query)
      const row = rows.find((r) => r.email_hmac === emailHmac) ?? rows[0]
      return row && toRecord(row)
    },
    /** One record, with when each holding's deletion task was done. */
    /** The supplementary statements kept with the record (Art. 16), oldest first. */
    async supplementsOf(
      recordId: string,
    ): Promise<{ category: string; statement: string; addedAt: string; requestId: string }[]> {
      const rows: { category: string; statement: string; added_at: string; request_id: string }[] = await db(
        'record_supplements',
      )
        .where({ record_id: recordId })
        .orderBy('added_at')
        .select('category', 'statement', 'added_at', 'request_id')
      return rows.map((r) => ({
        category: r.category,
        statement: r.statement,
        addedAt: r.added_at,
        requestId: r.request_id,
      }))
    },
    async findById(id: string): Promise<EmailRecord | undefined> {
      const row = await db<EmailRecordRow>('email_records').where({ id }).first()
      return row && withDeletionTasks(db, toRecord(row))
    },
    /** Locks a record for the rest of the transaction (PostgreSQL) if it is still at this version. */
    async lockAtVersion(trx: Knex, id: string, version: number): Promise<boolean> {
      const query = trx('email_records').where({ id, version })
      const row: unknown = await (isPostgres(trx) ? query.forUpdate() : query).first('id')
      return Boolean(row)
    },
    /** A record with the version it was read at, for a change that must not overwrite another. */
    async findWithVersion(
      trx: Knex,
      id: string,
    ): Promise<{ record: EmailRecord; version: number } | undefined> {
      const row = await trx<EmailRecordRow & { version: number }>('email_records').where({ id }).first()
      return row && { record: await withDeletionTasks(trx, toRecord(row)), version: Number(row.version) }
    },
    /**
     * A study's records within the sweep's scope (`inSweepScope`, the same rule in SQL), in id
     * order, for walking them in batches.
     */
    async pageInSweepScope(
      studyId: string,
      scope: SweepScope,
      afterId: string,
      limit: number,
    ): Promise<{ record: EmailRecord; version: number }[]> {
      const rows = await db<EmailRecordRow & { version: number }>('email_records')
        .where('study_id', studyId)
        .whereNull('erased_on')
        .where('id', '>', afterId)
        .modify((query) => {
          if (scope.everyRecord) return
          void query.where((q) =>
            q
              .where((v) =>
                v
                  .whereNotNull('voucher_sent_on')
                  .whereNull('voucher_deleted_on')
                  .where('voucher_sent_on', '<=', scope.voucherSentBy),
              )
              .orWhere((p) =>
                p
                  .whereNotNull('platform_deleted_on')
                  .where((v) => v.whereNull('voucher_sent_on').orWhereNotNull('voucher_deleted_on')),
              ),
          )
        })
        .orderBy('id')
        .limit(limit)
        .select<(EmailRecordRow & { version: number })[]>('*')
      return rows.map((row) => ({ record: toRecord(row), version: Number(row.version) }))
    },
    /** How many of a study's records still hold an address. */
    async countNotErased(studyId: string): Promise<number> {
      const row = await db('email_records')
        .where('study_id', studyId)
        .whereNull('erased_on')
        .count<{ n: number | string }[]>({ n: '*' })
        .first()
      return Number(row?.n ?? 0)
    },
    async openTasks(): Promise<
      { id: string; recordId: string; title: string; createdAt: string; studyTitle: string }[]
    > {
      const query: Promise<
        { id: string; record_id: string; title: string; created_at: string; study_title: string }[]
      > = db('record_tasks as t')
        .join('studies as s', 's.id', 't.study_id')
        .whereNull('t.done_at')
        .orderBy('t.created_at')
        .select('t.id', 't.record_id', 't.title', 't.created_at', 's.title as study_title')
      return (await query).map((r) => ({
        id: r.id,
        recordId: r.record_id,
        title: r.title,
        createdAt: r.created_at,
        studyTitle: r.study_title,
      }))
    },
    async countByStudy(studyId: string): Promise<number> {
      const [row] = await db('email_records')
        .where({ study_id: studyId })
        .count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },
  }
}

export type RecordsRepo = ReturnType<typeof recordsRepo>
