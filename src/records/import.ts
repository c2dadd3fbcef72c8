import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import type { Knex } from 'knex'
import { recordEvent, type Actor } from '../audit/events.js'
import { isIsoDate, londonDate } from '../domain/clock.js'
import { emailHmac, isValidEmail, legacyEmailHmac, normaliseEmail } from '../domain/email-address.js'
import { newId } from '../security/tokens.js'

type Field = 'email' | 'participated_on' | 'voucher_sent_on' | 'extracted_on'
const dateFields = ['participated_on', 'voucher_sent_on', 'extracted_on'] as const
type DateField = (typeof dateFields)[number]

/** Header names a survey platform export may use, compared without case, spaces or punctuation. */
const headerNames: Record<string, Field> = {
  email: 'email',
  emailaddress: 'email',
  participated: 'participated_on',
  participatedon: 'participated_on',
  participateddate: 'participated_on',
  participationdate: 'participated_on',
  vouchersent: 'voucher_sent_on',
  vouchersenton: 'voucher_sent_on',
  vouchersentdate: 'voucher_sent_on',
  extracted: 'extracted_on',
  extractedon: 'extracted_on',
  extracteddate: 'extracted_on',
  separatedon: 'extracted_on',
}

const dateLabels: Record<DateField, string> = {
  participated_on: 'participated date',
  voucher_sent_on: 'voucher sent date',
  extracted_on: 'extracted date',
}

export interface RejectedRow {
  line: number
  reason: string
}

export interface ImportReport {
  rows: number
  created: number
  updated: number
  unchanged: number
  /** Addresses already erased: never brought back by a later export. */
  skippedErased: number
  rejected: RejectedRow[]
  rejectedCount: number
  unknownColumns: string[]
  imported: boolean
}

interface CleanRow {
  line: number
  email: string
  hmac: string
  /** The key before keys were case-folded, so an erased address keyed that way stays erased. */
  legacyHmac: string
  dates: Record<DateField, string | null>
}

const maxReportedRejections = 500
const batchSize = 400

/** Accepts YYYY-MM-DD and the UK's DD/MM/YYYY; returns the ISO date or undefined. */
export function parseExportDate(raw: string): string | undefined {
  const value = raw.trim()
  if (isIsoDate(value)) return value
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value)
  if (!uk) return undefined
  const iso = `${uk[3]}-${(uk[2] ?? '').padStart(2, '0')}-${(uk[1] ?? '').padStart(2, '0')}`
  return isIsoDate(iso) ? iso : undefined
}

function headerKey(header: string): Field | undefined {
  return headerNames[header.toLowerCase().replace(/[^a-z]/g, '')]
}

/**
 * Reads the export row by row (never the whole file) and yields each row checked, or its problem.
 * Called twice: once to validate everything, once to write, so nothing is half-imported.
 */
async function* readRows(
  source: Readable,
  secret: string,
  today: string,
  onHeader: (unknown: string[], missing: boolean) => void,
): AsyncGenerator<{ row: CleanRow } | { rejected: RejectedRow }> {
  const parser = source.pipe(
    parse({
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      columns: (headers: string[]) => {
        const keys = headers.map((h) => headerKey(h))
        onHeader(
          headers.filter((_, i) => keys[i] === undefined),
          !keys.includes('email'),
        )
        return keys.map((k) => k ?? false)
      },
    }),
  )
  try {
    for await (const item of parser as AsyncIterable<{
      record: Partial<Record<Field, string>>
      info: { lines: number }
    }>) {
      const line = item.info.lines
      const rawEmail = item.record.email ?? ''
      const email = normaliseEmail(rawEmail)
      if (!isValidEmail(email)) {
        yield { rejected: { line, reason: rawEmail ? 'bad email address' : 'no email address' } }
        continue
      }
      const dates = { participated_on: null, voucher_sent_on: null, extracted_on: null } as Record<
        DateField,
        string | null
      >
      let problem: string | undefined
      for (const field of dateFields) {
        const raw = item.record[field] ?? ''
        if (raw === '') continue
        const date = parseExportDate(raw)
        if (!date) problem ??= `bad ${dateLabels[field]} "${raw.slice(0, 20)}"`
        else if (date > today) problem ??= `${dateLabels[field]} is in the future`
        else dates[field] = date
      }
      if (problem) yield { rejected: { line, reason: problem } }
      else
        yield {
          row: {
            line,
            email,
            hmac: emailHmac(secret, email),
            legacyHmac: legacyEmailHmac(secret, email),
            dates,
          },
        }
    }
  } catch (error) {
    const lines = (error as { lines?: number }).lines
    yield {
      rejected: {
        line: lines ?? 0,
        reason: `unreadable CSV: ${error instanceof Error ? error.message.split('\n')[0] : 'parse error'}`,
      },
    }
  }
}

