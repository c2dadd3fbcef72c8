import Busboy from 'busboy'
import { decodeCursor, encodeCursor, queryText } from '../web/keyset-cursor.js'
import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { PauseKind } from '../domain/case-clock.js'
import type { StaffUser } from '../domain/staff-user.js'
import type { Study } from '../domain/study.js'
import { addCalendarMonths, addDays, formatLongDate, isIsoDate, londonDate } from '../domain/clock.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { dueSoonDays, urgency } from '../domain/queue.js'
import {
  isRequestType,
  namedCategories,
  requestTypeInfo,
  requestTypes,
  restrictionGrounds,
} from '../domain/request-types.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { clockView } from '../domain/case-clock.js'
import { directMarketingObjection, rightForCategory } from '../domain/rights.js'
import { can } from '../domain/roles.js'
import { isOpen } from '../domain/request-status.js'
import { BadRequestError, NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { staffChannels, type StaffChannel } from '../intake/service.js'
import { checkedValues, formChoicesOf, formFields, parseRequestForm } from '../intake/validation.js'
import { formValues } from '../web/form-text.js'
import { answerInputOf } from '../answers/input.js'
import { attachmentTypes, formatsOf, maxAttachmentBytes } from '../answers/service.js'
import { categoryHeld, dataConditionOf, portableValuesNeeded } from '../domain/answer.js'
import { fillPlaceholders } from '../domain/letters.js'
import { completionClosing } from '../domain/completion-letter.js'
import { searchPlaces } from '../domain/access-search.js'
import { liftableFrom } from '../domain/restriction.js'
import { refusalGrounds, refusalGroundsFor } from '../domain/refusals.js'
import { allows, caseClockOf, extendedDeadline, outcomes } from '../domain/request-lifecycle.js'
import { StaleRequestError } from '../requests/change.js'
import { requirePermission } from '../web/staff-auth.js'
import { checkForm, isoDate, parseForm } from '../web/validate.js'
import type { QueueFilters, QueueTab } from './repo.js'
import {
  caseHeadingTags,
  caseOffersOf,
  caseMessageRows,
  caseNoteRows,
  caseSummaryRows,
  partsPanelOf,
  queueRowViews,
  recordActionsOf,
  recordPanelView,
  rightRows,
  taskRowsOf,
} from './presenters.js'
import { staffTimeline } from './timeline.js'
import { requestComplaintRows } from '../complaints/presenters.js'
import { staffFileRows } from '../answers/presenters.js'
import { detailRowsOf } from '../domain/request-details.js'

const pageSize = 50
const tabs: { id: QueueTab; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'closed', label: 'Closed' },
  { id: 'unconfirmed', label: 'Not confirmed' },
]

/** The kind and study of a request logged by staff; with one study taking requests, it is that one. */
function logChoiceForm(accepting: Study[]) {
  return z.object({
    type: z.enum(requestTypes, { error: 'Select the kind of request' }),
    study: z
      .unknown()
      .optional()
      .transform((slug, ctx) => {
        const study = accepting.length === 1 ? accepting[0] : accepting.find((s) => s.slug === slug)
        if (study) return study
        ctx.addIssue({ code: 'custom', message: 'Select the study' })
        return z.NEVER
      }),
  })
}

const staffChannelKeys = Object.keys(staffChannels) as StaffChannel[]

/** How a request logged by staff arrived, and how the person's identity is to be established. */
function loggedArrivalForm(today: string) {
  return z
    .object({
      channel: z.enum(staffChannelKeys, { error: 'Select how the request arrived' }),
      receivedOn: isoDate('Enter the date it was received, like 2026-03-31').refine((on) => on <= today, {
        error: 'The date received must be today or in the past',
      }),
      identity: z.enum(['send_link', 'established'], { error: 'Select how to establish who the person is' }),
      identityNote: z
        .unknown()
        .optional()
        .transform((note) => (typeof note === 'string' ? note.trim() : '')),
    })
    .refine((form) => form.identity !== 'established' || form.identityNote !== '', {
      path: ['identityNote'],
      error: 'Enter how identity was established',
      // Checked even when another field has a problem, so the page lists them all at once.
      when: () => true,
    })
}

