import { Router, type Request, type Response } from 'express'
import { decodeCursor, encodeCursor, queryText } from '../web/keyset-cursor.js'
import { londonDate, isIsoDate } from '../domain/clock.js'
import {
  complaintChannels,
  complaintOutcomes,
  complaintSubjects,
  icoParagraph,
  isComplaintChannel,
  isComplaintSubject,
  type ComplaintChannel,
  type ComplaintSubject,
} from '../domain/complaint.js'
import { complaintOffers, receivedOnProblem } from '../domain/complaint-handling.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { can } from '../domain/roles.js'
import type { StaffUser } from '../domain/staff-user.js'
import { BadRequestError, ValidationError, type FieldError } from '../errors.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { formValues, readText } from '../web/form-text.js'
import { requirePermission } from '../web/staff-auth.js'
import { StaleComplaintError, type LetterSent } from './handling.js'
import {
  complaintClockText,
  complaintMessageRows,
  complaintNoteRows,
  complaintQueueRows,
  complaintStatusTag,
  complaintSummaryRows,
  complaintTimeline,
} from './presenters.js'
import {
  complaintQueue,
  isComplaintQueueTab,
  type ComplaintQueueFilters,
  type ComplaintQueueTab,
} from './queue.js'
import { complaintLimits } from './validation.js'

const pageSize = 50

const tabs: { id: ComplaintQueueTab; label: string }[] = [
  { id: 'acknowledgement', label: 'Acknowledgement due' },
  { id: 'open', label: 'Open' },
  { id: 'closed', label: 'Closed' },
]

/** The channels staff log a complaint from: everything but the online form. */
const loggedChannels = Object.keys(complaintChannels).filter((c) => c !== 'portal') as Exclude<
  ComplaintChannel,
  'portal'
>[]

/** The log form's fields, in page order. */
const logFields = [
  'channel',
  'receivedOn',
  'subject',
  'whatHappened',
  'desiredOutcome',
  'study',
  'requestReference',
  'email',
  'name',
]

