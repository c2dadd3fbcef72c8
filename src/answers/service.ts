import type { Knex } from 'knex'
import { stringify } from 'csv-stringify/sync'
import type { StaffUser } from '../domain/staff-user.js'
import { recordEvent, type Actor } from '../audit/events.js'
import type { caseService } from '../cases/service.js'
import {
  buildAccessAnswer,
  buildPortabilityAnswer,
  categoryHeld,
  portabilityRows,
  portableValuesNeeded,
  type AccessAnswer,
  type PortabilityAnswer,
} from '../domain/answer.js'
import { londonDate } from '../domain/clock.js'
import { isOpen } from '../domain/request-status.js'
import { loadAnswerInput } from './input.js'
import { neutraliseFormula } from '../reports/request-log.js'
import type { RequestsRepo } from '../requests/repo.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import {
  availabilityOf,
  bodyOf,
  fileOf,
  filesOf,
  insertFile,
  type Availability,
  type RequestFile,
} from './files.js'

export const maxAttachmentBytes = 10 * 1024 * 1024
export const maxAttachments = 10
const maxValueLength = 2000

/** File types a DPO may attach; anything else is refused rather than passed on to the person. */
export const attachmentTypes: Record<string, string> = {
  pdf: 'application/pdf',
  csv: 'text/csv',
  json: 'application/json',
  txt: 'text/plain',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  zip: 'application/zip',
}

/** The ways each kind of file can be downloaded. */
export const formatsOf: Record<RequestFile['kind'], readonly string[]> = {
  access_answer: ['html', 'json'],
  portability_data: ['json', 'csv'],
  attachment: ['file'],
}

export interface Download {
  filename: string
  contentType: string
  /** The stored body, or for an access answer the answer itself, for the route to render as HTML. */
  body: Buffer | null
  accessAnswer?: AccessAnswer
}

type CaseService = ReturnType<typeof caseService>

export interface AnswersDeps {
  db: Knex
  requests: RequestsRepo
  caseHandling: CaseService
  now: () => Date
}

/** A safe name for a downloaded file: letters, digits, dots, dashes and underscores. */
export function safeFilename(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '')
  return cleaned.slice(-120) || 'file'
}

function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot + 1).toLowerCase()
}

