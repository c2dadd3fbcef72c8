import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { StaffUser } from '../domain/staff-user.js'
import { outcomes } from '../domain/request-lifecycle.js'
import { formatLongDate } from '../domain/clock.js'
import { parseDateRange } from '../domain/date-parts.js'
import { statusInfo } from '../domain/request-status.js'
import { requestTypeInfo, requestTypes } from '../domain/request-types.js'
import { can } from '../domain/roles.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { ValidationError, type FieldError } from '../errors.js'
import { requirePermission } from '../web/staff-auth.js'
import { checkForm } from '../web/validate.js'
import { horizontalBarChart, verticalBarChart } from './charts.js'
import { percentage } from './dashboard.js'
import {
  exportFormats,
  loggedStatuses,
  parseLogFilters,
  type ReceivedRange,
  type ExportFormat,
  type FilterValues,
} from './request-log.js'
import { reasonMaxLength, type RequestLogExport } from './service.js'
import { complaintOutcomes, complaintSubjects, type ComplaintSubject } from '../domain/complaint.js'
import { parseComplaintLogFilters, type ComplaintFilterValues } from './complaint-log.js'

/** Everything an outcome filter can match: the completion outcomes, and refused. */
const outcomeLabels: Record<string, string> = { ...outcomes, refused: 'Refused' }

const exportFormatForm = z.object({ format: z.enum(exportFormats, { error: 'Select CSV or NDJSON' }) })

interface ExportForm {
  values: FilterValues & { format: string; identities: string; reason: string }
  errors: FieldError[]
}