const askForm = z.object({
  kind: z.enum(['clarification', 'identity', 'fee'] as const satisfies readonly PauseKind[], {
    error: 'Select what you are asking for',
  }),
})
const arrivalForm = z.object({ arrivedOn: isoDate('Enter the date it arrived, like 2026-03-31') })
const closeForm = z.object({
  as: z.enum(['duplicate', 'withdrawn'], { error: 'Select why you are closing the request' }),
})

/** The DPO's queue of requests and the case page. */
export function casesRoutes(services: Services): Router {
  const router = Router()
  const { cases, studies, caseHandling: handling } = services
  const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>
  const field = (req: Request, name: string): string => {
    const value = body(req)[name]
    return typeof value === 'string' ? value : ''
  }

  router.get(paths.staff.queue.pattern, requirePermission('cases:read'), async (req, res) => {
    const today = londonDate(services.now())
    const errors: FieldError[] = []
    const tab = tabs.find((t) => t.id === queryText(req, 'tab'))?.id ?? 'open'
    const values = {
      type: queryText(req, 'type'),
      study: queryText(req, 'study'),
      assignee: queryText(req, 'assignee'),
      due: queryText(req, 'due'),
      from: queryText(req, 'from'),
      to: queryText(req, 'to'),
      q: queryText(req, 'q'),
    }
    const filters: Omit<QueueFilters, 'tab'> = {}
    if (isRequestType(values.type)) filters.type = values.type
    const allStudies = await studies.listAll()
    const study = allStudies.find((s) => s.slug === values.study)
    if (study) filters.studyId = study.id
    if (values.assignee === 'mine') filters.assignee = req.staffUser!.id
    else if (values.assignee === 'unassigned') filters.assignee = 'unassigned'
    if (values.due === 'soon') filters.dueOnOrBefore = addDays(today, dueSoonDays)
    if (values.due === 'overdue') filters.dueBefore = today
    for (const [field, label] of [
      ['from', 'Received from'],
      ['to', 'Received to'],
    ] as const) {
      if (values[field] && !isIsoDate(values[field])) {
        errors.push({ field, href: `#${field}`, text: `${label} must be a real date, like 2026-03-31` })
      }
    }
    if (values.from && isIsoDate(values.from)) filters.receivedFrom = values.from
    if (values.to && isIsoDate(values.to)) filters.receivedTo = values.to
    if (values.q) {
      if (/^DSR-\d{4}-\d{1,7}$/i.test(values.q)) filters.reference = values.q.toUpperCase()
      else if (isValidEmail(normaliseEmail(values.q)))
        filters.emailHmac = services.emailKey(normaliseEmail(values.q))
      else
        errors.push({
          field: 'q',
          href: '#q',
          text: 'Enter a reference like DSR-2026-00042, or a whole email address',
        })
    }
    const after = queryText(req, 'after') ? decodeCursor(queryText(req, 'after')) : undefined
    const [page, counts] = errors.length
      ? [
          { rows: [], next: undefined },
          { open: 0, closed: 0, unconfirmed: 0 },
        ]
      : await Promise.all([cases.page({ ...filters, tab }, after, pageSize), cases.countsByTab(filters)])

    const filterQuery = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== ''))
    const tabLink = (id: QueueTab) =>
      `${paths.staff.queue()}?${new URLSearchParams({ ...Object.fromEntries(filterQuery), tab: id }).toString()}`
    res.status(errors.length ? 400 : 200).render('cases/queue', {
      title: 'Requests',
      hasErrors: errors.length > 0,
      errors,
      values,
      tab,
      tabs: tabs.map((t) => ({ ...t, count: counts[t.id], href: tabLink(t.id), current: t.id === tab })),
      rows: queueRowViews(page.rows, { tab, today, hrefOf: (id) => paths.staff.case({ id }) }),
      nextHref: page.next ? `${tabLink(tab)}&after=${encodeCursor(page.next)}` : undefined,
      firstHref: after ? tabLink(tab) : undefined,
      typeItems: requestTypes.map((t) => ({ value: t, text: requestTypeInfo[t].name })),
      studies: allStudies,
      canLog: can(req.staffUser!.role, 'cases:act'),
      canBulk: tab === 'open' && can(req.staffUser!.role, 'cases:act'),
      assignees: (await services.accounts.list()).filter((u) => !u.disabledAt && u.role !== 'auditor'),
      returnTo: req.originalUrl,
    })
  })

  router.post(paths.staff.bulk.pattern, requirePermission('cases:act'), async (req, res) => {
    const raw = body(req).ids
    const ids = (Array.isArray(raw) ? raw : [raw]).filter((v): v is string => typeof v === 'string')
    const action = field(req, 'action')
    const back = field(req, 'returnTo').startsWith(`${paths.staff.queue()}?`)
      ? field(req, 'returnTo')
      : paths.staff.queue()
    if (ids.length === 0 || (action !== 'assign' && action !== 'duplicate')) {
      req.session.flash = {
        kind: 'error',
        text: 'Select at least one request, then choose what to do with them.',
      }
      return res.redirect(303, back)
    }
    try {
      const result = await handling.bulk(
        req.staffUser as StaffUser,
        ids,
        action === 'assign'
          ? { action, assigneeId: field(req, 'bulkAssignee') || null }
          : { action, reference: field(req, 'bulkDuplicateOf') },
      )
      const skipped = [
        result.skipped ? `${result.skipped} skipped because they are closed` : '',
        result.notDuplicates
          ? `${result.notDuplicates} not closed because they are not the same person’s request of the same type`
          : '',
      ].filter(Boolean)
      req.session.flash = {
        kind: result.done === 0 && result.notDuplicates > 0 ? 'error' : 'success',
        text: `${result.done} ${result.done === 1 ? 'request' : 'requests'} updated${skipped.length ? `; ${skipped.join('; ')}` : ''}.`,
      }
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      req.session.flash = { kind: 'error', text: error.errors.map((e) => e.text).join('. ') }
    }
    res.redirect(303, back)
  })

  async function choicesFor(studyId: string) {
    const dataMap = await studies.dataMap(studyId)
    return formChoicesOf(dataMap)
  }

  router.get(paths.staff.logRequest.pattern, requirePermission('cases:act'), async (_req, res) => {
    res.render('cases/log-choose', {
      title: 'Log a request received outside the portal',
      backLink: paths.staff.queue(),
      errors: [],
      values: {},
      studies: await studies.listAccepting(),
      typeItems: requestTypes.map((t) => ({
        value: t,
        text: `${requestTypeInfo[t].name} (${requestTypeInfo[t].article})`,
      })),
    })
  })

  router.post(paths.staff.logRequest.pattern, requirePermission('cases:act'), async (req, res) => {
    const accepting = await studies.listAccepting()
    const form = checkForm(logChoiceForm(accepting), body(req))
    if (!form.ok) {
      return res.status(400).render('cases/log-choose', {
        title: 'Log a request received outside the portal',
        hasErrors: true,
        backLink: paths.staff.queue(),
        errors: form.errors,
        values: formValues(body(req), ['type', 'study']),
        studies: accepting,
        typeItems: requestTypes.map((t) => ({
          value: t,
          text: `${requestTypeInfo[t].name} (${requestTypeInfo[t].article})`,
        })),
      })
    }
    res.redirect(303, paths.staff.logRequestForm(form.value.type, form.value.study.slug))
  })

  async function renderLogForm(
    req: Request,
    res: Response,
    status: number,
    errors: FieldError[],
    values: Record<string, string | string[]>,
  ) {
    const type = String(req.params.type).replace(/-/g, '_')
    if (!isRequestType(type)) throw new NotFoundError()
    const study = await studies.findBySlug(queryText(req, 'study'))
    if (!study) throw new NotFoundError()
    const choices = await choicesFor(study.id)
    res.status(status).render('cases/log-request', {
      title: `Log a ${requestTypeInfo[type].name.toLowerCase()} request`,
      hasErrors: errors.length > 0,
      backLink: paths.staff.logRequest(),
      type,
      info: requestTypeInfo[type],
      study,
      errors,
      errorFor: (name: string) => errors.find((e) => e.field === name)?.text,
      values,
      today: londonDate(services.now()),
      channels: staffChannels,
      restrictionItems: Object.entries(restrictionGrounds).map(([value, g]) => ({
        value,
        text: g.label,
        hint: g.hint,
      })),
      objectionItems: choices.objection.map((c) => ({ value: c.value, text: c.label, hint: c.hint })),
      consentItems: choices.consent.map((c) => ({ value: c.value, text: c.label, hint: c.hint })),
      categoryItems: choices.categories.map((c) => ({ value: c.value, text: c.label })),
      action: paths.staff.logRequestForm(type, study.slug),
    })
  }

  router.get(paths.staff.logRequestForm.pattern, requirePermission('cases:act'), (req, res) =>
    renderLogForm(req, res, 200, [], {}),
  )

  router.post(paths.staff.logRequestForm.pattern, requirePermission('cases:act'), async (req, res) => {
    const type = String(req.params.type).replace(/-/g, '_')
    const study = await studies.findBySlug(queryText(req, 'study'))
    if (!isRequestType(type) || !study) throw new NotFoundError()
    const values = formValues(body(req), [
      ...formFields[type],
      'channel',
      'receivedOn',
      'identity',
      'identityNote',
    ])
    const parsed = parseRequestForm(type, body(req), await choicesFor(study.id))
    const arrival = checkForm(loggedArrivalForm(londonDate(services.now())), body(req))
    if (!parsed.ok || !arrival.ok) {
      const errors = [...(parsed.ok ? [] : parsed.errors), ...(arrival.ok ? [] : arrival.errors)]
      return renderLogForm(req, res, 400, errors, {
        ...values,
        categories: checkedValues(body(req), 'categories'),
        askRecipients: checkedValues(body(req), 'askRecipients'),
      })
    }
    const { identity, identityNote } = arrival.value
    const { requestId } = await services.intake.logFromStaff(req.staffUser as StaffUser, {
      study,
      type,
      ...parsed.form,
      ...arrival.value,
      identityNote: identityNote || null,
    })
    req.session.flash = {
      kind: 'success',
      text:
        identity === 'send_link'
          ? 'Request logged. We emailed the person a link to confirm it.'
          : 'Request logged and its clock started.',
    }
    res.redirect(303, paths.staff.case({ id: requestId }))
  })

  router.post(paths.staff.caseAction.verify.pattern, requirePermission('cases:act'), async (req, res) => {
    try {
      await services.intake.verifyByStaff(
        req.staffUser as StaffUser,
        String(req.params.id),
        field(req, 'identityNote'),
      )
      req.session.flash = { kind: 'success', text: 'Identity recorded. The clock starts today.' }
      res.redirect(303, paths.staff.case({ id: String(req.params.id) }))
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      await renderCase(req, res, 400, {
        name: 'verify',
        errors: error.errors,
        values: formValues(body(req), ['identityNote']),
      })
    }
  })

  async function renderCase(
    req: Request,
    res: Response,
    status: number,
    form: { name?: string; errors?: FieldError[]; values?: Record<string, string>; stale?: boolean } = {},
  ) {
    const { request, study } = await handling.load(String(req.params.id))
    const dataMap = await studies.dataMap(study.id)
    const today = londonDate(services.now())
    const clock = caseClockOf(request)
    const view = clock ? clockView(clock, today) : undefined
    const due = request.extendedDueOn ?? request.dueOn
    const [messages, notes, tasks, events, staffList] = await Promise.all([
      handling.messages(request.id),
      handling.notes(request.id),
      handling.tasks(request.id),
      services.caseHandling.events(request.id),
      services.accounts.list(),
    ])
    const staffNames = new Map(staffList.map((u) => [u.id, u.displayName]))
    const record = request.recordId ? await services.records.findById(request.recordId) : undefined
    const answerFiles =
      request.type === 'access' || request.type === 'portability'
        ? await services.answers.files(request.id)
        : []
    const attachmentNames = answerFiles.filter((f) => f.kind === 'attachment').map((f) => f.filename)
    const answerInput = answerInputOf(request, study, dataMap, record, today, attachmentNames)
    const recordNow = answerInput.record?.view
    const rights = dataMap.map((category) => {
      const condition = dataConditionOf(categoryHeld(category, answerInput.record))
      const outcome =
        request.type === 'objection' &&
        request.details?.type === 'objection' &&
        request.details.processing === 'direct_marketing'
          ? directMarketingObjection()
          : rightForCategory(request.type, category.lawfulBasis, condition)
      return { category, outcome }
    })
    const completion = request.clockStartOn ? await handling.completion(request, study) : undefined
    const context = {
      ...handling.letterContext(request, study, due),
      details: completion?.details ?? '',
    }
    const at = services.now()
    const canAct = req.staffUser ? can(req.staffUser.role, 'cases:act') : false
    const open = isOpen(request.status)
    const downloadCounts =
      answerFiles.length > 0 ? await services.answers.downloadCounts(request.id) : new Map<string, number>()
    const answerPanel =
      (request.type === 'access' || request.type === 'portability') && request.clockStartOn
        ? {
            files: staffFileRows(answerFiles, {
              at,
              downloads: downloadCounts,
              formatsOf,
              hrefOf: (f, format) => paths.staff.caseFile({ id: request.id, fileId: f.id, format }),
              canRemove: canAct && isOpen(request.status),
            }),
            prepared: answerFiles.some((f) => f.kind !== 'attachment'),
            valuesNeeded:
              request.type === 'portability'
                ? portableValuesNeeded(answerInput.dataMap, answerInput.record)
                : [],
            answersLinked: recordNow?.answersLinked ?? false,
            recordErased: recordNow?.state === 'erased',
            attachmentTypes: Object.keys(attachmentTypes).join(', '),
            maxAttachmentMb: maxAttachmentBytes / 1024 / 1024,
          }
        : undefined
    const wording = await services.templates.forCase(request.type)
    const drafts = Object.fromEntries(
      Object.entries(wording).map(([kind, text]) => [
        kind,
        fillPlaceholders(
          text,
          kind === 'extension' && clock
            ? {
                ...context,
                dueOn: extendedDeadline(clock, today),
              }
            : context,
        ),
      ]),
    )
    // Several forms on the page share field names, so their ids carry the form's name.
    const prefixed = new Set(['body', 'letter', 'note', 'reasons', 'reason'])
    const errors = (form.errors ?? []).map((e) =>
      form.name && prefixed.has(e.field)
        ? { ...e, href: `#${form.name}-${e.field === 'reason' ? 'letter' : e.field}` }
        : e,
    )
    const assigneeName = request.assigneeId ? (staffNames.get(request.assigneeId) ?? 'Unknown') : null
    const channelLabel =
      request.channel === 'web'
        ? 'This portal'
        : (staffChannels[request.channel as StaffChannel] ?? request.channel)
    res.status(status).render('cases/case', {
      title: request.reference ?? 'Unconfirmed request',
      hasErrors: errors.length > 0,
      backLink: paths.staff.queue(),
      request,
      study,
      info: requestTypeInfo[request.type],
      heading: caseHeadingTags(
        request,
        due && open && view?.phase === 'running' ? urgency(due, today) : undefined,
      ),
      summaryRows: caseSummaryRows({
        request,
        clockView: view,
        open,
        channelLabel,
        assigneeName,
        detailRows: detailRowsOf(request.details, dataMap),
      }),
      open,
      canAct,
      clockView: view,
      formatLongDate,
      timeline: staffTimeline(
        events,
        staffNames,
        new Map(tasks.map((t) => [t.id, t.title])),
        new Map(dataMap.map((c) => [c.key, c.label])),
      ),
      recordPanel: request.clockStartOn
        ? {
            view: recordPanelView(request.recordSnapshot, recordNow),
            actions: recordActionsOf({
              request,
              open,
              canAct,
              now: recordNow,
              consentWithdrawnOn: record?.consentWithdrawnOn ?? null,
              objectionDecision: record?.objection?.decision ?? null,
            }),
            restrictionItems: Object.entries(restrictionGrounds).map(([value, g]) => ({
              value,
              text: `${g.label} (${g.article})`,
            })),
            defaultGround: request.details?.type === 'restriction' ? request.details.ground : '',
            defaultReview: addCalendarMonths(today, 3),
            noticeDays: services.config.restrictionNoticeDays,
            liftableIfToday: formatLongDate(liftableFrom(today, services.config.restrictionNoticeDays)),
            liftNotice: record?.restrictionLiftNoticeOn
              ? {
                  on: formatLongDate(record.restrictionLiftNoticeOn),
                  from: formatLongDate(
                    liftableFrom(record.restrictionLiftNoticeOn, services.config.restrictionNoticeDays),
                  ),
                }
              : null,
            recordHref: record ? paths.staff.record({ id: record.id }) : undefined,
            rights: rightRows(rights),
          }
        : undefined,
      messages: caseMessageRows(messages, staffNames),
      notes: caseNoteRows(notes),
      tasks: taskRowsOf(tasks),
      openTasks: tasks.filter((t) => !t.doneAt).length,
      answerPanel,
      assignees: staffList.filter((u) => !u.disabledAt && (u.role === 'admin' || u.role === 'dpo')),
      stale: form.stale ?? false,
      formName: form.name ?? '',
      errors,
      errorFor: (field: string) => errors.find((e) => e.field === field)?.text,
      values: form.values ?? {},
      drafts,
      refusalItems: refusalGroundsFor(request.type).map((g) => ({ value: g, text: refusalGrounds[g] })),
      outcomes,
      searchPanel:
        request.type === 'access' && request.clockStartOn
          ? {
              rows: (await handling.searches(request.id)).map((s) => ({
                place: s.place,
                on: formatLongDate(s.searchedOn),
                by: staffNames.get(s.searchedBy) ?? 'Unknown',
                found: s.found,
                limit: s.limit,
              })),
              places: searchPlaces(dataMap),
            }
          : undefined,
      partsPanel: completion
        ? partsPanelOf(request.type, completion.parts, {
            closing: completionClosing(completion.parts, context),
            canDecide: canAct && open,
            statement: request.details?.type === 'rectification' ? (request.details.statement ?? null) : null,
            namedData: namedCategories(request.details),
          })
        : undefined,
      today,
      canReopen: allows('reopen', request),
      complaints: requestComplaintRows(await services.complaintHandling.aboutRequest(request.id), (id) =>
        paths.staff.complaint({ id }),
      ),
      offers: caseOffersOf(request, today),
    })
  }

  router.get(paths.staff.case.pattern, requirePermission('cases:read'), (req, res) =>
    renderCase(req, res, 200),
  )

  const version = (req: Request): number => {
    const value = Number(field(req, 'version'))
    if (!Number.isInteger(value) || value < 1) throw new BadRequestError('Missing version')
    return value
  }

  /**
   * Each action: run it, then back to the case (303); a bad form or a stale case re-renders it, with
   * that form open. The form is named by the action's last URL segment ('extend', 'prepare-answer').
   */
  function action(
    route: { pattern: `/staff/requests/:id/${string}` },
    fields: string[],
    run: (req: Request) => Promise<void>,
    done: string,
  ) {
    const name = route.pattern.slice(route.pattern.lastIndexOf('/') + 1)
    router.post(route.pattern, requirePermission('cases:act'), async (req, res) => {
      try {
        await run(req)
        req.session.flash = { kind: 'success', text: done }
        res.redirect(303, paths.staff.case({ id: String(req.params.id) }))
      } catch (error) {
        const values = formValues(body(req), fields)
        if (error instanceof ValidationError)
          return renderCase(req, res, 400, { name, errors: error.errors, values })
        if (error instanceof StaleRequestError)
          return renderCase(req, res, 409, { name, stale: true, values })
        throw error
      }
    })
  }

  const user = (req: Request) => req.staffUser as StaffUser
  const id = (req: Request) => String(req.params.id)

  action(
    paths.staff.caseAction.assign,
    ['assignee'],
    (req) => handling.assign(user(req), id(req), version(req), field(req, 'assignee') || null),
    'Assignment saved.',
  )
  action(
    paths.staff.caseAction.ask,
    ['kind', 'body'],
    (req) => {
      const { kind } = parseForm(askForm, body(req))
      return handling.ask(user(req), id(req), version(req), kind, field(req, 'body'))
    },
    'Sent. The clock is adjusted.',
  )
  action(
    paths.staff.caseAction.arrival,
    ['arrivedOn', 'note'],
    (req) => {
      const { arrivedOn } = parseForm(arrivalForm, body(req))
      return handling.recordArrival(user(req), id(req), version(req), arrivedOn, field(req, 'note'))
    },
    'Recorded. The time limit starts again from that day.',
  )
  action(
    paths.staff.caseAction.extend,
    ['letter'],
    (req) => handling.extend(user(req), id(req), version(req), field(req, 'letter')),
    'Extended, and the person has been told why.',
  )
  action(
    paths.staff.caseAction.message,
    ['body'],
    (req) => handling.message(user(req), id(req), version(req), field(req, 'body')),
    'Message sent.',
  )
  action(
    paths.staff.caseAction.refuse,
    ['ground', 'letter'],
    (req) => handling.refuse(user(req), id(req), version(req), field(req, 'ground'), field(req, 'letter')),
    'Refusal sent. The request is closed.',
  )
  action(
    paths.staff.caseAction.complete,
    ['letter'],
    (req) => handling.complete(user(req), id(req), version(req), field(req, 'letter')),
    'Answer sent. The request is completed.',
  )
  action(
    paths.staff.caseAction.decidePart,
    ['part', 'ground', 'reasoning'],
    (req) =>
      handling.decidePart(user(req), id(req), version(req), {
        part: field(req, 'part'),
        ground: field(req, 'ground'),
        reasoning: field(req, 'reasoning'),
      }),
    'Decision recorded. The answer will say what was kept back, on what ground and why.',
  )
  action(
    paths.staff.caseAction.decideRectification,
    ['category', 'decision', 'reasoning'],
    (req) =>
      handling.decideRectification(user(req), id(req), version(req), {
        category: field(req, 'category'),
        decision: field(req, 'decision'),
        reasoning: field(req, 'reasoning'),
      }),
    'Decision recorded.',
  )
  action(
    paths.staff.caseAction.logSearch,
    ['place', 'searchedOn', 'found', 'limit'],
    (req) =>
      handling.logSearch(user(req), id(req), version(req), {
        place: field(req, 'place'),
        searchedOn: field(req, 'searchedOn'),
        found: field(req, 'found'),
        limit: field(req, 'limit'),
      }),
    'Search logged. Prepare the answer again so that it includes it.',
  )
  action(
    paths.staff.caseAction.withdrawDecision,
    ['part'],
    (req) => handling.withdrawDecision(user(req), id(req), version(req), field(req, 'part')),
    'Decision withdrawn. That part of the request now needs doing.',
  )
  action(
    paths.staff.caseAction.close,
    ['as', 'note', 'duplicateOf'],
    (req) => {
      const { as } = parseForm(closeForm, body(req))
      return handling.close(
        user(req),
        id(req),
        version(req),
        as,
        field(req, 'note'),
        field(req, 'duplicateOf'),
      )
    },
    'Request closed.',
  )
  action(
    paths.staff.caseAction.reopen,
    ['reopenReason'],
    (req) => handling.reopen(user(req), id(req), version(req), field(req, 'reopenReason')),
    'Request reopened, and the person has been sent a letter saying so.',
  )
  action(
    paths.staff.caseAction.eraseRecord,
    [],
    (req) => handling.eraseRecordNow(user(req), id(req), version(req)),
    'The address is erased. Tick off the deletion tasks for the copies outside the portal.',
  )
  action(
    paths.staff.caseAction.restrictRecord,
    ['restrictionGround', 'reviewOn'],
    (req) =>
      handling.restrictRecord(
        user(req),
        id(req),
        version(req),
        field(req, 'restrictionGround'),
        field(req, 'reviewOn'),
      ),
    'The record is restricted: nothing will be deleted or used except for storage.',
  )
  action(
    paths.staff.caseAction.noticeRestrictionLift,
    ['lift-letter'],
    (req) => handling.noticeRestrictionLift(user(req), id(req), version(req), field(req, 'lift-letter')),
    'The person has been told. The restriction can be lifted once the notice period has passed.',
  )
  action(
    paths.staff.caseAction.liftRestriction,
    ['lift-agreed', 'lift-agreed-how'],
    (req) =>
      handling.liftRestriction(user(req), id(req), version(req), {
        personAgreed: field(req, 'lift-agreed') === 'yes',
        agreedHow: field(req, 'lift-agreed-how'),
      }),
    'The restriction is lifted.',
  )
  action(
    paths.staff.caseAction.rectifyAddress,
    ['correctedEmail'],
    (req) => handling.rectifyAddress(user(req), id(req), version(req), field(req, 'correctedEmail')),
    'The address is corrected. Tick off the task for the survey platform.',
  )
  action(
    paths.staff.caseAction.withdrawConsent,
    [],
    (req) => handling.withdrawConsent(user(req), id(req), version(req)),
    'Recorded: the consent-based data is excluded from further processing.',
  )
  action(
    paths.staff.caseAction.decideObjection,
    ['objectionDecision', 'objectionGrounds'],
    (req) =>
      handling.decideObjection(
        user(req),
        id(req),
        version(req),
        field(req, 'objectionDecision'),
        field(req, 'objectionGrounds'),
      ),
    'The decision on the objection is recorded.',
  )
  action(
    paths.staff.caseAction.prepareAnswer,
    [],
    (req) => {
      const values: Record<string, string> = {}
      for (const [name, value] of Object.entries(body(req))) {
        if (name.startsWith('value-') && typeof value === 'string')
          values[name.slice('value-'.length)] = value
      }
      return services.answers.prepare(user(req), id(req), version(req), values)
    },
    'The answer is prepared. Check it, then send it with the answer letter.',
  )
  router.post(paths.staff.caseAction.attach.pattern, requirePermission('cases:act'), async (req, res) => {
    if (!req.is('multipart/form-data')) throw new BadRequestError('Expected a file upload')
    try {
      const upload = await receiveAttachment(req)
      if (upload === 'too-large') {
        throw new ValidationError([
          {
            field: 'attachment',
            href: '#attachment',
            text: `The file must be smaller than ${maxAttachmentBytes / 1024 / 1024} MB`,
          },
        ])
      }
      await services.answers.attach(user(req), id(req), upload)
      req.session.flash = { kind: 'success', text: 'File attached to the answer.' }
      res.redirect(303, paths.staff.case({ id: id(req) }))
    } catch (error) {
      if (error instanceof ValidationError)
        return renderCase(req, res, 400, { name: 'attach', errors: error.errors, values: {} })
      throw error
    }
  })
  router.post(
    paths.staff.caseAction.removeAttachment.pattern,
    requirePermission('cases:act'),
    async (req, res) => {
      await services.answers.removeAttachment(user(req), id(req), String(req.params.fileId))
      req.session.flash = { kind: 'success', text: 'File removed from the answer.' }
      res.redirect(303, paths.staff.case({ id: id(req) }))
    },
  )
  action(
    paths.staff.caseAction.addNote,
    ['note'],
    (req) => handling.addNote(user(req), id(req), field(req, 'note')),
    'Note added.',
  )
  action(
    paths.staff.caseAction.addTask,
    ['title'],
    (req) => handling.addTask(user(req), id(req), field(req, 'title')),
    'Task added.',
  )
  router.post(
    paths.staff.caseAction.completeTask.pattern,
    requirePermission('cases:act'),
    async (req, res) => {
      try {
        await handling.completeTask(user(req), id(req), String(req.params.taskId), {
          resolution: field(req, 'resolution'),
          note: field(req, 'taskNote'),
        })
        req.session.flash = { kind: 'success', text: 'Task done.' }
        res.redirect(303, paths.staff.case({ id: id(req) }))
      } catch (error) {
        if (error instanceof ValidationError) {
          const taskId = String(req.params.taskId)
          const errors = error.errors.map((e) => ({ ...e, href: `#${e.field}-${taskId}` }))
          return renderCase(req, res, 400, {
            name: `task-${taskId}`,
            errors,
            values: formValues(body(req), ['resolution', 'taskNote']),
          })
        }
        throw error
      }
    },
  )

  return router
}

