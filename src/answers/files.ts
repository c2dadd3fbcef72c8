import { createHash } from 'node:crypto'
import type { Knex } from 'knex'
import { recordEvent, recordEvents, type Actor } from '../audit/events.js'
import { inBatches } from '../db/batches.js'
import { downloadExpiresOn } from '../domain/answer.js'
import { addDays, londonDate, startOfLondonDay } from '../domain/clock.js'
import { newId } from '../security/tokens.js'

/** The files a request's answer delivers. */
export type FileKind = 'access_answer' | 'portability_data' | 'attachment'

export interface RequestFile {
  id: string
  requestId: string
  kind: FileKind
  filename: string
  contentType: string
  sizeBytes: number
  sha256: string
  createdAt: string
  publishedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
  revokeReason: string | null
  purgedAt: string | null
  /** The last London day the person can download it. */
  availableUntil: string | null
}

interface FileRow {
  id: string
  request_id: string
  kind: FileKind
  filename: string
  content_type: string
  size_bytes: number | string
  sha256: string
  created_at: string
  published_at: string | null
  expires_at: string | null
  revoked_at: string | null
  revoke_reason: string | null
  purged_at: string | null
}

const columns = [
  'id',
  'request_id',
  'kind',
  'filename',
  'content_type',
  'size_bytes',
  'sha256',
  'created_at',
  'published_at',
  'expires_at',
  'revoked_at',
  'revoke_reason',
  'purged_at',
]

const toFile = (row: FileRow): RequestFile => ({
  id: row.id,
  requestId: row.request_id,
  kind: row.kind,
  filename: row.filename,
  contentType: row.content_type,
  sizeBytes: Number(row.size_bytes),
  sha256: row.sha256,
  createdAt: row.created_at,
  publishedAt: row.published_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
  revokeReason: row.revoke_reason,
  purgedAt: row.purged_at,
  availableUntil: row.expires_at ? addDays(londonDate(new Date(row.expires_at)), -1) : null,
})

/** Whether the person can download a file at an instant, and if not, why. */
export type Availability = 'draft' | 'available' | 'expired' | 'revoked'

export function availabilityOf(file: RequestFile, at: Date): Availability {
  if (file.revokedAt) return 'revoked'
  if (!file.publishedAt || !file.expiresAt) return 'draft'
  return at.toISOString() >= file.expiresAt ? 'expired' : 'available'
}

export async function filesOf(db: Knex, requestId: string): Promise<RequestFile[]> {
  const rows = await db('request_files')
    .where({ request_id: requestId })
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .select<FileRow[]>(columns)
  // The answer itself first, then what was attached to it.
  return rows.map(toFile).sort((a, b) => Number(a.kind === 'attachment') - Number(b.kind === 'attachment'))
}

export async function fileOf(db: Knex, requestId: string, fileId: string): Promise<RequestFile | undefined> {
  const row = await db('request_files')
    .where({ request_id: requestId, id: fileId })
    .first<FileRow | undefined>(columns)
  return row && toFile(row)
}

export async function bodyOf(db: Knex, fileId: string): Promise<Buffer | null> {
  const row = await db('request_files')
    .where({ id: fileId })
    .first<{ body: Buffer | null } | undefined>('body')
  return row?.body ? Buffer.from(row.body) : null
}

export async function insertFile(
  trx: Knex,
  file: {
    requestId: string
    kind: FileKind
    filename: string
    contentType: string
    body: Buffer
    createdBy: string
  },
  at: Date,
): Promise<RequestFile> {
  const row = {
    id: newId(),
    request_id: file.requestId,
    kind: file.kind,
    filename: file.filename,
    content_type: file.contentType,
    body: file.body,
    size_bytes: file.body.length,
    sha256: createHash('sha256').update(file.body).digest('hex'),
    created_by: file.createdBy,
    created_at: at.toISOString(),
  }
  await trx('request_files').insert(row)
  return toFile({
    ...row,
    published_at: null,
    expires_at: null,
    revoked_at: null,
    revoke_reason: null,
    purged_at: null,
  })
}