/** Access and portability answers: prepared on the case, published when the answer is sent. */
export function answersService(deps: AnswersDeps) {
  const { db, caseHandling } = deps

  const staff = (user: StaffUser): Actor => ({ type: 'staff', id: user.id })

  return {
    files: (requestId: string) => filesOf(db, requestId),

    /**
     * Builds the answer from the record as it is now and keeps it as a draft on the case,
     * replacing an earlier draft. The event keeps the evidence it was built from.
     */
    async prepare(
      actor: StaffUser,
      requestId: string,
      version: number,
      values: Record<string, string>,
    ): Promise<void> {
      await caseHandling.recordAction(actor, requestId, version, async ({ trx, request, study, at }) => {
        if (request.type !== 'access' && request.type !== 'portability') {
          throw new ConflictError('Only access and portability requests have an answer to prepare')
        }
        if (!request.clockStartOn) throw new ConflictError('The request has not been confirmed')
        const today = londonDate(at)
        const existing = await filesOf(trx, request.id)
        const attachments = existing.filter((f) => f.kind === 'attachment').map((f) => f.filename)
        const input = await loadAnswerInput(trx, request, study, today, attachments)
        let answer: AccessAnswer | PortabilityAnswer
        if (request.type === 'access') {
          answer = buildAccessAnswer(input)
        } else {
          const needed = portableValuesNeeded(input.dataMap, input.record)
          const errors = needed
            .filter((c) => (values[c.key] ?? '').length > maxValueLength)
            .map((c) => ({
              field: `value-${c.key}`,
              href: `#value-${c.key}`,
              text: `${c.label} must be ${maxValueLength} characters or fewer`,
            }))
          if (errors.length > 0) throw new ValidationError(errors)
          answer = buildPortabilityAnswer(
            input,
            Object.fromEntries(needed.map((c) => [c.key, values[c.key] ?? ''])),
          )
        }
        const kind = request.type === 'access' ? 'access_answer' : 'portability_data'
        await trx('request_files').where({ request_id: request.id, kind }).whereNull('published_at').delete()
        const reference = safeFilename(request.reference ?? request.id)
        const file = await insertFile(
          trx,
          {
            requestId: request.id,
            kind,
            filename: `${request.type === 'access' ? 'your-data' : 'your-portable-data'}-${reference}`,
            contentType: 'application/json',
            body: Buffer.from(JSON.stringify(answer, null, 2), 'utf8'),
            createdBy: actor.id,
          },
          at,
        )
        return {
          event: {
            kind: 'case.answer_prepared',
            data: {
              fileId: file.id,
              sha256: file.sha256,
              evidence: {
                recordId: request.recordId,
                state: input.record?.view.state ?? 'no_record',
                rule: input.record?.view.rule ?? null,
                answersLinked: input.record?.view.answersLinked ?? false,
                categories: input.dataMap.map((c) => ({ key: c.key, held: categoryHeld(c, input.record) })),
                attachments: attachments.length,
              },
            },
          },
        }
      })
    },

    /** A file the DPO attaches to the answer, such as the person's answers exported from the platform. */
    async attach(
      actor: StaffUser,
      requestId: string,
      upload: { filename: string; body: Buffer } | undefined,
    ): Promise<void> {
      const fail = (text: string): never => {
        throw new ValidationError([{ field: 'attachment', href: '#attachment', text }])
      }
      if (!upload || upload.body.length === 0) return fail('Choose a file to attach')
      const filename = safeFilename(upload.filename)
      const contentType = attachmentTypes[extensionOf(filename)]
      if (!contentType) {
        return fail(`The file must be one of: ${Object.keys(attachmentTypes).join(', ')}`)
      }
      const at = deps.now()
      await db.transaction(async (trx) => {
        // Locked like every case action, so a file never lands on a request being closed.
        const request = await deps.requests.findByIdForUpdate(trx, requestId)
        if (!request) throw new NotFoundError()
        if (request.type !== 'access' && request.type !== 'portability') {
          throw new ConflictError('Only access and portability answers take attachments')
        }
        if (!isOpen(request.status)) throw new ConflictError('This request is closed')
        const current = await filesOf(trx, request.id)
        if (current.filter((f) => f.kind === 'attachment').length >= maxAttachments) {
          fail(`You can attach up to ${maxAttachments} files`)
        }
        const file = await insertFile(
          trx,
          {
            requestId: request.id,
            kind: 'attachment',
            filename,
            contentType,
            body: upload.body,
            createdBy: actor.id,
          },
          at,
        )
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: request.id },
            kind: 'case.file_attached',
            data: { fileId: file.id, sha256: file.sha256, sizeBytes: file.sizeBytes, contentType },
          },
          at,
        )
      })
    },

    async removeAttachment(actor: StaffUser, requestId: string, fileId: string): Promise<void> {
      const at = deps.now()
      await db.transaction(async (trx) => {
        const request = await deps.requests.findByIdForUpdate(trx, requestId)
        if (!request) throw new NotFoundError()
        const file = await fileOf(trx, requestId, fileId)
        if (!file || file.kind !== 'attachment') throw new NotFoundError()
        const deleted = await trx('request_files').where({ id: file.id }).whereNull('published_at').delete()
        if (deleted !== 1) throw new ConflictError('The file has already been sent to the person')
        await recordEvent(
          trx,
          {
            actor: staff(actor),
            subject: { type: 'request', id: requestId },
            kind: 'case.file_removed',
            data: { fileId: file.id, sha256: file.sha256 },
          },
          at,
        )
      })
    },

    /**
     * A download. The person may fetch only published files that have not expired or been
     * revoked, checked now; staff may also see drafts. Every download is an event.
     */
    async download(
      requestId: string,
      fileId: string,
      format: string,
      who: Actor,
      options: { record?: boolean } = {},
    ): Promise<{ availability: Availability; file?: RequestFile; download?: Download }> {
      const file = await fileOf(db, requestId, fileId)
      if (!file || !formatsOf[file.kind].includes(format)) throw new NotFoundError()
      const at = deps.now()
      const availability = availabilityOf(file, at)
      const allowed = availability === 'available' || (who.type === 'staff' && availability === 'draft')
      if (!allowed) return { availability, file }
      const body = await bodyOf(db, file.id)
      if (!body) return { availability: 'expired', file }
      // A HEAD request (a mail client's link checker, say) is not a download.
      if (options.record !== false)
        await db.transaction(async (trx) => {
          await recordEvent(
            trx,
            {
              actor: who,
              subject: { type: 'request', id: requestId },
              kind: who.type === 'participant' ? 'download.fetched' : 'case.file_viewed',
              data: { fileId: file.id, kind: file.kind, format, sha256: file.sha256 },
            },
            at,
          )
        })
      let download: Download
      if (file.kind === 'attachment') {
        download = { filename: file.filename, contentType: file.contentType, body }
      } else if (format === 'json') {
        download = { filename: `${file.filename}.json`, contentType: 'application/json; charset=utf-8', body }
      } else if (format === 'csv') {
        const answer = JSON.parse(body.toString('utf8')) as PortabilityAnswer
        download = {
          filename: `${file.filename}.csv`,
          contentType: 'text/csv; charset=utf-8',
          body: Buffer.from(
            stringify(
              portabilityRows(answer).map((row) => row.map(neutraliseFormula)),
              { record_delimiter: 'windows' },
            ),
            'utf8',
          ),
        }
      } else {
        download = {
          filename: `${file.filename}.html`,
          contentType: 'text/html; charset=utf-8',
          body: null,
          accessAnswer: JSON.parse(body.toString('utf8')) as AccessAnswer,
        }
      }
      return { availability, file, download }
    },

    /** How many times the person downloaded each file. */
    async downloadCounts(requestId: string): Promise<Map<string, number>> {
      const rows = await db('events')
        .where({ subject_type: 'request', subject_id: requestId, kind: 'download.fetched' })
        .select<{ data: string }[]>('data')
      const counts = new Map<string, number>()
      for (const row of rows) {
        const { fileId } = JSON.parse(row.data) as { fileId: string }
        counts.set(fileId, (counts.get(fileId) ?? 0) + 1)
      }
      return counts
    },
  }
}

export type AnswersService = ReturnType<typeof answersService>
