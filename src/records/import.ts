import { createHash } from 'node:crypto'
import type { Readable } from 'node:stream'
import { parse } from 'csv-parse'
import type { Knex } from 'knex'
import { recordEvent, type Actor } from '../audit/events.js'
import { isIsoDate, londonDate } from '../domain/clock.js'
import {
  containsEmailAddress,
  emailHmac,
  isValidEmail,
  legacyEmailHmac,
  normaliseEmail,
} from '../domain/email-address.js'
import { ValidationError } from '../errors.js'
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
/** Rows per staging transaction: a short write, however large the file. */
const stagingBatchSize = 2000
/** Rows per statement: knex writes a SQLite insert as a compound SELECT, of at most 500 terms. */
const rowsPerStatement = 500
const clearBatchSize = 5000

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
        // The report quotes the cell, unless it holds an address.
        if (!date)
          problem ??= containsEmailAddress(raw)
            ? `bad ${dateLabels[field]}`
            : `bad ${dateLabels[field]} "${raw.slice(0, 20)}"`
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

/**
 * The import could not be written, so nothing was. Its message names only a code: a database
 * error carries the statement and its values (addresses among them), and never goes further.
 */
export class ImportFailedError extends Error {
  constructor(
    readonly code: string,
    message = `The records could not be written to the database (${code}); nothing was imported`,
  ) {
    super(message)
    this.name = 'ImportFailedError'
  }
}

/** A database error's code (SQLITE_BUSY, 23505 …) or its class name; never its message. */
function safeCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string' && /^\w{1,40}$/.test(code)) return code
  if (error instanceof Error && /^\w{1,40}$/.test(error.name)) return error.name
  return 'unknown'
}

interface Counts {
  created: number
  updated: number
  unchanged: number
  skippedErased: number
}

/**
 * Imports a survey platform export for one study, all of it or nothing. Every row is checked
 * first. Then what the file changes is written to a staging table in short batches, each its own
 * transaction, so web requests and other jobs take turns with a large import; a last transaction
 * of two statements moves it into email_records, and only then is any of it visible
 * (docs/decisions/0011). Re-importing the same file changes nothing; a later export updates the
 * dates of known records; an erased address is never brought back.
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
  let addressInHeader = false
  const firstLineOf = new Map<string, number>()
  const digest = createHash('sha256')

  const validationSource = input.open()
  validationSource.on('data', (chunk: Buffer | string) => digest.update(chunk))
  for await (const result of readRows(validationSource, deps.secret, today, (unknown, missing) => {
    // An address where a column name belongs: a header row of data, or a cell pasted into it.
    addressInHeader = unknown.some((header) => containsEmailAddress(header))
    report.unknownColumns = addressInHeader ? [] : unknown
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
  if (addressInHeader) {
    throw new ValidationError([
      {
        field: 'file',
        href: '#file',
        text: 'The first line of the file must name the columns, but one of its names is an email address',
      },
    ])
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

  const importId = newId()
  try {
    await removeAbandonedStaging(deps.db, at)
    const staged = await stageRows(deps, { importId, studyId: input.studyId, open: input.open, today, at })
    if (staged.rows !== report.rows) throw fileChanged()
    const counts = await moveIn(deps.db, {
      importId,
      studyId: input.studyId,
      at,
      staged: staged.counts,
      event: (trx, counts) =>
        recordEvent(
          trx,
          {
            actor: input.actor,
            subject: { type: 'study', id: input.studyId },
            kind: 'records.imported',
            data: {
              fileSha256: digest.digest('hex'),
              rows: report.rows,
              ...counts,
              unknownColumns: report.unknownColumns,
            },
          },
          at,
        ),
    })
    Object.assign(report, counts)
  } catch (error) {
    if (error instanceof ImportFailedError) throw error
    throw new ImportFailedError(safeCode(error))
  } finally {
    await clearStaging(deps.db, importId).catch(() => undefined)
  }
  report.imported = true
  return report
}

const fileChanged = () =>
  new ImportFailedError('file_changed', 'The file changed while it was being imported; nothing was imported')

interface ExistingRow {
  id: string
  email_hmac: string
  participated_on: string | null
  voucher_sent_on: string | null
  extracted_on: string | null
  erased_on: string | null
}

interface StagingRow {
  import_id: string
  seq: number
  action: 'create' | 'update'
  record_id: string
  email: string | null
  email_hmac: string | null
  participated_on: string | null
  voucher_sent_on: string | null
  extracted_on: string | null
  staged_at: string
}

/**
 * Reads the file again and stages what it changes, one short transaction per batch: a new record
 * for each new address, the dates of a known record that differ. The records are only read here,
 * with no lock held; the final step checks again what may have changed since.
 */
