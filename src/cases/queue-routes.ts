import { Router, type Request } from 'express'
import type { StaffUser } from '../domain/staff-user.js'
import { addDays, londonDate } from '../domain/clock.js'
import { parseDateRange } from '../domain/date-parts.js'
import { isValidEmail, normaliseEmail } from '../domain/email-address.js'
import {
  defaultQueueSort,
  describeCount,
  describePosition,
  dueSoonDays,
  parseQueueSort,
  queueSortLabels,
  queueSortsFor,
  referenceSearchOf,
  type QueueCount,
} from '../domain/queue.js'
import { isRequestType, requestTypeInfo, requestTypes } from '../domain/request-types.js'
import { isOpen } from '../domain/request-status.js'
import { can } from '../domain/roles.js'
import { ValidationError, type FieldError } from '../errors.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { decodePageCursor, encodePageCursor, queryText, type PageCursor } from '../web/keyset-cursor.js'
import { requirePermission } from '../web/staff-auth.js'
import { queueRowViews } from './presenters.js'
import type { QueueFilters, QueuePageStart, QueueRow, QueueTab } from './repo.js'

const pageSize = 50
/** A search shows at most this many matches; more means the search should be narrower. */
const searchLimit = 50
const tabs: { id: QueueTab; label: string }[] = [
  { id: 'open', label: 'Open' },
  { id: 'closed', label: 'Closed' },
  { id: 'unconfirmed', label: 'Not confirmed' },
]

/** DPOs and administrators see who asked; an auditor reads the queue without the requesters' names. */
const seesRequesterNames = (user: StaffUser) => can(user.role, 'cases:act')