interface ExistingRow {
  id: string
  email_hmac: string
  participated_on: string | null
  voucher_sent_on: string | null
  extracted_on: string | null
  erased_on: string | null
}

/**
 * Imports a survey platform export for one study: validated row by row, then written all at once
 * in one transaction, or not at all. Re-importing the same file changes nothing; a later export
 * updates the dates of known records; an erased address is never brought back.
 */
export async function importEmailRecords(
  deps: { db: Knex; secret: string; now: () => Date },
  input: { studyId: string; open: () => Readable; actor: Actor },
): Promise<ImportReport> {
  const at = deps.now()
  const today = londonDate(at)
  const report: ImportReport = {
    rows: 0,
    created: 0,
    updated: 0,
    unchanged: 0,
    skippedErased: 0,
    rejected: [],
    rejectedCount: 0,
    unknownColumns: [],
    imported: false,
  }
  let missingEmailColumn = false
  const firstLineOf = new Map<string, number>()
  const digest = createHash('sha256')

  const validationSource = input.open()
  validationSource.on('data', (chunk: Buffer | string) => digest.update(chunk))
  for await (const result of readRows(validationSource, deps.secret, today, (unknown, missing) => {
    report.unknownColumns = unknown
    missingEmailColumn = missing
  })) {
    report.rows++
    let rejection = 'rejected' in result ? result.rejected : undefined
    if ('row' in result) {
      const first = firstLineOf.get(result.row.hmac)
      if (first !== undefined)
        rejection = { line: result.row.line, reason: `duplicate in file (same address as line ${first})` }
      else firstLineOf.set(result.row.hmac, result.row.line)
    }
    if (rejection) {
      report.rejectedCount++
      if (report.rejected.length < maxReportedRejections) report.rejected.push(rejection)
    }
  }
  if (missingEmailColumn) {
    report.rejectedCount++
    report.rejected.unshift({ line: 1, reason: 'no email column in the header' })
  }
  if (report.rejectedCount > 0 || report.rows === 0) {
    if (report.rows === 0 && report.rejectedCount === 0) {
      report.rejectedCount = 1
      report.rejected.push({ line: 1, reason: 'the file has no rows' })
    }
    return report
  }

  await deps.db.transaction(async (trx) => {
    let batch: CleanRow[] = []
    const flush = async () => {
      if (batch.length === 0) return
      const query: Promise<ExistingRow[]> = trx('email_records')
        .where({ study_id: input.studyId })
        .whereIn('email_hmac', [...new Set(batch.flatMap((r) => [r.hmac, r.legacyHmac]))])
        .select('id', 'email_hmac', 'participated_on', 'voucher_sent_on', 'extracted_on', 'erased_on')
      const existing = await query
      const byHmac = new Map(existing.map((r) => [r.email_hmac, r]))
      const inserts = []
      for (const row of batch) {
        const known = byHmac.get(row.hmac) ?? byHmac.get(row.legacyHmac)
        if (!known) {
          inserts.push({
            id: newId(),
            study_id: input.studyId,
            email: row.email,
            email_hmac: row.hmac,
            ...row.dates,
            created_at: at.toISOString(),
            updated_at: at.toISOString(),
            version: 1,
          })
          continue
        }
        if (known.erased_on) {
          report.skippedErased++
          continue
        }
        // An empty cell never clears a date the portal already knows.
        const changes = Object.fromEntries(
          dateFields
            .filter((f) => row.dates[f] !== null && row.dates[f] !== known[f])
            .map((f) => [f, row.dates[f]]),
        )
        if (Object.keys(changes).length === 0) {
          report.unchanged++
          continue
        }
        await trx('email_records')
          .where({ id: known.id })
          .update({ ...changes, updated_at: at.toISOString(), version: trx.raw('version + 1') })
        report.updated++
      }
      if (inserts.length > 0) await trx('email_records').insert(inserts)
      report.created += inserts.length
      batch = []
    }
    for await (const result of readRows(input.open(), deps.secret, today, () => undefined)) {
      if (!('row' in result)) throw new Error('The file changed while it was being imported')
      batch.push(result.row)
      if (batch.length >= batchSize) await flush()
    }
    await flush()
    await recordEvent(
      trx,
      {
        actor: input.actor,
        subject: { type: 'study', id: input.studyId },
        kind: 'records.imported',
        data: {
          fileSha256: digest.digest('hex'),
          rows: report.rows,
          created: report.created,
          updated: report.updated,
          unchanged: report.unchanged,
          skippedErased: report.skippedErased,
          unknownColumns: report.unknownColumns,
        },
      },
      at,
    )
  })
  report.imported = true
  return report
}