async function stageRows(
  deps: { db: Knex; secret: string },
  input: { importId: string; studyId: string; open: () => Readable; today: string; at: Date },
): Promise<{ rows: number; counts: Counts }> {
  const stagedAt = input.at.toISOString()
  const counts: Counts = { created: 0, updated: 0, unchanged: 0, skippedErased: 0 }
  let rows = 0
  let seq = 0
  let batch: CleanRow[] = []
  const stage = (row: CleanRow, action: StagingRow['action'], recordId: string): StagingRow => ({
    import_id: input.importId,
    seq: seq++,
    action,
    record_id: recordId,
    email: action === 'create' ? row.email : null,
    email_hmac: action === 'create' ? row.hmac : null,
    ...row.dates,
    staged_at: stagedAt,
  })
  const flush = async () => {
    const staged: StagingRow[] = []
    for (let i = 0; i < batch.length; i += rowsPerStatement) {
      const part = batch.slice(i, i + rowsPerStatement)
      const existing: ExistingRow[] = await deps
        .db('email_records')
        .where({ study_id: input.studyId })
        .whereIn('email_hmac', [...new Set(part.flatMap((r) => [r.hmac, r.legacyHmac]))])
        .select('id', 'email_hmac', 'participated_on', 'voucher_sent_on', 'extracted_on', 'erased_on')
      const byHmac = new Map(existing.map((r) => [r.email_hmac, r]))
      for (const row of part) {
        const known = byHmac.get(row.hmac) ?? byHmac.get(row.legacyHmac)
        if (!known) {
          staged.push(stage(row, 'create', newId()))
          counts.created++
        } else if (known.erased_on) {
          counts.skippedErased++
        } else if (dateFields.some((f) => row.dates[f] !== null && row.dates[f] !== known[f])) {
          staged.push(stage(row, 'update', known.id))
          counts.updated++
        } else {
          counts.unchanged++
        }
      }
    }
    if (staged.length > 0) await deps.db.batchInsert('import_staging', staged, rowsPerStatement)
    batch = []
  }
  for await (const result of readRows(input.open(), deps.secret, input.today, () => undefined)) {
    if (!('row' in result)) throw fileChanged()
    rows++
    batch.push(result.row)
    if (batch.length >= stagingBatchSize) await flush()
  }
  await flush()
  return { rows, counts }
}

/**
 * The final step, in one transaction: applies the staged dates (an empty cell never clears a date
 * the portal already knows; a record erased since it was staged is left alone), creates the new
 * records, and records the import. Two statements, whatever the number of rows. A record created
 * for one of the addresses since it was staged breaks the study's unique key, and nothing is kept.
 */
async function moveIn(
  db: Knex,
  input: {
    importId: string
    studyId: string
    at: Date
    staged: Counts
    event: (trx: Knex.Transaction, counts: Counts) => Promise<void>
  },
): Promise<Counts> {
  const { importId } = input
  const at = input.at.toISOString()
  return db.transaction(async (trx) => {
    const staged = (action: StagingRow['action']) =>
      trx('import_staging').where({ import_id: importId, action })
    const stagedDate = (field: DateField) =>
      trx('import_staging')
        .select(field)
        .where({ import_id: importId })
        .where('record_id', trx.ref('email_records.id'))
        .limit(1)
    const updated =
      input.staged.updated === 0
        ? 0
        : await trx('email_records')
            .whereIn('id', staged('update').select('record_id'))
            .whereNull('erased_on')
            .update({
              ...Object.fromEntries(
                dateFields.map((field) => [field, trx.raw('coalesce(?, ??)', [stagedDate(field), field])]),
              ),
              updated_at: at,
              version: trx.raw('?? + 1', ['version']),
            })
    if (input.staged.created > 0) {
      const columns = ['id', 'study_id', 'email', 'email_hmac', ...dateFields, 'created_at', 'updated_at']
      await trx
        .into(trx.raw(`?? (${columns.map(() => '??').join(', ')})`, ['email_records', ...columns]))
        .insert(
          staged('create')
            .select(
              'record_id',
              trx.raw('cast(? as varchar(36))', [input.studyId]),
              'email',
              'email_hmac',
              ...dateFields,
              trx.raw('cast(? as varchar(30))', [at]),
              trx.raw('cast(? as varchar(30))', [at]),
            )
            // In key order, so the indexes on the key take the rows in order.
            .orderBy('email_hmac'),
        )
    }
    const counts: Counts = {
      ...input.staged,
      updated,
      skippedErased: input.staged.skippedErased + input.staged.updated - updated,
    }
    await input.event(trx, counts)
    return counts
  })
}

/** Removes this import's staged rows, a batch at a time so no delete holds the write lock long. */
async function clearStaging(db: Knex, importId: string): Promise<void> {
  for (let from = 0; ; from += clearBatchSize) {
    const removed = await db('import_staging')
      .where({ import_id: importId })
      .where('seq', '>=', from)
      .where('seq', '<', from + clearBatchSize)
      .del()
    // Rows are numbered from 0 without gaps: an empty batch is the end.
    if (removed === 0) return
  }
}

/** Staged rows of an import that never finished (the process stopped) go at the next import. */
async function removeAbandonedStaging(db: Knex, at: Date): Promise<void> {
  const dayAgo = new Date(at.getTime() - 24 * 60 * 60 * 1000).toISOString()
  await db('import_staging').where('staged_at', '<', dayAgo).del()
}