/**
 * Reads one uploaded attachment into memory, refusing anything over the size limit. A malformed
 * or cut-off upload is a bad request, never a crash; the rest of an oversized body is not read.
 */
function receiveAttachment(
  req: Request,
): Promise<{ filename: string; body: Buffer } | 'too-large' | undefined> {
  return new Promise((resolve, reject) => {
    let busboy: Busboy.Busboy
    try {
      busboy = Busboy({
        headers: req.headers,
        limits: { files: 1, fileSize: maxAttachmentBytes, parts: 5, fields: 4, fieldSize: 1024 },
      })
    } catch {
      reject(new BadRequestError('The upload could not be read'))
      return
    }
    let result: { filename: string; body: Buffer } | 'too-large' | undefined
    let settled = false
    const fail = () => {
      if (settled) return
      settled = true
      req.unpipe(busboy)
      req.resume()
      reject(new BadRequestError('The upload could not be read'))
    }
    busboy.on('file', (_name, stream, info) => {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('error', fail)
      stream.on('limit', () => {
        result = 'too-large'
        chunks.length = 0
        stream.resume()
      })
      stream.on('end', () => {
        if (result !== 'too-large' && info.filename) {
          result = { filename: info.filename, body: Buffer.concat(chunks) }
        }
      })
    })
    busboy.on('error', fail)
    busboy.on('close', () => {
      if (settled) return
      settled = true
      resolve(result)
    })
    req.on('aborted', fail)
    req.pipe(busboy)
  })
}
