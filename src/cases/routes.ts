import Busboy from 'busboy'
import { queryText } from '../web/keyset-cursor.js'
import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import type { PauseKind } from '../domain/case-clock.js'
import type { StaffUser } from '../domain/staff-user.js'
import type { Study } from '../domain/study.js'
import { addCalendarMonths, formatLongDate, londonDate } from '../domain/clock.js'
import { urgency } from '../domain/queue.js'
import {
  isRequestType,
  namedCategories,
  requestTypeInfo,
  requestTypes,
  restrictionGrounds,
  type RequestType,
} from '../domain/request-types.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { clockView } from '../domain/case-clock.js'
import { directMarketingObjection, rightForCategory } from '../domain/rights.js'
import { can } from '../domain/roles.js'
import { isOpen } from '../domain/request-status.js'
import { BadRequestError, NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { staffChannels, type StaffChannel } from '../intake/service.js'
import {
  checkedValues,
  formChoicesOf,
  formFields,
  inFieldOrder,
  parseLoggedRequestForm,
  parsePostalAddress,
  postalAddressFields,
} from '../intake/validation.js'
import { logRequestTitle, staffChoiceHint, staffRestrictionLabels } from '../domain/staff-copy.js'
import { postalPanelOf, printableLetterOf } from './postal.js'
import { formValues } from '../web/form-text.js'
import { answerInputOf } from '../answers/input.js'
import { attachmentTypes, formatsOf, maxAttachmentBytes } from '../answers/service.js'
import { categoryHeld, dataConditionOf, portableValuesNeeded } from '../domain/answer.js'
import { fillPlaceholders } from '../domain/letters.js'
import { completionClosing } from '../domain/completion-letter.js'
import { searchPlaces } from '../domain/access-search.js'
import { liftableFrom } from '../domain/restriction.js'
import {
  groundMismatch,
  isRefusalGroundFor,
  refusalGrounds,
  refusalGroundsFor,
  unfinishedReminder,
  type RefusalGround,
} from '../domain/refusals.js'
import { allows, caseClockOf, extendedDeadline, outcomes } from '../domain/request-lifecycle.js'
import { StaleRequestError } from '../requests/change.js'
import { requirePermission } from '../web/staff-auth.js'
import { checkForm, isoDate, parseForm } from '../web/validate.js'
import { queueRoutes } from './queue-routes.js'
import {
  caseHeadingTags,
  caseDeadlineText,
  caseOffersOf,
  caseMessageRows,
  caseSections,
  caseNoteRows,
  caseSummaryRows,
  partsPanelOf,
  recordActionsOf,
  recordPanelView,
  rightRows,
  taskRowsOf,
} from './presenters.js'
import { staffTimeline } from './timeline.js'
import { requestComplaintRows } from '../complaints/presenters.js'
import { changedSincePrepared, staffFileRows } from '../answers/presenters.js'
import { nextStepOf } from '../domain/next-step.js'
import type { RightsRequest } from '../domain/rights-request.js'
import type { CompletionView } from './completion.js'
import { detailRowsOf } from '../domain/request-details.js'

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

/** A confirmation page before an action that closes a case or cannot be undone. */
interface ConfirmPage {
  reference: string
  question: string
  consequences: string[]
  irreversible: boolean
  confirmText: string
}

/** The DPO's queue of requests and the case page. */
export function casesRoutes(services: Services): Router {
  const router = Router()
  const { studies, caseHandling: handling } = services
  const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>
  const field = (req: Request, name: string): string => {
    const value = body(req)[name]
    return typeof value === 'string' ? value : ''
  }

  router.use(queueRoutes(services))

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
    const staffItems = (list: { value: string; label: string; hint?: string }[]) =>
      list.map((c) => ({ value: c.value, text: c.label, hint: staffChoiceHint(c.hint) }))
    res.status(status).render('cases/log-request', {
      title: logRequestTitle(type),
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
      // The request fields speak to staff about the requester, not to the requester.
      voice: 'staff',
      restrictionItems: Object.entries(restrictionGrounds).map(([value, g]) => ({
        value,
        text: staffRestrictionLabels[value as keyof typeof restrictionGrounds],
        hint: g.hint,
      })),
      objectionItems: staffItems(choices.objection),
      consentItems: staffItems(choices.consent),
      categoryItems: choices.categories.map((c) => ({ value: c.value, text: c.label })),
      action: paths.staff.logRequestForm(type, study.slug),
    })
  }

  /** The staff log form's fields, in the order the page shows them: its errors are listed so. */
  const logFormFields = (type: RequestType) => [
    'channel',
    'receivedOn',
    ...formFields[type].filter((f) => f !== 'email' && f !== 'name'),
    'name',
    'email',
    ...postalAddressFields,
    'identity',
    'identityNote',
  ]

  router.get(paths.staff.logRequestForm.pattern, requirePermission('cases:act'), (req, res) =>
    renderLogForm(req, res, 200, [], {}),
  )

  router.post(paths.staff.logRequestForm.pattern, requirePermission('cases:act'), async (req, res) => {
    const type = String(req.params.type).replace(/-/g, '_')
    const study = await studies.findBySlug(queryText(req, 'study'))
    if (!isRequestType(type) || !study) throw new NotFoundError()
    const fields = logFormFields(type)
    const values = formValues(body(req), fields)
    // A request that came by email has an address to answer; one by post or phone may give a
    // postal address instead.
    const byEmail = field(req, 'channel') === 'email'
    const parsed = parseLoggedRequestForm(type, body(req), await choicesFor(study.id), {
      emailOptional: !byEmail,
    })
    const arrival = checkForm(loggedArrivalForm(londonDate(services.now())), body(req))
    const contactErrors: FieldError[] = []
    const postalAddress = parsePostalAddress(body(req), contactErrors)
    const hasEmail = field(req, 'email').trim() !== ''
    if (!byEmail && !hasEmail && postalAddress === null) {
      contactErrors.push({
        field: 'email',
        href: '#email',
        text: 'Enter their email address or their postal address, so that we can reply',
      })
    }
    if (!hasEmail && field(req, 'identity') === 'send_link') {
      contactErrors.push({
        field: 'identity',
        href: '#identity',
        text: 'Without an email address no confirmation link can be sent: select that identity is already established',
      })
    }
    if (!parsed.ok || !arrival.ok || contactErrors.length > 0 || postalAddress === undefined) {
      const errors = inFieldOrder(
        [...(parsed.ok ? [] : parsed.errors), ...(arrival.ok ? [] : arrival.errors), ...contactErrors],
        fields,
      )
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
      postalAddress,
      ...arrival.value,
      identityNote: identityNote || null,
    })
    req.session.flash = {
      kind: 'success',
      text:
        identity === 'send_link'
          ? 'Request logged. We emailed the person a link to confirm it.'
          : parsed.form.email
            ? 'Request logged and its clock started.'
            : 'Request logged and its clock started. There is no email address: print the acknowledgement below and post it.',
    }
    res.redirect(303, paths.staff.case({ id: requestId }))
  })

  /** A letter to a person with no email address, laid out to print and post. */
  router.get(paths.staff.caseLetter.pattern, requirePermission('cases:act'), async (req, res) => {
    const { request, study } = await handling.load(String(req.params.id))
    const message = (await handling.messages(request.id)).find(
      (m) => m.id === String(req.params.messageId) && m.direction === 'to_person',
    )
    if (!message) throw new NotFoundError()
    res.render('cases/letter-print', {
      title: `Letter to post: ${message.subject ?? request.reference ?? 'request'}`,
      backLink: paths.staff.case({ id: request.id }),
      letter: printableLetterOf({
        request,
        message,
        senderName: study.controllerName,
        senderAddress: services.config.organisation.postalAddress ?? [],
        dpoEmail: study.dpoEmail,
      }),
    })
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
            changed: changedSincePrepared(events),
            hasAttachment: attachmentNames.length > 0,
          }
        : undefined
    const searches =
      request.type === 'access' && request.clockStartOn ? await handling.searches(request.id) : null
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
    const { parts, nextStep } = casePlan({
      request,
      completion,
      context,
      canAct,
      open,
      answerPanel,
      searches,
      openTasks: tasks.filter((t) => !t.doneAt).length,
    })
    res.status(status).render('cases/case', {
      title: request.reference ?? 'Unconfirmed request',
      wide: true,
      hasErrors: errors.length > 0,
      backLink: paths.staff.queue(),
      request,
      study,
      info: requestTypeInfo[request.type],
      // A request with no email address: its letters, to print and post (views/cases/_postal.ejs).
      postal: postalPanelOf(request, messages, (messageId) =>
        paths.staff.caseLetter({ id: request.id, messageId }),
      ),
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
        detailRows: detailRowsOf(request.details, dataMap, 'staff'),
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
              text: `${staffRestrictionLabels[value as keyof typeof restrictionGrounds]} (${g.article})`,
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
              rows: (searches ?? []).map((s) => ({
                place: s.place,
                on: formatLongDate(s.searchedOn),
                by: staffNames.get(s.searchedBy) ?? 'Unknown',
                found: s.found,
                limit: s.limit,
              })),
              places: searchPlaces(dataMap),
            }
          : undefined,
      today,
      canReopen: allows('reopen', request),
      complaints: requestComplaintRows(await services.complaintHandling.aboutRequest(request.id), (id) =>
        paths.staff.complaint({ id }),
      ),
      offers: caseOffersOf(request, today),
      partsPanel: parts,
      nextStep,
      deadlineText: caseDeadlineText({ request, clockView: view, open, today }),
      assigneeName,
      sections: caseSections({
        answer: Boolean(answerPanel),
        parts: Boolean(parts),
        record: Boolean(request.clockStartOn),
        searches: searches !== null,
      }),
    })
  }

  /** The parts panel, the next step and the sections of the case page, from what renderCase read. */
  function casePlan(input: {
    request: RightsRequest
    completion: CompletionView | undefined
    context: ReturnType<typeof handling.letterContext> & { details: string }
    canAct: boolean
    open: boolean
    answerPanel:
      | {
          prepared: boolean
          changed: ReturnType<typeof changedSincePrepared>
          hasAttachment: boolean
          answersLinked: boolean
          recordErased: boolean
        }
      | undefined
    searches: unknown[] | null
    openTasks: number
  }) {
    const { request, completion, context } = input
    const parts = completion
      ? partsPanelOf(request.type, completion.parts, {
          closing: completionClosing(completion.parts, context),
          canDecide: input.canAct && input.open,
          statement: request.details?.type === 'rectification' ? (request.details.statement ?? null) : null,
          namedData: namedCategories(request.details),
          noEmail: !request.email,
        })
      : undefined
    const answer = input.answerPanel
    const nextStep = nextStepOf({
      type: request.type,
      status: request.status,
      loggedByStaff: request.channel !== 'web',
      answer: answer
        ? {
            prepared: answer.prepared,
            changedSincePrepared: answer.prepared ? answer.changed : null,
            exportNeeded: request.type === 'access' && answer.answersLinked && !answer.hasAttachment,
            recordErased: answer.recordErased,
          }
        : null,
      searchesLogged: input.searches ? input.searches.length : null,
      openTasks: input.openTasks,
      partsProblem: parts && 'problem' in parts.outcome ? parts.outcome.problem : null,
    })
    return { parts, nextStep }
  }

  router.get(paths.staff.case.pattern, requirePermission('cases:read'), async (req, res) => {
    // Opened by someone who can act on it, the person's replies count as read.
    await services.notifications.repliesRead(req.staffUser as StaffUser, String(req.params.id))
    await renderCase(req, res, 200)
  })

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
    /** The success message; for an action that writes to the person, what to say when it is posted instead. */
    done: string | { emailed: string; posted: string },
    /** For an action that cannot be undone: the page that asks first; it acts only once confirmed. */
    confirmation?: (req: Request) => Promise<ConfirmPage>,
  ) {
    const name = route.pattern.slice(route.pattern.lastIndexOf('/') + 1)
    router.post(route.pattern, requirePermission('cases:act'), async (req, res) => {
      try {
        if (confirmation && field(req, 'confirm') !== 'yes') {
          const page = await confirmation(req)
          return res.render('cases/confirm-action', {
            title: page.question,
            backLink: paths.staff.case({ id: id(req) }),
            cancelHref: paths.staff.case({ id: id(req) }),
            action: route.pattern.replace(':id', encodeURIComponent(id(req))),
            version: version(req),
            fields: formValues(body(req), fields),
            ...page,
          })
        }
        await run(req)
        const text =
          typeof done === 'string'
            ? done
            : (await handling.load(id(req))).request.email
              ? done.emailed
              : done.posted
        req.session.flash = { kind: 'success', text }
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

  /** Every problem with the refusal form at once, in page order: the ground, then the letter. */
  function refusalFormProblems(type: RequestType, ground: string, letter: string): FieldError[] {
    const problems: FieldError[] = []
    if (!isRefusalGroundFor(type, ground)) {
      problems.push({
        field: 'ground',
        href: '#ground',
        text: Object.hasOwn(refusalGrounds, ground)
          ? groundMismatch(type, ground as RefusalGround)
          : 'Select the reason for refusing',
      })
    }
    const reminder = unfinishedReminder(letter)
    if (!letter.trim()) {
      problems.push({ field: 'letter', href: '#refuse-letter', text: 'Enter the reasons for the refusal' })
    } else if (reminder) {
      problems.push({
        field: 'letter',
        href: '#refuse-letter',
        text: `Replace ${reminder} with the reasons for the refusal`,
      })
    }
    return problems
  }
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
    {
      emailed: 'Sent. The clock is adjusted.',
      posted: 'The clock is adjusted. The letter is ready to print and post, under Letters to post.',
    },
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
    {
      emailed: 'Extended, and the person has been told why.',
      posted:
        'Extended. The letter telling the person why is ready to print and post, under Letters to post.',
    },
  )
  action(
    paths.staff.caseAction.message,
    ['body'],
    (req) => handling.message(user(req), id(req), version(req), field(req, 'body')),
    { emailed: 'Message sent.', posted: 'The letter is ready to print and post, under Letters to post.' },
  )
  action(
    paths.staff.caseAction.refuse,
    ['ground', 'letter'],
    async (req) => {
      const { request } = await handling.load(id(req))
      const problems = refusalFormProblems(request.type, field(req, 'ground'), field(req, 'letter'))
      if (problems.length) throw new ValidationError(problems)
      await handling.refuse(user(req), id(req), version(req), field(req, 'ground'), field(req, 'letter'))
    },
    {
      emailed: 'Refusal sent. The request is closed.',
      posted: 'The request is closed. The refusal is ready to print and post, under Letters to post.',
    },
  )
  action(
    paths.staff.caseAction.complete,
    ['letter'],
    (req) => handling.complete(user(req), id(req), version(req), field(req, 'letter')),
    {
      emailed: 'Answer sent. The request is completed.',
      posted: 'The request is completed. The answer is ready to print and post, under Letters to post.',
    },
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
    async (req) => {
      const { as } = parseForm(closeForm, body(req))
      const problems: FieldError[] = []
      if (as === 'duplicate' && !field(req, 'duplicateOf').trim())
        problems.push({
          field: 'duplicateOf',
          href: '#duplicateOf',
          text: 'Enter the reference of the request this duplicates',
        })
      if (as === 'withdrawn' && !field(req, 'note').trim())
        problems.push({
          field: 'note',
          href: '#close-note',
          text: 'Enter how the person withdrew the request',
        })
      if (problems.length) throw new ValidationError(problems)
      if (as === 'duplicate') await handling.checkDuplicateClose(id(req), field(req, 'duplicateOf'))
      const { request } = await handling.load(id(req))
      const reference = request.reference ?? 'this request'
      return {
        reference,
        question:
          as === 'duplicate'
            ? `Close ${reference} as a duplicate of ${field(req, 'duplicateOf').trim()}?`
            : `Close ${reference} as withdrawn?`,
        consequences: [
          'The request is closed and its time limit stops.',
          as === 'duplicate'
            ? 'The person is sent a letter saying it repeats their other request, which we answer instead: by email, or kept on the case to print and post.'
            : 'Nothing is sent to the person: they withdrew it outside the portal.',
          'Any answer prepared and not sent is discarded.',
          'It can be reopened later if it was closed by mistake.',
        ],
        irreversible: false,
        confirmText: 'Yes, close the request',
      }
    },
  )
  action(
    paths.staff.caseAction.reopen,
    ['reopenReason'],
    (req) => handling.reopen(user(req), id(req), version(req), field(req, 'reopenReason')),
    {
      emailed: 'Request reopened, and the person has been sent a letter saying so.',
      posted: 'Request reopened. The letter saying so is ready to print and post, under Letters to post.',
    },
  )
  action(
    paths.staff.caseAction.eraseRecord,
    [],
    (req) => handling.eraseRecordNow(user(req), id(req), version(req)),
    'The address is erased. Tick off the deletion tasks for the copies outside the portal.',
    async (req) => {
      const { request } = await handling.load(id(req))
      const reference = request.reference ?? 'this request'
      return {
        reference,
        question: `Erase the email address of ${reference}?`,
        consequences: [
          'The address is removed from the portal for good: a tombstone keeps only its HMAC, the date and the reason.',
          'The files of the answer are deleted.',
          'The copies on the survey platform and in mailboxes become tasks on this case, for you to tick off.',
          'Anything not kept back can no longer be linked to the person, and counts as erased.',
        ],
        irreversible: true,
        confirmText: 'Yes, erase the address',
      }
    },
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
