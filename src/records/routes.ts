import { formatLondonDateTime } from '../domain/clock.js'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import Busboy from 'busboy'
import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { statusInfo } from '../domain/request-status.js'
import { requestTypeInfo } from '../domain/request-types.js'
import { retentionStateAt } from '../domain/retention.js'
import { can } from '../domain/roles.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { retentionPolicyOf, type Study } from '../domain/study.js'
import { BadRequestError, NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { requirePermission } from '../web/staff-auth.js'
import { checkForm, required } from '../web/validate.js'
import { stateLabels } from './labels.js'
import type { ImportReport } from './import.js'
import { holdingRows, recordSummaryRows } from './presenters.js'
import type { EmailRecord } from '../domain/email-record.js'

export const maxImportBytes = 50 * 1024 * 1024

const taskDoneForm = z.object({ note: required('Enter what was done') })

/** Email records: find one by its exact address, see its retention state, import exports. */
export function recordsRoutes(services: Services): Router {
  const router = Router()
  const { records, studies } = services

  function view(record: EmailRecord, study: Study) {
    const retention = retentionStateAt(record.facts, retentionPolicyOf(study), londonDate(services.now()))
    return { ...record, study, retention, state: stateLabels[retention.state] }
  }

  router.get(paths.staff.records.pattern, requirePermission('cases:read'), async (req, res) => {
    const raw = typeof req.query.email === 'string' ? req.query.email.trim() : ''
    const errors: FieldError[] = []
    let found: ReturnType<typeof view>[] | undefined
    if (raw) {
      const email = normaliseEmail(raw)
      if (!isValidEmail(email)) {
        errors.push({
          field: 'email',
          href: '#email',
          text: 'Enter the whole email address, like name@example.com',
        })
      } else {
        const matches = await records.findByHmac(services.emailKey(email))
        const allStudies = await studies.listAll()
        found = matches.map((r) => view(r, allStudies.find((s) => s.id === r.studyId) as Study))
      }
    }
    res.status(errors.length ? 400 : 200).render('records/find', {
      title: 'Email records',
      hasErrors: errors.length > 0,
      errors,
      email: raw,
      found,
      canImport: req.staffUser?.role === 'admin',
      canAct: req.staffUser ? can(req.staffUser.role, 'cases:act') : false,
    })
  })

  router.get(paths.staff.importRecords.pattern, requirePermission('settings:manage'), async (_req, res) => {
    const all = await studies.listAll()
    res.render('records/import', {
      title: 'Import email records',
      backLink: paths.staff.records(),
      studies: await Promise.all(all.map(async (s) => ({ ...s, records: await records.countByStudy(s.id) }))),
      errors: [],
    })
  })

  router.post(paths.staff.importRecords.pattern, requirePermission('settings:manage'), async (req, res) => {
    const study = await studies.findBySlug(typeof req.query.study === 'string' ? req.query.study : '')
    if (!study) throw new NotFoundError()
    if (!req.is('multipart/form-data')) throw new BadRequestError('Expected a file upload')
    const dir = await mkdtemp(path.join(tmpdir(), 'records-import-'))
    try {
      const file = path.join(dir, 'export.csv')
      const received = await receiveFile(req, file)
      if (!received) {
        return renderImportError(res, study, 'Choose a CSV file exported from the survey platform')
      }
      if (received === 'too-large')
        return renderImportError(res, study, 'The file must be smaller than 50 MB')
      let report: ImportReport
      try {
        report = await services.importRecords({
          studyId: study.id,
          open: () => createReadStream(file),
          actor: { type: 'staff', id: req.staffUser?.id ?? null },
        })
      } catch (error) {
        // A problem with the file as a whole belongs on the file field, not in the row report.
        if (error instanceof ValidationError)
          return renderImportError(res, study, error.errors[0]?.text ?? '')
        throw error
      }
      res.status(report.imported ? 200 : 400).render('records/import-report', {
        title: report.imported ? 'Records imported' : 'Nothing was imported',
        hasErrors: !report.imported,
        backLink: paths.staff.importRecords(),
        study,
        report,
      })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  async function renderImportError(res: Response, study: Study, text: string) {
    const all = await studies.listAll()
    res.status(400).render('records/import', {
      title: 'Import email records',
      hasErrors: true,
      backLink: paths.staff.records(),
      studies: await Promise.all(all.map(async (s) => ({ ...s, records: await records.countByStudy(s.id) }))),
      errors: [{ field: `file-${study.slug}`, href: `#file-${study.slug}`, text }],
    })
  }

  router.get(paths.staff.recordTasks.pattern, requirePermission('cases:act'), async (_req, res) => {
    res.render('records/tasks', {
      title: 'Deletion tasks',
      tasks: await records.openTasks(),
      formatLongDate,
      errors: [],
    })
  })

  router.post(paths.staff.completeRecordTask.pattern, requirePermission('cases:act'), async (req, res) => {
    const taskId = String(req.params.taskId)
    const form = checkForm(taskDoneForm, req.body, { note: `note-${taskId}` })
    if (!form.ok) {
      return res.status(400).render('records/tasks', {
        title: 'Deletion tasks',
        hasErrors: true,
        tasks: await records.openTasks(),
        formatLongDate,
        errors: form.errors,
        failedTask: taskId,
      })
    }
    const { note } = form.value
    const done = await services.recordTasks.complete(
      { type: 'staff', id: req.staffUser?.id ?? null },
      taskId,
      note,
    )
    if (!done) throw new NotFoundError()
    req.session.flash = { kind: 'success', text: 'Task ticked off.' }
    res.redirect(303, paths.staff.recordTasks())
  })

  router.get(paths.staff.record.pattern, requirePermission('cases:read'), async (req, res) => {
    const record = await records.findById(String(req.params.id))
    if (!record) throw new NotFoundError()
    const study = await studies.findById(record.studyId)
    if (!study) throw new NotFoundError()
    const linked = (await services.requests.findByEmailHmac(record.emailHmac)).filter(
      (r) => r.studyId === study.id,
    )
    const shown = view(record, study)
    const dataMap = await studies.dataMap(study.id)
    const supplements = (await records.supplementsOf(record.id)).map((s) => ({
      category: dataMap.find((c) => c.key === s.category)?.label ?? s.category,
      statement: s.statement,
      added: formatLondonDateTime(s.addedAt),
      href: paths.staff.case({ id: s.requestId }),
    }))
    res.render('records/record', {
      supplements,
      title: record.email ?? 'Erased record',
      backLink: paths.staff.records(),
      record: shown,
      summaryRows: recordSummaryRows(record, shown.retention, study),
      holdings: holdingRows(shown.retention.holdings),
      requests: linked.map((r) => ({
        ...r,
        info: requestTypeInfo[r.type],
        status: statusInfo[r.status],
        href: paths.staff.case({ id: r.id }),
      })),
    })
  })

  return router
}

/** Streams the uploaded file to disk; never holds it in memory. */
function receiveFile(req: Request, target: string): Promise<'ok' | 'too-large' | undefined> {
  return new Promise((resolve, reject) => {
    let outcome: 'ok' | 'too-large' | undefined
    const writes: Promise<void>[] = []
    let busboy: Busboy.Busboy
    try {
      busboy = Busboy({ headers: req.headers, limits: { files: 1, fileSize: maxImportBytes } })
    } catch {
      // No boundary, or not multipart at all: the form was not sent by the import page.
      reject(new BadRequestError('The upload could not be read'))
      return
    }
    busboy.on('file', (_name, stream, info) => {
      if (!info.filename) {
        stream.resume()
        return
      }
      stream.on('limit', () => {
        outcome = 'too-large'
      })
      writes.push(
        pipeline(stream, createWriteStream(target)).then(
          () => {
            outcome ??= 'ok'
          },
          () => reject(new BadRequestError('The upload could not be read')),
        ),
      )
    })
    busboy.on('close', () => {
      Promise.all(writes).then(() => resolve(outcome), reject)
    })
    busboy.on('error', () => reject(new BadRequestError('The upload could not be read')))
    req.on('aborted', () => reject(new BadRequestError('The upload was cut short')))
    req.pipe(busboy)
  })
}