/** The DPO's queue of requests: tabs, filters, sorts, keyset pages, search and bulk actions. */
export function queueRoutes(services: Services): Router {
  const router = Router()
  const { cases, studies, caseHandling: handling } = services
  const body = (req: Request): Record<string, unknown> => (req.body ?? {}) as Record<string, unknown>
  const field = (req: Request, name: string): string => {
    const value = body(req)[name]
    return typeof value === 'string' ? value : ''
  }

  router.get(paths.staff.queue.pattern, requirePermission('cases:read'), async (req, res) => {
    const user = req.staffUser as StaffUser
    const today = londonDate(services.now())
    const errors: FieldError[] = []
    const tab = tabs.find((t) => t.id === queryText(req, 'tab'))?.id ?? 'open'
    const sort = parseQueueSort(queryText(req, 'sort'), tab)
    const values = {
      type: queryText(req, 'type'),
      study: queryText(req, 'study'),
      assignee: queryText(req, 'assignee'),
      due: queryText(req, 'due'),
      q: queryText(req, 'q'),
      sort: queryText(req, 'sort'),
    }
    const dateRange = parseDateRange(req.query)
    const dates = dateRange.values
    const filters: Omit<QueueFilters, 'tab'> = {}
    if (isRequestType(values.type)) filters.type = values.type
    const allStudies = await studies.listAll()
    const study = allStudies.find((s) => s.slug === values.study)
    if (study) filters.studyId = study.id
    if (values.assignee === 'mine') filters.assignee = user.id
    else if (values.assignee === 'unassigned') filters.assignee = 'unassigned'
    if (values.due === 'soon') filters.dueOnOrBefore = addDays(today, dueSoonDays)
    if (values.due === 'overdue') filters.dueBefore = today
    if (dateRange.range.from) filters.receivedFrom = dateRange.range.from
    if (dateRange.range.to) filters.receivedTo = dateRange.range.to
    const reference = values.q ? referenceSearchOf(values.q) : undefined
    if (reference && 'exact' in reference) filters.reference = reference.exact
    else if (reference) filters.referencePart = reference.part
    else if (values.q && isValidEmail(normaliseEmail(values.q))) {
      filters.emailHmac = services.emailKey(normaliseEmail(values.q))
    } else if (values.q) {
      errors.push({
        field: 'q',
        href: '#q',
        text: 'Enter a reference or part of one, like DSR-2026-00042 or 00042, or a whole email address',
      })
    }
    errors.push(...dateRange.errors)
    const searching = values.q !== '' && errors.length === 0

    // Every link keeps the filters as typed, so a page of results can be shared and paged through.
    const filterQuery = new URLSearchParams()
    for (const [name, value] of Object.entries(values)) if (value) filterQuery.set(name, value)
    for (const name of ['from', 'to'] as const) {
      for (const part of ['day', 'month', 'year'] as const) {
        if (dates[name][part]) filterQuery.set(`${name}-${part}`, dates[name][part])
      }
    }
    const linkWith = (extra: Record<string, string>) => {
      const query = new URLSearchParams(filterQuery)
      for (const [name, value] of Object.entries(extra)) query.set(name, value)
      return `${paths.staff.queue()}?${query.toString()}`
    }
    const tabLink = (id: QueueTab) => {
      const query = new URLSearchParams(filterQuery)
      query.delete('sort')
      if (values.sort && queueSortsFor(id).some((s) => s === values.sort)) query.set('sort', values.sort)
      query.set('tab', id)
      return `${paths.staff.queue()}?${query.toString()}`
    }

    const withoutSearch = () => {
      const query = new URLSearchParams(filterQuery)
      query.delete('q')
      query.set('tab', tab)
      return `${paths.staff.queue()}?${query.toString()}`
    }

    let rows: QueueRow[] = []
    const none = { n: 0, more: false }
    let counts: Record<QueueTab, QueueCount> = { open: none, closed: none, unconfirmed: none }
    let position: string | undefined
    let previousHref: string | undefined
    let nextHref: string | undefined
    let moreMatches = false
    if (searching) {
      // A search looks across every tab: a closed case is found from the Open tab.
      const found = await cases.search(filters, searchLimit + 1)
      if (found.length === 1 && reference) return res.redirect(303, paths.staff.case({ id: found[0]!.id }))
      moreMatches = found.length > searchLimit
      rows = found.slice(0, searchLimit)
    } else if (errors.length === 0) {
      const afterRaw = queryText(req, 'after')
      const beforeRaw = queryText(req, 'before')
      const cursor = decodePageCursor(afterRaw || beforeRaw)
      // A link made in another sort starts over rather than landing somewhere arbitrary.
      const from: QueuePageStart | undefined =
        cursor && cursor.sort === sort
          ? { key: cursor.key, id: cursor.id, towards: afterRaw ? 'after' : 'before' }
          : undefined
      const tabFilters = { ...filters, tab }
      let page: { rows: QueueRow[]; more: boolean }
      ;[page, counts] = await Promise.all([
        cases.page(tabFilters, sort, from, pageSize),
        cases.countsByTab(filters),
      ])
      let start = from && cursor ? (from.towards === 'after' ? cursor.at : cursor.at - page.rows.length) : 0
      let hasPrevious = start > 0
      let hasNext = page.more
      if (from?.towards === 'before') {
        if (page.more) {
          // Came back from a later page, with rows still before this one (however many arrived
          // since the position was counted): both ways stay open.
          hasNext = true
          hasPrevious = true
          start = Math.max(start, 1)
        } else {
          // Back at the start: show a whole first page, whatever was added before it since.
          page = await cases.page(tabFilters, sort, undefined, pageSize)
          start = 0
          hasPrevious = false
          hasNext = page.more
        }
      }
      if (from && page.rows.length === 0) hasPrevious = true
      // A count that stopped at the cap bounds nothing: the page may lie well beyond it.
      start = Math.max(0, counts[tab].more ? start : Math.min(start, counts[tab].n))
      rows = page.rows
      const edge = (row: QueueRow, at: number): string =>
        encodePageCursor({ key: cases.sortKeyOf(row, sort), id: row.id, sort, at } satisfies PageCursor)
      const first = rows[0]
      const last = rows.at(-1)
      if (hasNext && last) nextHref = linkWith({ tab, after: edge(last, start + rows.length) })
      if (hasPrevious) previousHref = first ? linkWith({ tab, before: edge(first, start) }) : tabLink(tab)
      position = describePosition(start, rows.length, counts[tab])
    }

    res.status(errors.length ? 400 : 200).render('cases/queue', {
      title: 'Requests',
      hasErrors: errors.length > 0,
      errors,
      errorFor: (name: string) => errors.find((e) => e.field === name)?.text,
      values,
      dates,
      dateErrorItems: dateRange.errorItems,
      tab,
      searching,
      moreMatches,
      tabs: tabs.map((t) => ({
        ...t,
        count: describeCount(counts[t.id]),
        href: tabLink(t.id),
        current: t.id === tab,
      })),
      rows: queueRowViews(rows, {
        today,
        hrefOf: (id) => paths.staff.case({ id }),
        showRequester: seesRequesterNames(user),
      }),
      showRequester: seesRequesterNames(user),
      sort,
      sortItems: queueSortsFor(tab).map((s) => ({ value: s, text: queueSortLabels[s] })),
      sortLabel: queueSortLabels[sort],
      isDefaultSort: sort === defaultQueueSort(tab),
      position,
      previousHref,
      nextHref,
      clearSearchHref: withoutSearch(),
      typeItems: requestTypes.map((t) => ({ value: t, text: requestTypeInfo[t].name })),
      studies: allStudies,
      canLog: can(user.role, 'cases:act'),
      canBulk: !searching && tab === 'open' && can(user.role, 'cases:act'),
      assignees: (await services.accounts.list()).filter((u) => !u.disabledAt && u.role !== 'auditor'),
      returnTo: req.originalUrl,
    })
  })

  router.post(paths.staff.bulk.pattern, requirePermission('cases:act'), async (req, res) => {
    const actor = req.staffUser as StaffUser
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
      if (action === 'duplicate' && field(req, 'confirm') !== 'yes') {
        // Closing cannot be undone: first the page that says what will be closed. With no request
        // given, the bulk close checks the reference exactly as it will, and closes nothing.
        const reference = field(req, 'bulkDuplicateOf')
        await handling.bulk(actor, [], { action, reference })
        const chosen = (await cases.chosen(ids)).filter((r) => isOpen(r.status))
        if (chosen.length === 0) {
          req.session.flash = { kind: 'error', text: 'The selected requests are already closed.' }
          return res.redirect(303, back)
        }
        const plural = chosen.length === 1 ? 'request' : 'requests'
        return res.render('cases/bulk-close', {
          title: `Close ${chosen.length} ${plural}?`,
          backLink: back,
          chosen: chosen.map((r) => ({
            id: r.id,
            reference: r.reference ?? 'Not confirmed',
            typeName: requestTypeInfo[r.type].name,
          })),
          skipped: ids.length - chosen.length,
          duplicateOf: reference.trim().toUpperCase(),
          plural,
          returnTo: back,
        })
      }
      const result = await handling.bulk(
        actor,
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

  return router
}