/** The auditor's pages: the dashboard and the request log export. Read-only but for the audit trail. */
export function reportsRoutes(services: Services): Router {
  const router = Router()
  const { reports, studies } = services
  const input = (req: Request): Record<string, unknown> =>
    req.method === 'POST' ? ((req.body ?? {}) as Record<string, unknown>) : req.query

  router.get(paths.staff.dashboard.pattern, requirePermission('audit:read'), async (req, res) => {
    // Dates as the GOV.UK date input gives them: a box each for the day, month and year.
    const dates = parseDateRange(input(req))
    const { errors } = dates
    const range: ReceivedRange = { receivedFrom: dates.range.from, receivedTo: dates.range.to }
    const figures = errors.length ? undefined : await reports.dashboard(range)
    res.status(errors.length ? 400 : 200).render('reports/dashboard', {
      title: 'Dashboard',
      hasErrors: errors.length > 0,
      errors,
      errorFor: (field: string) => errors.find((e) => e.field === field)?.text,
      values: dates.values,
      errorItems: dates.errorItems,
      range,
      figures,
      formatLongDate,
      percentage,
      charts: figures && {
        byType: horizontalBarChart(figures.byType.map((t) => ({ label: t.label, value: t.count }))),
        byMonth: verticalBarChart(
          figures.byMonth.map((m) => ({ label: m.short, sublabel: m.year, value: m.count })),
        ),
        refusals: horizontalBarChart(
          figures.refusals.map((r) => ({ label: shortGround(r.label), value: r.count })),
          { labelWidth: 300 },
        ),
        open: horizontalBarChart(figures.open.map((b) => ({ label: b.label, value: b.count }))),
        complaintsByMonth: verticalBarChart(
          figures.complaints.byMonth.map((m) => ({ label: m.short, sublabel: m.year, value: m.count })),
        ),
        complaintsBySubject: horizontalBarChart(
          figures.complaints.bySubject.map((c) => ({ label: shortSubject[c.subject], value: c.count })),
          { labelWidth: 260 },
        ),
        complaintsByOutcome: horizontalBarChart(
          figures.complaints.byOutcome.map((c) => ({ label: c.label, value: c.count })),
        ),
      },
    })
  })

  async function renderExports(
    req: Request,
    res: Response,
    status: number,
    form: ExportForm,
    complaintForm: ComplaintExportForm = { values: blankComplaintForm(), errors: [] },
  ) {
    const user = req.staffUser as StaffUser
    res.status(status).render('reports/exports', {
      title: 'Exports',
      hasErrors: form.errors.length + complaintForm.errors.length > 0,
      errors: [...form.errors, ...complaintForm.errors],
      errorFor: (field: string) => form.errors.find((e) => e.field === field)?.text,
      values: form.values,
      complaintValues: complaintForm.values,
      complaintErrorFor: (field: string) => complaintForm.errors.find((e) => e.field === field)?.text,
      complaintSubjectItems: Object.entries(complaintSubjects).map(([value, s]) => ({
        value,
        text: s.label,
      })),
      complaintOutcomeItems: Object.entries(complaintOutcomes).map(([value, text]) => ({ value, text })),
      canIncludeIdentities: can(user.role, 'cases:act'),
      reasonMaxLength,
      studies: await studies.listAll(),
      typeItems: requestTypes.map((t) => ({ value: t, text: requestTypeInfo[t].name })),
      outcomeItems: Object.entries(outcomeLabels).map(([value, text]) => ({ value, text })),
      statusItems: loggedStatuses.map((s) => ({ value: s, text: statusInfo[s].label })),
    })
  }

  const blankForm = (): ExportForm['values'] => ({
    from: '',
    to: '',
    type: '',
    study: '',
    outcome: '',
    status: '',
    format: 'csv',
    identities: '',
    reason: '',
  })

  router.get(paths.staff.exports.pattern, requirePermission('audit:read'), (req, res) =>
    renderExports(req, res, 200, { values: blankForm(), errors: [] }),
  )

  /** Checks the form; on a problem re-renders it (400) with what was typed and changes nothing. */
  async function parseExportForm(req: Request, res: Response, fixedFormat?: ExportFormat) {
    const body = input(req)
    const all = await studies.listAll()
    const { filters, values, errors } = parseLogFilters(body, {
      studies: all.map((s) => s.slug),
      outcomes: Object.keys(outcomeLabels),
    })
    // A download whose URL names the format needs no choice of it.
    const chosen = checkForm(exportFormatForm, fixedFormat ? { format: fixedFormat } : body)
    if (!chosen.ok) errors.push(...chosen.errors)
    const form: ExportForm = {
      values: {
        ...values,
        format: fixedFormat ?? (typeof body.format === 'string' ? body.format : ''),
        identities: body.identities === 'yes' ? 'yes' : '',
        reason: typeof body.reason === 'string' ? body.reason : '',
      },
      errors,
    }
    if (errors.length > 0 || !chosen.ok) {
      await renderExports(req, res, 400, form)
      return undefined
    }
    return { filters, format: chosen.value.format, form }
  }

  async function send(req: Request, res: Response, job: RequestLogExport) {
    res.setHeader('Content-Type', job.contentType)
    res.setHeader('Content-Disposition', `attachment; filename="${job.filename}"`)
    res.setHeader('Cache-Control', 'no-store')
    try {
      await job.writeTo(res)
    } catch (error) {
      // The pipeline has already cut the download short, so it cannot pass for a whole log.
      if ((error as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') {
        services.log.info({ reqId: req.id }, 'request log export abandoned by the client')
      } else {
        services.log.error({ reqId: req.id, err: error }, 'request log export failed')
      }
      res.destroy()
    }
  }

  /**
   * One log's routes: its downloads by GET for anyone who may read the audit (the form's format, or
   * the one the URL names), and by POST for those who act on cases, which may add identities with a
   * stated reason (recorded in the audit trail); a refused reason re-renders the exports page.
   */
  function logRoutes<Filters, Form extends { values: { identities: string; reason: string } }>(log: {
    paths: { page: string; csv: string; ndjson: string }
    parse: (
      req: Request,
      res: Response,
      fixedFormat?: ExportFormat,
    ) => Promise<{ filters: Filters; format: ExportFormat; form: Form } | undefined>
    run: (
      actor: StaffUser,
      request: { format: ExportFormat; filters: Filters; identities?: { reason: string } },
    ) => Promise<RequestLogExport>
    refused: (req: Request, res: Response, form: Form, errors: FieldError[]) => Promise<void>
  }) {
    const downloads: [string, ExportFormat | undefined][] = [
      [log.paths.page, undefined],
      [log.paths.csv, 'csv'],
      [log.paths.ndjson, 'ndjson'],
    ]
    for (const [path, fixedFormat] of downloads) {
      router.get(path, requirePermission('audit:read'), async (req, res) => {
        const parsed = await log.parse(req, res, fixedFormat)
        if (!parsed) return
        // A HEAD request sends no rows, so it exports nothing and records nothing.
        if (req.method === 'HEAD') return res.setHeader('Cache-Control', 'no-store').end()
        await send(
          req,
          res,
          await log.run(req.staffUser as StaffUser, { format: parsed.format, filters: parsed.filters }),
        )
      })
    }

    router.post(log.paths.page, requirePermission('cases:act'), async (req, res) => {
      const parsed = await log.parse(req, res)
      if (!parsed) return
      const { filters, format, form } = parsed
      let job: RequestLogExport
      try {
        job = await log.run(req.staffUser as StaffUser, {
          format,
          filters,
          ...(form.values.identities === 'yes' ? { identities: { reason: form.values.reason } } : {}),
        })
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        return log.refused(req, res, form, error.errors)
      }
      await send(req, res, job)
    })
  }

  logRoutes({
    paths: {
      page: paths.staff.requestLog.pattern,
      csv: paths.staff.requestLogFile.csv.pattern,
      ndjson: paths.staff.requestLogFile.ndjson.pattern,
    },
    parse: parseExportForm,
    run: (actor, request) => reports.exportRequestLog(actor, request),
    refused: (req, res, form, errors) => renderExports(req, res, 400, { ...form, errors }),
  })

  /** Checks the complaints log form; on a problem re-renders the page (400) with what was typed. */
  async function parseComplaintExportForm(req: Request, res: Response, fixedFormat?: ExportFormat) {
    const body = input(req)
    const all = await studies.listAll()
    const { filters, values, errors } = parseComplaintLogFilters(
      body,
      { studies: all.map((s) => s.slug) },
      complaintFieldPrefix,
    )
    const chosen = checkForm(exportFormatForm, fixedFormat ? { format: fixedFormat } : body, {
      format: `${complaintFieldPrefix}format`,
    })
    if (!chosen.ok) errors.push(...chosen.errors)
    const form: ComplaintExportForm = {
      values: {
        ...values,
        format: fixedFormat ?? (typeof body.format === 'string' ? body.format : ''),
        identities: body.identities === 'yes' ? 'yes' : '',
        reason: typeof body.reason === 'string' ? body.reason : '',
      },
      errors,
    }
    if (errors.length > 0 || !chosen.ok) {
      await renderExports(req, res, 400, { values: blankForm(), errors: [] }, form)
      return undefined
    }
    return { filters, format: chosen.value.format, form }
  }

  logRoutes({
    paths: {
      page: paths.staff.complaintLog.pattern,
      csv: paths.staff.complaintLogFile.csv.pattern,
      ndjson: paths.staff.complaintLogFile.ndjson.pattern,
    },
    parse: parseComplaintExportForm,
    run: (actor, request) => reports.exportComplaintLog(actor, request),
    refused: (req, res, form, errors) =>
      renderExports(
        req,
        res,
        400,
        { values: blankForm(), errors: [] },
        { ...form, errors: errors.map((e) => ({ ...e, href: `#${complaintFieldPrefix}${e.field}` })) },
      ),
  })

  return router
}

/** The complaints log's form shares the exports page: its fields' ids start with this. */
const complaintFieldPrefix = 'complaint-'

interface ComplaintExportForm {
  values: ComplaintFilterValues & { format: string; identities: string; reason: string }
  errors: FieldError[]
}

const blankComplaintForm = (): ComplaintExportForm['values'] => ({
  from: '',
  to: '',
  study: '',
  subject: '',
  outcome: '',
  format: 'csv',
  identities: '',
  reason: '',
})

/** Each subject in a few words, to fit beside a bar; the table keeps the whole label. */
const shortSubject: Record<ComplaintSubject, string> = {
  request_handling: 'Handling of a request',
  data_use: 'How the study uses data',
  breach: 'Data lost, shared or seen',
  other: 'Something else',
}

/** A refusal ground without its citation, to fit beside a bar; the table keeps the whole label. */
function shortGround(label: string): string {
  return label.replace(/\s*\(.*\)$/, '')
}