/** The staff side of complaints: the queue, logging one received outside the portal, its page. */
export function complaintStaffRoutes(services: Services): Router {
  const router = Router()
  const { studies, complaintHandling: handling } = services
  const queue = complaintQueue(services.db)
  const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>
  const field = (req: Request, name: string): string => {
    const value = body(req)[name]
    return typeof value === 'string' ? value : ''
  }
  const subjectItems = Object.entries(complaintSubjects).map(([value, s]) => ({ value, text: s.label }))

  router.get(paths.staff.complaints.pattern, requirePermission('cases:read'), async (req, res) => {
    const today = londonDate(services.now())
    const errors: FieldError[] = []
    const requestedTab = queryText(req, 'tab')
    const tab: ComplaintQueueTab = isComplaintQueueTab(requestedTab) ? requestedTab : 'acknowledgement'
    const values = {
      subject: queryText(req, 'subject'),
      study: queryText(req, 'study'),
      q: queryText(req, 'q'),
    }
    const filters: ComplaintQueueFilters = {}
    if (isComplaintSubject(values.subject)) filters.subject = values.subject
    const allStudies = await studies.listAll()
    const study = allStudies.find((s) => s.slug === values.study)
    if (study) filters.studyId = study.id
    if (values.q) {
      if (/^CMP-\d{4}-\d{1,7}$/i.test(values.q)) filters.reference = values.q.toUpperCase()
      else if (/^DSR-\d{4}-\d{1,7}$/i.test(values.q)) {
        const request = await services.requests.findByReference(values.q)
        // No such request: nothing matches, as for a complaint reference that does not exist.
        filters.requestId = request?.id ?? 'none'
      } else
        errors.push({
          field: 'q',
          href: '#q',
          text: 'Enter a complaint reference like CMP-2026-00042, or a request reference like DSR-2026-00042',
        })
    }
    const after = queryText(req, 'after') ? decodeCursor(queryText(req, 'after')) : undefined
    const [page, counts] = errors.length
      ? [
          { rows: [], next: undefined },
          { acknowledgement: 0, open: 0, closed: 0 },
        ]
      : await Promise.all([queue.page(tab, filters, after, pageSize), queue.countsByTab(filters)])
    const filterQuery = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''))
    const tabLink = (id: ComplaintQueueTab) =>
      `${paths.staff.complaints()}?${new URLSearchParams({ ...filterQuery, tab: id }).toString()}`
    res.status(errors.length ? 400 : 200).render('complaints/staff/queue', {
      title: 'Complaints',
      wide: true,
      hasErrors: errors.length > 0,
      errors,
      values,
      tab,
      tabs: tabs.map((t) => ({ ...t, count: counts[t.id], href: tabLink(t.id), current: t.id === tab })),
      rows: complaintQueueRows(page.rows, {
        tab,
        today,
        hrefOf: (id) => paths.staff.complaint({ id }),
        caseHrefOf: (id) => paths.staff.case({ id }),
      }),
      nextHref: page.next ? `${tabLink(tab)}&after=${encodeCursor(page.next)}` : undefined,
      firstHref: after ? tabLink(tab) : undefined,
      subjectItems,
      studies: allStudies,
      canLog: can(req.staffUser!.role, 'cases:act'),
    })
  })

  async function renderLogForm(
    res: Response,
    status: number,
    errors: FieldError[],
    values: Record<string, string>,
  ) {
    res.status(status).render('complaints/staff/log', {
      title: 'Log a complaint received outside the portal',
      hasErrors: errors.length > 0,
      backLink: paths.staff.complaints(),
      errors,
      errorFor: (name: string) => errors.find((e) => e.field === name)?.text,
      values,
      today: londonDate(services.now()),
      channelItems: loggedChannels.map((c) => ({ value: c, text: complaintChannels[c] })),
      subjectItems: Object.entries(complaintSubjects).map(([value, s]) => ({
        value,
        text: s.label,
        hint: s.hint,
      })),
      studies: await studies.listAll(),
      limits: complaintLimits,
    })
  }

  router.get(paths.staff.logComplaint.pattern, requirePermission('cases:act'), (_req, res) =>
    renderLogForm(res, 200, [], {}),
  )

  router.post(paths.staff.logComplaint.pattern, requirePermission('cases:act'), async (req, res) => {
    const input = body(req)
    const today = londonDate(services.now())
    const errors: FieldError[] = []
    const problem = (name: string, text: string) => errors.push({ field: name, href: `#${name}`, text })

    const channel = field(req, 'channel')
    if (!isComplaintChannel(channel) || channel === 'portal')
      problem('channel', 'Select how the complaint arrived')
    const receivedOn = field(req, 'receivedOn').trim()
    if (!isIsoDate(receivedOn)) problem('receivedOn', 'Enter the date it was received, like 2026-03-31')
    else {
      const late = receivedOnProblem(receivedOn, today)
      if (late) problem(late.field, late.message)
    }
    const subject = field(req, 'subject')
    if (!isComplaintSubject(subject)) problem('subject', 'Select what the complaint is about')
    const whatHappened = readText(
      input,
      {
        field: 'whatHappened',
        name: 'what happened',
        required: 'Enter what the person told us happened',
        max: complaintLimits.whatHappened,
        multiline: true,
      },
      errors,
    )
    const desiredOutcome = readText(
      input,
      {
        field: 'desiredOutcome',
        name: 'what they would like us to do',
        max: complaintLimits.desiredOutcome,
        multiline: true,
      },
      errors,
    )
    const allStudies = await studies.listAll()
    const studySlug = field(req, 'study')
    const study = studySlug ? allStudies.find((s) => s.slug === studySlug) : undefined
    if (studySlug && !study) problem('study', 'Select a study from the list')
    const requestReference = readText(
      input,
      { field: 'requestReference', name: 'the request reference', max: 20 },
      errors,
    )
    const request = requestReference ? await services.requests.findByReference(requestReference) : undefined
    if (requestReference && !errors.some((e) => e.field === 'requestReference')) {
      if (!request)
        problem('requestReference', 'Enter the reference of a confirmed request, like DSR-2026-00042')
      else if (study && request.studyId !== study.id)
        problem('study', 'The request is about another study: choose that study, or leave it empty')
    }
    const rawEmail = readText(
      input,
      { field: 'email', name: 'their email address', max: complaintLimits.email },
      errors,
    )
    const email = rawEmail === undefined ? null : normaliseEmail(rawEmail)
    if (email !== null && !errors.some((e) => e.field === 'email') && !isValidEmail(email))
      problem('email', 'Enter an email address in the correct format, like name@example.com')
    const name = readText(input, { field: 'name', name: 'their name', max: complaintLimits.name }, errors)

    if (errors.length > 0 || !whatHappened) {
      const order = (f: string) => logFields.indexOf(f)
      return renderLogForm(
        res,
        400,
        errors.sort((a, b) => order(a.field) - order(b.field)),
        formValues(input, logFields),
      )
    }
    const { complaintId, reference } = await handling.log(req.staffUser as StaffUser, {
      channel: channel as Exclude<ComplaintChannel, 'portal'>,
      receivedOn,
      subject: subject as ComplaintSubject,
      whatHappened,
      desiredOutcome: desiredOutcome ?? null,
      email,
      name: name ?? null,
      studyId: study?.id ?? request?.studyId ?? null,
      requestId: request?.id ?? null,
    })
    req.session.flash = {
      kind: 'success',
      text: `Complaint ${reference} logged. Send the acknowledgement${email ? '' : ' by post'} before it is due.`,
    }
    res.redirect(303, paths.staff.complaint({ id: complaintId }))
  })

  async function renderComplaint(
    req: Request,
    res: Response,
    status: number,
    form: { name?: string; errors?: FieldError[]; values?: Record<string, string>; stale?: boolean } = {},
  ) {
    const complaint = await handling.load(String(req.params.id))
    const user = req.staffUser as StaffUser
    const today = londonDate(services.now())
    const [messages, notes, events, staffList, study, request, drafts] = await Promise.all([
      handling.messages(complaint.id),
      handling.notes(complaint.id),
      handling.events(complaint.id),
      services.accounts.list(),
      complaint.studyId ? studies.findById(complaint.studyId) : Promise.resolve(undefined),
      complaint.requestId ? services.requests.findById(complaint.requestId) : Promise.resolve(undefined),
      handling.drafts(complaint),
    ])
    const staffNames = new Map(staffList.map((u) => [u.id, u.displayName]))
    const canAct = can(user.role, 'cases:act')
    const offers = complaintOffers(complaint)
    // Several forms on the page have a letter; their ids carry the form's name.
    const errors = (form.errors ?? []).map((e) =>
      form.name && e.field === 'letter' ? { ...e, href: `#${form.name}-letter` } : e,
    )
    res.status(status).render('complaints/staff/complaint', {
      title: complaint.reference ?? 'Unconfirmed complaint',
      wide: true,
      hasErrors: errors.length > 0,
      backLink: paths.staff.complaints(),
      complaint,
      statusTag: complaintStatusTag(complaint),
      summaryRows: complaintSummaryRows({
        complaint,
        today,
        // As on the case page: whoever may read cases sees who made it.
        showIdentity: can(user.role, 'cases:read'),
        studyTitle: study?.title ?? null,
        assigneeName: complaint.assigneeId ? (staffNames.get(complaint.assigneeId) ?? 'Unknown') : null,
        request:
          request?.reference && complaint.requestId
            ? { reference: request.reference, href: paths.staff.case({ id: complaint.requestId }) }
            : null,
      }),
      clockText: complaintClockText(complaint),
      subjectHint: complaintSubjects[complaint.subject].hint,
      messages: complaintMessageRows(messages, staffNames),
      notes: complaintNoteRows(notes, staffNames),
      timeline: complaintTimeline(events, staffNames),
      postLetters:
        !complaint.email && !complaint.contactRemovedAt && messages.some((m) => m.direction === 'to_person'),
      canAct,
      offers,
      assignees: staffList.filter((u) => !u.disabledAt && (u.role === 'admin' || u.role === 'dpo')),
      drafts,
      outcomeItems: Object.entries(complaintOutcomes).map(([value, text]) => ({ value, text })),
      icoParagraph,
      stale: form.stale ?? false,
      formName: form.name ?? '',
      errors,
      errorFor: (name: string) => errors.find((e) => e.field === name)?.text,
      values: form.values ?? {},
    })
  }

  router.get(paths.staff.complaint.pattern, requirePermission('cases:read'), (req, res) =>
    renderComplaint(req, res, 200),
  )

  const version = (req: Request): number => {
    const value = Number(field(req, 'version'))
    if (!Number.isInteger(value) || value < 1) throw new BadRequestError('Missing version')
    return value
  }
  const user = (req: Request) => req.staffUser as StaffUser
  const id = (req: Request) => String(req.params.id)

  /**
   * Each action: run it, then back to the complaint (303); a bad form or a stale complaint
   * re-renders the page with that form open and what was typed. The form is named by the
   * action's last URL segment. A letter's banner says whether it was emailed or is to be posted.
   */
  function action<Result>(
    route: { pattern: `/staff/complaints/:id/${string}` },
    fields: string[],
    run: (req: Request) => Promise<Result>,
    done: string | ((result: Result) => string),
  ) {
    const name = route.pattern.slice(route.pattern.lastIndexOf('/') + 1)
    router.post(route.pattern, requirePermission('cases:act'), async (req, res) => {
      try {
        const result = await run(req)
        req.session.flash = { kind: 'success', text: typeof done === 'string' ? done : done(result) }
        res.redirect(303, paths.staff.complaint({ id: id(req) }))
      } catch (error) {
        const values = formValues(body(req), fields)
        if (error instanceof ValidationError)
          return renderComplaint(req, res, 400, { name, errors: error.errors, values })
        if (error instanceof StaleComplaintError)
          return renderComplaint(req, res, 409, { name, stale: true, values })
        throw error
      }
    })
  }

  const letterDone =
    (emailedText: string, postedText: string) =>
    ({ emailed }: LetterSent): string =>
      emailed ? emailedText : `${postedText}: print the letter below and post it.`

  const { complaintAction } = paths.staff
  action(
    complaintAction.assign,
    ['assignee'],
    (req) => handling.assign(user(req), id(req), version(req), field(req, 'assignee') || null),
    'Assignment saved.',
  )
  action(
    complaintAction.acknowledge,
    ['letter'],
    (req) => handling.acknowledge(user(req), id(req), version(req), field(req, 'letter')),
    letterDone('Acknowledgement emailed and recorded.', 'Acknowledgement recorded'),
  )
  action(
    complaintAction.update,
    ['letter'],
    (req) => handling.sendUpdate(user(req), id(req), version(req), field(req, 'letter')),
    letterDone('Progress update emailed.', 'Progress update recorded'),
  )
  action(
    complaintAction.message,
    ['letter'],
    (req) => handling.message(user(req), id(req), version(req), field(req, 'letter')),
    letterDone('Message emailed.', 'Message recorded'),
  )
  action(
    complaintAction.note,
    ['note'],
    (req) => handling.addNote(user(req), id(req), field(req, 'note')),
    'Note added.',
  )
  action(
    complaintAction.close,
    ['outcome', 'changes', 'letter'],
    (req) =>
      handling.close(user(req), id(req), version(req), {
        outcome: field(req, 'outcome'),
        changes: field(req, 'changes'),
        letter: field(req, 'letter'),
      }),
    letterDone('Outcome emailed. The complaint is closed.', 'Outcome recorded and the complaint closed'),
  )
  action(
    complaintAction.reopen,
    ['reopenReason'],
    (req) => handling.reopen(user(req), id(req), version(req), field(req, 'reopenReason')),
    'Complaint reopened.',
  )

  return router
}
