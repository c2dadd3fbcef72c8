import { Router, type Request } from 'express'
import { eventsFor } from '../audit/events.js'
import { addDays, formatLongDate, isIsoDate, londonDate, responseDeadline } from '../domain/clock.js'
import { consentChoices, objectionChoices } from '../domain/data-map.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import { describeDaysLeft, dueSoonDays, urgency } from '../domain/queue.js'
import { statusInfo } from '../domain/request-status.js'
import { describeDetails, isRequestType, requestTypeInfo, requestTypes } from '../domain/request-types.js'
import { staffPaths } from '../paths.js'
import type { Services } from '../services.js'
import { NotFoundError, type FieldError } from '../web/errors.js'
import { requirePermission } from '../web/staff-auth.js'
import type { QueueCursor, QueueFilters, QueueTab } from './repo.js'
import { staffTimeline } from './timeline.js'

const pageSize = 50
const tabs: { id: QueueTab; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'closed', label: 'Closed' },
  { id: 'unconfirmed', label: 'Not confirmed' },
]

const queryText = (req: Request, name: string): string => {
  const value = req.query[name]
  return typeof value === 'string' ? value.trim() : ''
}

function encodeCursor(cursor: QueueCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url')
}

function decodeCursor(raw: string): QueueCursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown
    if (value && typeof value === 'object' && 'key' in value && 'id' in value) {
      const { key, id } = value as Record<string, unknown>
      if (typeof key === 'string' && typeof id === 'string') return { key, id }
    }
  } catch {
    // A tampered cursor just starts from the first page.
  }
  return undefined
}

/** The DPO's queue of requests and the case page. */
export function casesRoutes(services: Services): Router {
  const router = Router()
  const { cases, studies } = services

  router.get(staffPaths.queue, requirePermission('cases:read'), async (req, res) => {
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
      `${staffPaths.queue}?${new URLSearchParams({ ...Object.fromEntries(filterQuery), tab: id }).toString()}`
    res.status(errors.length ? 400 : 200).render('cases/queue', {
      title: 'Requests',
      hasErrors: errors.length > 0,
      errors,
      values,
      tab,
      tabs: tabs.map((t) => ({ ...t, count: counts[t.id], href: tabLink(t.id), current: t.id === tab })),
      rows: page.rows.map((row) => {
        const due = row.extendedDueOn ?? row.dueOn
        const state = due && tab === 'open' ? urgency(due, today) : undefined
        return {
          ...row,
          info: requestTypeInfo[row.type],
          status: statusInfo[row.status],
          receivedLabel: formatLongDate(row.receivedOn),
          dueLabel: due ? formatLongDate(due) : '–',
          daysLeftLabel: state ? describeDaysLeft(state.daysLeft) : '',
          urgency: state?.urgency,
          href: staffPaths.case(row.id),
        }
      }),
      nextHref: page.next ? `${tabLink(tab)}&after=${encodeCursor(page.next)}` : undefined,
      firstHref: after ? tabLink(tab) : undefined,
      typeItems: requestTypes.map((t) => ({ value: t, text: requestTypeInfo[t].name })),
      studies: allStudies,
    })
  })

  router.get('/staff/requests/:id', requirePermission('cases:read'), async (req, res) => {
    const request = await services.requests.findById(String(req.params.id))
    if (!request) throw new NotFoundError()
    const study = await studies.findById(request.studyId)
    if (!study) throw new NotFoundError()
    const dataMap = await studies.dataMap(study.id)
    const today = londonDate(services.now())
    const deadline = request.clockStartOn
      ? responseDeadline({ start: request.clockStartOn, pausedDays: request.pausedDays })
      : undefined
    const due = request.extendedDueOn ?? request.dueOn
    res.render('cases/case', {
      title: request.reference ?? 'Unconfirmed request',
      backLink: staffPaths.queue,
      request,
      study,
      info: requestTypeInfo[request.type],
      status: statusInfo[request.status],
      deadline,
      state: due ? urgency(due, today) : undefined,
      describeDaysLeft,
      formatLongDate,
      detailRows: request.details
        ? describeDetails(request.details, (field, value) => {
            const choices = field === 'processing' ? objectionChoices(dataMap) : consentChoices(dataMap)
            return choices.find((c) => c.value === value)?.label ?? value
          })
        : [],
      timeline: staffTimeline(await eventsFor(services.db, { type: 'request', id: request.id })),
    })
  })

  return router
}
