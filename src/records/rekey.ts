import type { Knex } from 'knex'
import type { Logger } from 'pino'
import { emailHmac } from '../domain/email-address.js'

/** What one pass changed (docs/decisions/0008-case-insensitive-address-keys.md). */
export interface RekeyReport {
  /** Email records given the key of their case-folded address. */
  records: number
  /** Requests given the key of their case-folded address. */
  requests: number
  /** Rows whose address is gone (tombstones, purged requests) that shared a moved row's old key. */
  carriedOver: number
  /** Records left on their old key because another record in the study took the folded one. */
  keptOldKey: KeptOldKey[]
}

export interface KeptOldKey {
  recordId: string
  studyId: string
  conflictingRecordId: string
}

interface AddressRow {
  id: string
  study_id: string
  email: string
  email_hmac: string
}

type Stale = AddressRow & { key: string }

type Tables = 'email_records' | 'rights_requests'

const emptyReport = (): RekeyReport => ({ records: 0, requests: 0, carriedOver: 0, keptOldKey: [] })

function isUniqueViolation(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown }
  return code === '23505' || (code === 'SQLITE_CONSTRAINT' && String(message).includes('UNIQUE'))
}

/**
 * Gives every row that still holds its address the key of the case-folded address, in batches, at
 * start-up (migrations have no secret). Rows whose address is gone keep their key unless they share
 * it with a row that moves: equal keys mean the same address, so they move together. Running it
 * again changes nothing.
 */
export async function rekeyAddressKeys(
  deps: { db: Knex; secret: string; log: Logger },
  batchSize = 500,
): Promise<RekeyReport> {
  const total = emptyReport()
  for (const table of ['email_records', 'rights_requests'] as const) {
    let after = ''
    for (;;) {
      const rows: AddressRow[] = await deps
        .db<AddressRow>(table)
        .whereNotNull('email')
        .whereNotNull('email_hmac')
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .select('id', 'study_id', 'email', 'email_hmac')
      const stale = rows
        .map((row) => ({ ...row, key: emailHmac(deps.secret, row.email) }))
        .filter((row) => row.key !== row.email_hmac)
      if (stale.length > 0) merge(total, await rekeyBatch(deps.db, table, stale))
      const last = rows.at(-1)
      if (!last || rows.length < batchSize) break
      after = last.id
    }
  }
  for (const kept of total.keptOldKey) {
    deps.log.warn(
      kept,
      'email record left on its old address key: another record in its study holds the same address in other capitals',
    )
  }
  if (total.records + total.requests + total.carriedOver > 0) {
    const { records, requests, carriedOver } = total
    deps.log.info({ records, requests, carriedOver }, 'address keys case-folded')
  }
  return total
}

function merge(total: RekeyReport, batch: RekeyReport): void {
  total.records += batch.records
  total.requests += batch.requests
  total.carriedOver += batch.carriedOver
  total.keptOldKey.push(...batch.keptOldKey)
}

/** One batch in one transaction; retried if another instance, starting at once, took a key first. */
async function rekeyBatch(db: Knex, table: Tables, stale: Stale[]): Promise<RekeyReport> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (trx) => {
        const report = emptyReport()
        for (const row of stale) {
          if (table === 'rights_requests') {
            const moved = await trx('rights_requests')
              .where({ id: row.id, email_hmac: row.email_hmac })
              .update({ email_hmac: row.key })
            if (moved === 0) continue
            report.requests++
          } else {
            const moved = await moveRecordKey(trx, row, row.email_hmac, row.key)
            if (moved === 'changed') continue
            if (moved !== 'moved') {
              report.keptOldKey.push(moved)
              continue
            }
            report.records++
          }
          await carryOver(trx, row.email_hmac, row.key, report)
        }
        return report
      })
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 3) throw error
    }
  }
}

/**
 * Moves one record from one key to another unless another record in its study holds the new key;
 * 'changed' if the record no longer holds the old key (changed since it was read).
 */
async function moveRecordKey(
  trx: Knex,
  record: { id: string; study_id: string },
  from: string,
  to: string,
): Promise<'moved' | 'changed' | KeptOldKey> {
  const holder: { id: string } | undefined = await trx('email_records')
    .where({ study_id: record.study_id, email_hmac: to })
    .whereNot({ id: record.id })
    .first('id')
  if (holder) return { recordId: record.id, studyId: record.study_id, conflictingRecordId: holder.id }
  const moved = await trx('email_records')
    .where({ id: record.id, email_hmac: from })
    .update({ email_hmac: to })
  return moved > 0 ? 'moved' : 'changed'
}

/** Rows without their address under the old key are the same address: they follow it. */
async function carryOver(trx: Knex, from: string, to: string, report: RekeyReport): Promise<void> {
  report.carriedOver += await trx('rights_requests')
    .where({ email_hmac: from })
    .whereNull('email')
    .update({ email_hmac: to })
  const tombstones: { id: string; study_id: string }[] = await trx('email_records')
    .where({ email_hmac: from })
    .whereNull('email')
    .select('id', 'study_id')
  for (const tombstone of tombstones) {
    const moved = await moveRecordKey(trx, tombstone, from, to)
    if (moved === 'moved') report.carriedOver++
    else if (moved !== 'changed') report.keptOldKey.push(moved)
  }
}