/**
 * Publishing makes a request's draft files downloadable through the 30th London day after today;
 * they stop at the start of the next.
 */
export async function publishFiles(trx: Knex, requestId: string, at: Date): Promise<number> {
  const expires = startOfLondonDay(addDays(downloadExpiresOn(londonDate(at)), 1))
  return trx('request_files')
    .where({ request_id: requestId })
    .whereNull('published_at')
    .whereNull('revoked_at')
    .update({ published_at: at.toISOString(), expires_at: expires.toISOString() })
}

/** A closed request's unsent drafts are not kept: they hold personal data nobody will receive. */
export async function discardDrafts(trx: Knex, requestId: string): Promise<number> {
  return trx('request_files').where({ request_id: requestId }).whereNull('published_at').delete()
}

/**
 * Erasure takes back every download of the record's requests: the links stop working and the
 * copies are removed, with one event for the record.
 */
export async function revokeFilesOfRecord(
  trx: Knex,
  recordId: string,
  reason: 'erasure_request' | 'retention_schedule',
  actor: Actor,
  at: Date,
): Promise<number> {
  return revokeFilesOfRecords(trx, [recordId], reason, actor, at)
}

/** `revokeFilesOfRecord` for many records in one go, as the retention sweep erases them. */
export async function revokeFilesOfRecords(
  trx: Knex,
  recordIds: readonly string[],
  reason: 'erasure_request' | 'retention_schedule',
  actor: Actor,
  at: Date,
): Promise<number> {
  const byRecord = new Map<string, string[]>()
  for (const part of inBatches(recordIds)) {
    const rows: { id: string; record_id: string }[] = await trx('request_files as f')
      .join('rights_requests as r', 'r.id', 'f.request_id')
      .whereIn('r.record_id', part)
      .whereNull('f.revoked_at')
      .orderBy('f.id')
      .select('f.id', 'r.record_id')
    for (const row of rows) {
      const files = byRecord.get(row.record_id)
      if (files) files.push(row.id)
      else byRecord.set(row.record_id, [row.id])
    }
  }
  const ids = [...byRecord.values()].flat()
  if (ids.length === 0) return 0
  for (const chunk of inBatches(ids)) {
    await trx('request_files')
      .whereIn('id', chunk)
      .update({ revoked_at: at.toISOString(), revoke_reason: reason })
    await trx('request_files')
      .whereIn('id', chunk)
      .whereNull('purged_at')
      .update({ body: null, purged_at: at.toISOString() })
  }
  await recordEvents(
    trx,
    [...byRecord].map(([recordId, files]) => ({
      actor,
      subject: { type: 'email_record', id: recordId },
      kind: 'record.downloads_revoked',
      data: { reason, files },
    })),
    at,
  )
  return ids.length
}

/**
 * Removes the contents of files whose download period is over, a batch at a time with an event
 * each; the rows stay as evidence. Safe to run twice at once: a file is claimed by its update.
 */
export async function purgeExpiredFiles(db: Knex, at: Date, batchSize = 500): Promise<number> {
  let purged = 0
  for (;;) {
    const done = await db.transaction(async (trx) => {
      const candidates = (
        await trx('request_files')
          .where('expires_at', '<=', at.toISOString())
          .whereNull('purged_at')
          .orderBy('id')
          .limit(batchSize)
          .select<{ id: string }[]>('id')
      ).map((r) => r.id)
      const claimed: string[] = []
      for (const id of candidates) {
        const updated = await trx('request_files')
          .where({ id })
          .whereNull('purged_at')
          .update({ body: null, purged_at: at.toISOString() })
        if (updated === 1) claimed.push(id)
      }
      if (claimed.length > 0) {
        await recordEvent(
          trx,
          {
            actor: { type: 'system', id: 'maintenance' },
            subject: { type: 'request_files', id: 'expired' },
            kind: 'downloads.expired_removed',
            data: { files: claimed },
          },
          at,
        )
      }
      return { claimed: claimed.length, more: candidates.length === batchSize }
    })
    purged += done.claimed
    if (!done.more) return purged
  }
}
