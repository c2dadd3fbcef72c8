import { describe, expect, it } from 'vitest'
import {
  caseHeadingTags,
  caseMessageRows,
  caseNoteRows,
  caseSummaryRows,
  queueRowViews,
  recordPanelView,
  rightRows,
  type SummaryRow,
  caseOffersOf,
} from '../../src/cases/presenters.js'
import type { QueueRow } from '../../src/cases/repo.js'
import { clockView, type CaseClock } from '../../src/domain/case-clock.js'
import type { DataCategory } from '../../src/domain/data-map.js'
import type { EmailRecord } from '../../src/domain/email-record.js'
import { urgency } from '../../src/domain/queue.js'
import { requestTypeInfo } from '../../src/domain/request-types.js'
import {
  retentionStateAt,
  snapshotOf,
  type Holding,
  type RecordFacts,
  type RetentionPolicy,
} from '../../src/domain/retention.js'
import type { RightsRequest } from '../../src/domain/rights-request.js'
import { rightForCategory } from '../../src/domain/rights.js'
import { deadlineExplanation, personMessageRows, statusSummaryRows } from '../../src/intake/presenters.js'
import { holdingRows, recordSummaryRows } from '../../src/records/presenters.js'
import type { CaseMessage, CaseNote } from '../../src/requests/repo.js'

// Fixtures -----------------------------------------------------------------------------------------

// A clock started on Wednesday 3 September 2025: due Friday 3 October, or Wednesday 3 December extended.
const started: CaseClock = { clockStartOn: '2025-09-03', pausedDays: 0, extended: false, pause: null }

function request(overrides: Partial<RightsRequest> = {}): RightsRequest {
  return {
    id: 'req-1',
    studyId: 'study-1',
    reference: 'SAR-2025-0001',
    type: 'access',
    status: 'received',
    channel: 'web',
    email: 'sam@example.org',
    emailHmac: 'hmac',
    requesterName: 'Sam Jones',
    details: null,
    receivedAt: '2025-09-02T10:00:00.000Z',
    receivedOn: '2025-09-02',
    confirmedAt: '2025-09-03T09:00:00.000Z',
    clockStartOn: '2025-09-03',
    dueOn: '2025-10-03',
    extendedDueOn: null,
    pausedDays: 0,
    closedAt: null,
    closeReason: null,
    duplicateOf: null,
    assigneeId: null,
    extended: false,
    extensionReason: null,
    pause: null,
    outcome: null,
    outcomeReason: null,
    recordAnswer: null,
    recordId: null,
    recordSnapshot: null,
    version: 1,
    createdAt: '2025-09-02T10:00:00.000Z',
    updatedAt: '2025-09-03T09:00:00.000Z',
    ...overrides,
  }
}

function summary(
  overrides: Partial<Parameters<typeof caseSummaryRows>[0]> & { request?: RightsRequest } = {},
): SummaryRow[] {
  return caseSummaryRows({
    request: request(),
    clockView: clockView(started, '2025-09-10'),
    open: true,
    channelLabel: 'Web form',
    assigneeName: 'Alex Staff',
    detailRows: [],
    ...overrides,
  })
}

const keys = (rows: { key: string }[]) => rows.map((r) => r.key)
const valueOf = (rows: { key: string; value?: string }[], key: string) =>
  rows.find((r) => r.key === key)?.value

// The seed study's rules: the survey closes at the end of August 2021, the platform keeps the
// address 6 months after, voucher mail 2 months after sending.
const policy: RetentionPolicy = {
  surveyClosesOn: '2021-08-31',
  platformMonthsAfterClose: 6,
  voucherMonthsAfterSent: 2,
}
function facts(overrides: Partial<RecordFacts> = {}): RecordFacts {
  return {
    voucherSentOn: null,
    extractedOn: null,
    deletedHoldings: {},
    erased: null,
    restriction: null,
    ...overrides,
  }
}

function holding(overrides: Partial<Holding> = {}): Holding {
  return {
    key: 'survey_platform',
    label: 'Survey platform',
    keepUntil: '2022-02-28',
    deletionDueOn: '2022-03-01',
    requestedOn: null,
    deletedOn: null,
    status: 'held',
    ...overrides,
  }
}

function message(overrides: Partial<CaseMessage> = {}): CaseMessage {
  return {
    id: 'm-1',
    direction: 'to_person',
    kind: 'letter',
    subject: 'Your request',
    body: 'Dear Sam',
    authorId: null,
    createdAt: '2026-01-15T12:00:00.000Z',
    ...overrides,
  }
}

function queueRow(overrides: Partial<QueueRow> = {}): QueueRow {
  return {
    ...request(),
    studyTitle: 'Commuting study',
    assigneeName: null,
    unreadReplies: 0,
    recordRestricted: false,
    ...overrides,
  }
}

function emailRecord(overrides: Partial<EmailRecord> = {}): EmailRecord {
  return {
    id: 'rec-1',
    studyId: 'study-1',
    email: 'sam@example.org',
    emailHmac: 'hmac',
    participatedOn: '2021-06-01',
    facts: facts(),
    restrictionGround: null,
    restrictionReviewOn: null,
    consentWithdrawnOn: null,
    objection: null,
    createdAt: '2021-06-01T10:00:00.000Z',
    updatedAt: '2021-06-01T10:00:00.000Z',
    ...overrides,
  }
}

// Cases -------------------------------------------------------------------------------------------

describe('caseHeadingTags', () => {
  const status = { text: 'Received', classes: 'govuk-tag--blue' }

  it('adds a red tag counting the days overdue', () => {
    const view = caseHeadingTags(request(), urgency('2025-10-03', '2025-10-05'))
    expect(view).toEqual({
      tags: [status, { text: '2 days overdue', classes: 'govuk-tag--red' }],
      daysLeft: null,
    })
  })

  it('adds a yellow tag when due soon', () => {
    const view = caseHeadingTags(request(), urgency('2025-10-03', '2025-09-30'))
    expect(view).toEqual({
      tags: [status, { text: 'Due soon: 3 days left', classes: 'govuk-tag--yellow' }],
      daysLeft: null,
    })
  })

  it('adds no tag when on track, only the days left as text', () => {
    const view = caseHeadingTags(request(), urgency('2025-10-03', '2025-09-10'))
    expect(view).toEqual({ tags: [status], daysLeft: '23 days left' })
  })

  it('shows only the status, from the request, when there is no deadline', () => {
    expect(caseHeadingTags(request({ status: 'awaiting_identity' }), undefined)).toEqual({
      tags: [{ text: 'Waiting for proof of identity', classes: 'govuk-tag--yellow' }],
      daysLeft: null,
    })
  })
})

describe('caseSummaryRows', () => {
  it('lists the rows in order for an open, running case', () => {
    expect(summary()).toEqual([
      { key: 'Requester', value: 'Sam Jones – sam@example.org' },
      { key: 'Channel', value: 'Web form' },
      { key: 'Received', value: '2 September 2025' },
      { key: 'Clock started', value: '3 September 2025' },
      { key: 'Statutory deadline', value: '3 October 2025' },
      { key: 'Extension must be notified by', value: '3 October 2025' },
      { key: 'Assigned to', value: 'Alex Staff' },
    ])
  })

  it('shows the address alone without a name, and says when the contact details are removed', () => {
    expect(valueOf(summary({ request: request({ requesterName: null }) }), 'Requester')).toBe(
      'sam@example.org',
    )
    expect(valueOf(summary({ request: request({ email: null }) }), 'Requester')).toBe(
      'Contact details removed',
    )
  })

  it('says the clock has not started for an unconfirmed request', () => {
    const rows = summary({
      request: request({ status: 'unconfirmed', clockStartOn: null, reference: null }),
      clockView: undefined,
    })
    expect(valueOf(rows, 'Clock started')).toBe('Not yet: waiting for the person to confirm')
    expect(keys(rows)).not.toContain('Statutory deadline')
    expect(keys(rows)).not.toContain('Extension must be notified by')
  })

  it('names the original deadline once extended, and no longer asks for notice of an extension', () => {
    const extended = { ...started, extended: true }
    const rows = summary({
      request: request({ extended: true, extendedDueOn: '2025-12-03' }),
      clockView: clockView(extended, '2025-09-20'),
    })
    expect(valueOf(rows, 'Statutory deadline')).toBe('3 December 2025 (extended from 3 October 2025)')
    expect(keys(rows)).not.toContain('Extension must be notified by')
  })

  it('asks for notice of an extension only while the case is open', () => {
    const closed = summary({
      request: request({ status: 'completed', closedAt: '2025-09-25T10:00:00.000Z', outcome: 'fulfilled' }),
      open: false,
    })
    expect(keys(closed)).not.toContain('Extension must be notified by')
    expect(valueOf(closed, 'Statutory deadline')).toBe('3 October 2025')
  })

  it('has no deadline row while the clock is paused, and counts the paused days', () => {
    const paused: CaseClock = { ...started, pause: { kind: 'clarification', since: '2025-09-10' } }
    const rows = summary({
      request: request({ status: 'awaiting_clarification' }),
      clockView: clockView(paused, '2025-09-12'),
    })
    expect(keys(rows)).not.toContain('Statutory deadline')
    expect(valueOf(rows, 'Days paused for clarification')).toBe('3')
  })

  it('shows the deadline moved by clarification days already counted', () => {
    const rows = summary({ clockView: clockView({ ...started, pausedDays: 3 }, '2025-09-20') })
    // 3 October plus 3 days is Monday 6 October.
    expect(valueOf(rows, 'Statutory deadline')).toBe('6 October 2025')
    expect(valueOf(rows, 'Days paused for clarification')).toBe('3')
  })

  it('leaves out the paused days row when nothing was paused', () => {
    expect(keys(summary())).not.toContain('Days paused for clarification')
  })

  it('says nobody is assigned', () => {
    expect(valueOf(summary({ assigneeName: null }), 'Assigned to')).toBe('Nobody')
  })

  it('shows the closing date with the outcome label', () => {
    const rows = summary({
      request: request({ status: 'completed', closedAt: '2025-09-25T10:00:00.000Z', outcome: 'fulfilled' }),
      open: false,
    })
    expect(rows.at(-1)).toEqual({ key: 'Closed', value: '25 September 2025 – Fulfilled' })
  })

  it('shows the raw outcome when it has no label, and no outcome when there is none', () => {
    const unknown = summary({
      request: request({
        status: 'refused',
        closedAt: '2025-12-01T10:00:00.000Z',
        outcome: 'manifestly_unfounded',
      }),
      open: false,
    })
    expect(valueOf(unknown, 'Closed')).toBe('1 December 2025 – manifestly_unfounded')
    const none = summary({
      request: request({ status: 'withdrawn', closedAt: '2025-12-01T10:00:00.000Z', outcome: null }),
      open: false,
    })
    expect(valueOf(none, 'Closed')).toBe('1 December 2025')
  })

  it('does not treat an inherited property name as an outcome', () => {
    const rows = summary({
      request: request({ status: 'completed', closedAt: '2025-12-01T10:00:00.000Z', outcome: 'toString' }),
      open: false,
    })
    expect(valueOf(rows, 'Closed')).toBe('1 December 2025 – toString')
  })

  it('appends what the person wrote, after everything else', () => {
    const rows = summary({
      detailRows: [
        { label: 'What you asked for', value: 'Everything' },
        { label: 'More detail', value: 'Since 2020' },
      ],
    })
    expect(rows.slice(-3)).toEqual([
      { key: 'Assigned to', value: 'Alex Staff' },
      { key: 'What you asked for', value: 'Everything' },
      { key: 'More detail', value: 'Since 2020' },
    ])
  })
})

describe('recordPanelView', () => {
  const noRecordSentence = (suffix: string) =>
    `No email record of this address was found when the request was confirmed${suffix}: as far as the records show, we hold no data about it in this study.`

  it('says no record was found, dated when the snapshot was taken, with no rows', () => {
    const view = recordPanelView(snapshotOf(null, null, '2025-09-03'), undefined)
    expect(view).toEqual({ noRecord: noRecordSentence(' (3 September 2025)'), rows: [], holdings: [] })
  })

  it('says no record was found, undated, without a snapshot', () => {
    const now = retentionStateAt(facts(), policy, '2021-06-01')
    expect(recordPanelView(null, now)).toEqual({ noRecord: noRecordSentence(''), rows: [], holdings: [] })
  })

  it('shows the state when confirmed and now, with the rules as notes, and the holdings now', () => {
    const then = retentionStateAt(facts(), policy, '2021-06-01')
    const now = retentionStateAt(facts({ voucherSentOn: '2021-10-10' }), policy, '2021-12-11')
    const view = recordPanelView(snapshotOf('rec-1', then, '2021-06-01'), now)
    expect(view.noRecord).toBeNull()
    expect(view.rows).toEqual([
      {
        key: 'When confirmed (1 June 2021)',
        tag: { text: 'Active', classes: 'govuk-tag--green' },
        note: 'The survey runs until 31 August 2021; the address is on the survey platform.',
      },
      {
        key: 'Now',
        tag: { text: 'Due for deletion', classes: 'govuk-tag--orange' },
        note: 'Voucher correspondence: kept until 10 December 2021, so due for deletion from 11 December 2021.',
      },
      { key: 'Survey answers', value: 'Still linked to the address' },
    ])
    expect(view.holdings).toEqual([
      {
        label: 'Survey platform',
        keptUntil: '28 February 2022',
        status: { text: 'Held', classes: 'govuk-tag--blue' },
      },
      {
        label: 'Voucher correspondence',
        keptUntil: '10 December 2021',
        status: { text: 'Due for deletion since 11 December 2021', classes: 'govuk-tag--orange' },
      },
    ])
  })

  it('passes the rule text through unescaped: escaping is the template’s job', () => {
    const erased = retentionStateAt(
      facts({ erased: { on: '2021-07-01', reason: 'erasure_request' } }),
      policy,
      '2021-07-02',
    )
    const snapshot = {
      ...snapshotOf('rec-1', erased, '2021-07-02'),
      rule: 'Kept <b>until</b> "then" & after',
    }
    const view = recordPanelView(snapshot, erased)
    expect(view.rows[0]).toEqual({
      key: 'When confirmed (2 July 2021)',
      tag: { text: 'Erased', classes: 'govuk-tag--grey' },
      note: 'Kept <b>until</b> "then" & after',
    })
    expect(view.rows[1]?.note).toBe(
      'The address was erased on 1 July 2021 at the person’s request; only a tombstone remains.',
    )
  })

  it('says the answers are anonymised once extracted, even if they were linked when confirmed', () => {
    const extracted = facts({ extractedOn: '2021-09-15' })
    const then = retentionStateAt(extracted, policy, '2021-09-01')
    expect(then.answersLinked).toBe(true)
    const now = retentionStateAt(extracted, policy, '2021-10-01')
    const view = recordPanelView(snapshotOf('rec-1', then, '2021-09-01'), now)
    expect(view.rows[1]?.tag).toEqual({ text: 'Retained', classes: 'govuk-tag--blue' })
    expect(view.rows[2]).toEqual({
      key: 'Survey answers',
      value: 'Anonymised or gone: cannot be linked to the person',
    })
  })

  it('says the present state is unknown without a current view, and lists no holdings', () => {
    const then = retentionStateAt(facts(), policy, '2021-06-01')
    const view = recordPanelView(snapshotOf('rec-1', then, '2021-06-01'), undefined)
    expect(view.rows[1]).toEqual({ key: 'Now', value: 'Unknown' })
    expect(view.holdings).toEqual([])
  })
})

describe('rightRows', () => {
  const category = (key: string, lawfulBasis: DataCategory['lawfulBasis']): DataCategory => ({
    key,
    label: `Your ${key}`,
    purpose: 'Research.',
    lawfulBasis,
    specialCategory: false,
    heldIn: 'Survey platform',
    retentionRule: '6 months',
    linkedAfterExtraction: false,
  })

  it('names the data, its basis, whether the right applies and the article with its note', () => {
    const email = category('email', 'legitimate_interests')
    const tax = category('tax', 'legal_obligation')
    const answers = category('answers', 'public_task')
    const rows = rightRows([
      { category: email, outcome: rightForCategory('access', email.lawfulBasis, 'linked') },
      { category: tax, outcome: rightForCategory('erasure', tax.lawfulBasis, 'linked') },
      { category: answers, outcome: rightForCategory('erasure', answers.lawfulBasis, 'anonymised') },
    ])
    expect(rows).toEqual([
      {
        data: 'Your email',
        basis: 'Legitimate interests',
        tag: { text: 'Applies', classes: 'govuk-tag--green' },
        note: 'Art. 15',
      },
      {
        data: 'Your tax',
        basis: 'Legal obligation',
        tag: { text: 'Does not apply', classes: 'govuk-tag--grey' },
        note: 'Art. 17(3)(b): Kept to comply with a legal obligation.',
      },
      {
        data: 'Your answers',
        basis: 'Public task',
        tag: { text: 'Cannot be identified', classes: 'govuk-tag--grey' },
        note: 'Art. 11(2): The data is anonymised and can no longer be linked to the person, so this right does not apply to it.',
      },
    ])
  })
})

describe('caseMessageRows', () => {
  const staff = new Map([['staff-1', 'Alex Staff']])

  it('signs each letter and dates it in UK time', () => {
    const rows = caseMessageRows(
      [
        message({ authorId: 'staff-1', createdAt: '2026-07-15T11:00:00.000Z' }),
        message({ id: 'm-2', direction: 'from_person', subject: null, body: 'Thanks' }),
      ],
      staff,
    )
    expect(rows).toEqual([
      {
        fromPerson: false,
        heading: 'To the person, from Alex Staff, 15 July 2026, 12:00pm',
        subject: 'Your request',
        body: 'Dear Sam',
      },
      {
        fromPerson: true,
        heading: 'From the person, 15 January 2026, 12:00pm',
        subject: null,
        body: 'Thanks',
      },
    ])
  })

  it('says the portal sent a letter without an author, and staff for an author no longer known', () => {
    const rows = caseMessageRows([message(), message({ id: 'm-2', authorId: 'gone' })], staff)
    expect(rows.map((r) => r.heading)).toEqual([
      'To the person, from the portal, 15 January 2026, 12:00pm',
      'To the person, from Staff, 15 January 2026, 12:00pm',
    ])
  })
})

describe('caseNoteRows', () => {
  it('heads each note with its author and London time', () => {
    const note: CaseNote = {
      id: 'n-1',
      authorName: 'Alex Staff',
      body: 'Checked the platform.',
      createdAt: '2026-06-30T23:05:00.000Z',
    }
    expect(caseNoteRows([note])).toEqual([
      { heading: 'Alex Staff, 1 July 2026, 12:05am', body: 'Checked the platform.' },
    ])
  })
})

describe('queueRowViews', () => {
  const hrefOf = (id: string) => `/cases/${id}`

  it('shows an open row’s identity, status, dates and assignee', () => {
    const [view] = queueRowViews([queueRow({ assigneeName: 'Alex Staff' })], {
      today: '2025-09-10',
      hrefOf,
    })
    expect(view).toEqual({
      id: 'req-1',
      reference: 'SAR-2025-0001',
      href: '/cases/req-1',
      typeName: requestTypeInfo.access.name,
      studyTitle: 'Commuting study',
      status: { text: 'Received', classes: 'govuk-tag--blue' },
      recordAnswerTag: null,
      receivedLabel: '2 September 2025',
      dueLabel: '3 October 2025',
      dueTag: null,
      daysLeft: '23 days left',
      extended: false,
      assigneeName: 'Alex Staff',
      requesterName: null,
      tabLabel: 'Open',
      flags: [],
    })
  })

  it('tags overdue and due-soon rows', () => {
    const [overdue] = queueRowViews([queueRow()], { today: '2025-10-04', hrefOf })
    expect(overdue).toMatchObject({
      dueTag: { text: '1 day overdue', classes: 'govuk-tag--red' },
      daysLeft: null,
    })
    const [soon] = queueRowViews([queueRow()], { today: '2025-09-26', hrefOf })
    expect(soon).toMatchObject({
      dueTag: { text: 'Due soon: 7 days left', classes: 'govuk-tag--yellow' },
      daysLeft: null,
    })
  })

  it('counts from the extended date when there is one', () => {
    const row = queueRow({ extended: true, extendedDueOn: '2025-12-03' })
    const [view] = queueRowViews([row], { today: '2025-10-05', hrefOf })
    // Against the original 3 October this would be 2 days overdue.
    expect(view).toMatchObject({
      dueLabel: '3 December 2025',
      dueTag: null,
      daysLeft: '59 days left',
      extended: true,
    })
    const [soon] = queueRowViews([row], { today: '2025-12-01', hrefOf })
    expect(soon?.dueTag).toEqual({ text: 'Due soon: 2 days left', classes: 'govuk-tag--yellow' })
  })

  it('never shows urgency on the closed tab', () => {
    const row = queueRow({ status: 'completed', closedAt: '2025-10-10T10:00:00.000Z' })
    const [view] = queueRowViews([row], { today: '2025-11-01', hrefOf })
    expect(view).toMatchObject({
      status: { text: 'Completed', classes: 'govuk-tag--green' },
      dueLabel: '3 October 2025',
      dueTag: null,
      daysLeft: null,
    })
  })

  it('falls back for an unconfirmed row: no reference, no deadline, nobody assigned', () => {
    const row = queueRow({ status: 'unconfirmed', reference: null, clockStartOn: null, dueOn: null })
    const [view] = queueRowViews([row], { today: '2025-09-03', hrefOf })
    expect(view).toMatchObject({
      reference: 'Not confirmed',
      dueLabel: '–',
      dueTag: null,
      daysLeft: null,
      assigneeName: 'Nobody',
    })
  })

  it('tags a row whose email record already answers it', () => {
    const [view] = queueRowViews([queueRow({ recordAnswer: 'no record of this address' })], {
      today: '2025-09-10',
      hrefOf,
    })
    expect(view?.recordAnswerTag).toEqual({
      text: 'Record answers it: no record of this address',
      classes: 'govuk-tag--purple',
    })
  })

  it('shows the requester’s name only when asked to', () => {
    const row = queueRow({ requesterName: 'Sam Person' })
    expect(queueRowViews([row], { today: '2025-09-10', hrefOf })[0]?.requesterName).toBeNull()
    expect(queueRowViews([row], { today: '2025-09-10', hrefOf, showRequester: true })[0]?.requesterName).toBe(
      'Sam Person',
    )
  })

  it('flags unread replies with their count, and a paused clock, an extension and a restriction', () => {
    const row = queueRow({
      unreadReplies: 2,
      status: 'awaiting_clarification',
      pause: { kind: 'clarification', since: '2025-09-05' },
      extended: true,
      extendedDueOn: '2025-12-03',
      recordRestricted: true,
    })
    const [view] = queueRowViews([row], { today: '2025-09-10', hrefOf })
    expect(view?.flags.map((f) => f.text)).toEqual(['Replied (2)', 'Clock paused', 'Extended', 'Restricted'])
    expect(view?.flags[0]?.classes).toBe('govuk-tag--orange')
  })

  it('says which tab a row is in, for search results from every tab', () => {
    const views = queueRowViews(
      [queueRow({ status: 'refused' }), queueRow({ status: 'unverified', reference: null })],
      { today: '2025-09-10', hrefOf },
    )
    expect(views.map((v) => v.tabLabel)).toEqual(['Closed', 'Not confirmed'])
  })

  it('keeps the rows in order, each with its own link', () => {
    const views = queueRowViews([queueRow({ id: 'b' }), queueRow({ id: 'a', type: 'erasure' })], {
      today: '2025-09-10',
      hrefOf,
    })
    expect(views.map((v) => [v.href, v.typeName])).toEqual([
      ['/cases/b', 'Access'],
      ['/cases/a', 'Erasure'],
    ])
  })
})

// Records -----------------------------------------------------------------------------------------

describe('holdingRows', () => {
  it('tags held, due and deleted holdings', () => {
    expect(
      holdingRows([
        holding(),
        holding({ status: 'due' }),
        holding({ status: 'deleted', deletedOn: '2022-03-02' }),
        holding({ status: 'deleted', deletedOn: null }),
      ]),
    ).toEqual([
      {
        label: 'Survey platform',
        keptUntil: '28 February 2022',
        status: { text: 'Held', classes: 'govuk-tag--blue' },
      },
      {
        label: 'Survey platform',
        keptUntil: '28 February 2022',
        status: { text: 'Due for deletion since 1 March 2022', classes: 'govuk-tag--orange' },
      },
      {
        label: 'Survey platform',
        keptUntil: '28 February 2022',
        status: { text: 'Deleted 2 March 2022', classes: 'govuk-tag--grey' },
      },
      {
        label: 'Survey platform',
        keptUntil: '28 February 2022',
        status: { text: 'Deleted', classes: 'govuk-tag--grey' },
      },
    ])
  })

  it('follows the real holdings of a record', () => {
    const view = retentionStateAt(
      facts({ voucherSentOn: '2021-10-10', deletedHoldings: { voucher_correspondence: '2021-12-12' } }),
      policy,
      '2022-03-01',
    )
    expect(holdingRows(view.holdings).map((h) => [h.label, h.status.text])).toEqual([
      ['Survey platform', 'Due for deletion since 1 March 2022'],
      ['Voucher correspondence', 'Deleted 12 December 2021'],
    ])
  })

  it('shows a copy outside the portal as requested until its deletion task is done, then deleted that day', () => {
    const swept = (done: string | null) =>
      retentionStateAt(
        facts({
          voucherSentOn: '2026-09-20',
          deletedHoldings: { voucher_correspondence: '2026-12-01' },
          deletionDone: { voucher_correspondence: done },
        }),
        policy,
        '2026-12-10',
      ).holdings.find((h) => h.key === 'voucher_correspondence') as Holding
    expect(holdingRows([swept(null)])[0]?.status).toEqual({
      text: 'Deletion requested on 1 December 2026',
      classes: 'govuk-tag--yellow',
    })
    expect(holdingRows([swept('2026-12-08')])[0]?.status).toEqual({
      text: 'Deleted 8 December 2026',
      classes: 'govuk-tag--grey',
    })
  })
})

describe('recordSummaryRows', () => {
  const study = { surveyClosesOn: '2021-08-31' }

  it('lists the plain facts of a fresh record', () => {
    const record = emailRecord({ participatedOn: null })
    expect(recordSummaryRows(record, retentionStateAt(record.facts, policy, '2021-06-01'), study)).toEqual([
      { key: 'Participated', value: 'Not known' },
      { key: 'Voucher sent', value: 'Not sent' },
      { key: 'Survey data extracted', value: 'Not yet' },
      { key: 'Survey answers', value: 'Still linked to this address' },
      { key: 'Survey closes', value: '31 August 2021' },
    ])
  })

  it('adds restriction, consent, objection and erasure in that order', () => {
    const record = emailRecord({
      facts: facts({
        voucherSentOn: '2021-07-01',
        extractedOn: '2021-09-15',
        restriction: { since: '2021-10-01' },
        erased: { on: '2021-11-01', reason: 'retention_schedule' },
      }),
      restrictionReviewOn: '2022-01-01',
      consentWithdrawnOn: '2021-09-20',
      objection: { on: '2021-09-25', processing: 'purpose:email', decision: 'stopped' },
    })
    const rows = recordSummaryRows(record, retentionStateAt(record.facts, policy, '2021-11-02'), study)
    expect(rows).toEqual([
      { key: 'Participated', value: '1 June 2021' },
      { key: 'Voucher sent', value: '1 July 2021' },
      { key: 'Survey data extracted', value: '15 September 2021' },
      { key: 'Survey answers', value: 'Anonymised: can no longer be linked to this address' },
      { key: 'Survey closes', value: '31 August 2021' },
      { key: 'Restricted since', value: '1 October 2021, review on 1 January 2022' },
      {
        key: 'Consent withdrawn',
        value: '20 September 2021: consent-based data excluded from further processing',
      },
      { key: 'Objection', value: '25 September 2021 – processing stopped' },
      { key: 'Erased', value: '1 November 2021 (retention schedule)' },
    ])
  })

  it('words each objection decision, a restriction without review and an erasure on request', () => {
    const base = { on: '2021-09-25', processing: null }
    const valueFor = (record: EmailRecord, key: string) =>
      valueOf(recordSummaryRows(record, retentionStateAt(record.facts, policy, '2021-11-02'), study), key)
    expect(
      valueFor(emailRecord({ objection: { ...base, decision: 'compelling_grounds' } }), 'Objection'),
    ).toBe('25 September 2021 – continued on compelling legitimate grounds')
    expect(valueFor(emailRecord({ objection: { ...base, decision: null } }), 'Objection')).toBe(
      '25 September 2021 – not decided yet',
    )
    expect(
      valueFor(emailRecord({ facts: facts({ restriction: { since: '2021-10-01' } }) }), 'Restricted since'),
    ).toBe('1 October 2021')
    expect(
      valueFor(
        emailRecord({ facts: facts({ erased: { on: '2021-11-01', reason: 'erasure_request' } }) }),
        'Erased',
      ),
    ).toBe('1 November 2021 (erasure request)')
  })
})

// Intake (the person's status page) ----------------------------------------------------------------

describe('statusSummaryRows', () => {
  const info = requestTypeInfo.access
  const rowsFor = (overrides: Partial<Parameters<typeof statusSummaryRows>[0]> = {}) =>
    statusSummaryRows({
      request: request(),
      info,
      open: true,
      clockView: clockView(started, '2025-09-10'),
      detailRows: [],
      ...overrides,
    })

  it('lists reference, request, dates and the deadline while the clock runs', () => {
    expect(rowsFor()).toEqual([
      { key: 'Reference', value: 'SAR-2025-0001' },
      { key: 'Request', value: 'Access (Article 15)' },
      { key: 'Sent on', value: '2 September 2025' },
      { key: 'Confirmed on', value: '3 September 2025' },
      { key: 'We must answer by', value: '3 October 2025' },
    ])
  })

  it('promises a reference, and leaves out confirmation and deadline, before confirmation', () => {
    expect(
      rowsFor({
        request: request({ reference: null, clockStartOn: null, status: 'unconfirmed' }),
        clockView: undefined,
      }),
    ).toEqual([
      { key: 'Reference', value: 'Given when you confirm the request' },
      { key: 'Request', value: 'Access (Article 15)' },
      { key: 'Sent on', value: '2 September 2025' },
    ])
  })

  it('marks an extended deadline', () => {
    const rows = rowsFor({
      request: request({ extended: true }),
      clockView: clockView({ ...started, extended: true }, '2025-09-20'),
    })
    expect(valueOf(rows, 'We must answer by')).toBe('3 December 2025 (extended)')
  })

  it('says the time limit is paused for clarification, with no deadline', () => {
    const rows = rowsFor({
      request: request({ status: 'awaiting_clarification' }),
      clockView: clockView(
        { ...started, pause: { kind: 'clarification', since: '2025-09-10' } },
        '2025-09-12',
      ),
    })
    expect(keys(rows)).not.toContain('We must answer by')
    expect(valueOf(rows, 'Time limit')).toBe('Paused until you reply')
  })

  it('says the time limit is stopped while waiting for identity or a fee', () => {
    for (const kind of ['identity', 'fee'] as const) {
      const rows = rowsFor({
        request: request({ status: kind === 'identity' ? 'awaiting_identity' : 'awaiting_fee' }),
        clockView: clockView({ ...started, pause: { kind, since: '2025-09-10' } }, '2025-09-12'),
      })
      expect(keys(rows)).not.toContain('We must answer by')
      expect(valueOf(rows, 'Time limit')).toBe('Stopped until we receive what we asked for')
    }
  })

  it('has no time limit row while the clock runs', () => {
    expect(keys(rowsFor())).not.toContain('Time limit')
  })

  it('says a withdrawn request’s time limit stopped, and shows no deadline once closed', () => {
    const withdrawn = rowsFor({
      request: request({ status: 'withdrawn', closedAt: '2025-09-12T10:00:00.000Z' }),
      open: false,
    })
    expect(keys(withdrawn)).not.toContain('We must answer by')
    expect(valueOf(withdrawn, 'Time limit')).toBe('Stopped: you withdrew this request')
    const completed = rowsFor({
      request: request({ status: 'completed', closedAt: '2025-09-12T10:00:00.000Z' }),
      open: false,
    })
    expect(keys(completed)).not.toContain('Time limit')
    expect(keys(completed)).not.toContain('We must answer by')
  })

  it('does not say the clock is paused once the case is closed', () => {
    const rows = rowsFor({
      request: request({ status: 'withdrawn', closedAt: '2025-09-12T10:00:00.000Z' }),
      open: false,
      clockView: clockView(
        { ...started, pause: { kind: 'clarification', since: '2025-09-10' } },
        '2025-09-12',
      ),
    })
    expect(rows.filter((r) => r.key === 'Time limit')).toEqual([
      { key: 'Time limit', value: 'Stopped: you withdrew this request' },
    ])
  })

  it('appends what the person wrote', () => {
    const rows = rowsFor({ detailRows: [{ label: 'What you asked for', value: 'Everything' }] })
    expect(rows.at(-1)).toEqual({ key: 'What you asked for', value: 'Everything' })
  })
})

describe('deadlineExplanation', () => {
  it('explains the deadline while the case is open and the clock runs', () => {
    const view = clockView(started, '2025-09-10')
    const paragraphs = deadlineExplanation(true, view)
    expect(paragraphs).toHaveLength(2)
    expect(paragraphs[0]).toBe(
      'One calendar month from 3 September 2025 (Art. 12(3) UK GDPR): 3 October 2025.',
    )
    expect(paragraphs[1]).toMatch(/^The law gives us one calendar month/)
  })

  it('explains nothing once closed, while paused or stopped, or without a clock', () => {
    expect(deadlineExplanation(false, clockView(started, '2025-09-10'))).toEqual([])
    const paused = clockView(
      { ...started, pause: { kind: 'clarification', since: '2025-09-10' } },
      '2025-09-12',
    )
    expect(deadlineExplanation(true, paused)).toEqual([])
    const stopped = clockView({ ...started, pause: { kind: 'identity', since: '2025-09-10' } }, '2025-09-12')
    expect(deadlineExplanation(true, stopped)).toEqual([])
    expect(deadlineExplanation(true, undefined)).toEqual([])
  })
})

describe('personMessageRows', () => {
  it('heads messages in the person’s words, dated in UK time', () => {
    const rows = personMessageRows([
      message({ createdAt: '2026-01-15T00:05:00.000Z' }),
      message({
        id: 'm-2',
        direction: 'from_person',
        subject: null,
        body: 'Thanks',
        createdAt: '2026-07-15T11:00:00.000Z',
      }),
    ])
    expect(rows).toEqual([
      {
        fromPerson: false,
        heading: 'We wrote on 15 January 2026, 12:05am',
        subject: 'Your request',
        body: 'Dear Sam',
      },
      { fromPerson: true, heading: 'You wrote on 15 July 2026, 12:00pm', subject: null, body: 'Thanks' },
    ])
  })
})

describe('presenters after review', () => {
  it('dates a closure by its London day, not its UTC one', () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    const rows = summary({
      request: request({ status: 'completed', closedAt: '2026-06-30T23:30:00.000Z', outcome: 'fulfilled' }),
      open: false,
    })
    expect(valueOf(rows, 'Closed')).toBe('1 July 2026 – Fulfilled')
  })

  it('offers the extension deadline only while an extension can still be made', () => {
    const waiting: CaseClock = { ...started, pause: { kind: 'identity', since: '2025-09-10' } }
    expect(keys(summary({ clockView: clockView(waiting, '2025-09-12') }))).not.toContain(
      'Extension must be notified by',
    )
    expect(keys(summary({ clockView: clockView(started, '2025-10-20') }))).not.toContain(
      'Extension must be notified by',
    )
    expect(
      valueOf(summary({ clockView: clockView(started, '2025-09-10') }), 'Extension must be notified by'),
    ).toBe('3 October 2025')
  })

  it('says "Due today" on the due date rather than "due soon: due today"', () => {
    expect(caseHeadingTags(request(), { daysLeft: 0, urgency: 'due_soon' }).tags[1]?.text).toBe('Due today')
  })

  it('does not claim the survey answers are gone when the record cannot be read now', () => {
    const snapshot = snapshotOf('rec-1', retentionStateAt(facts(), policy, '2021-06-01'), '2021-06-01')
    const view = recordPanelView(snapshot, undefined)
    expect(valueOf(view.rows, 'Survey answers')).toBe('Unknown')
  })
})

describe('caseOffersOf', () => {
  // The clock of the fixture request started on 3 September 2025.
  const early = '2025-09-05'
  const late = '2025-09-20'

  it('offers clarification, identity and a fee on a running access request', () => {
    const offers = caseOffersOf(request(), early)
    expect(offers.ask.map((a) => a.value)).toEqual(['clarification', 'identity', 'fee'])
    expect(offers.arrival).toBeNull()
    expect(offers.message).toBe(true)
  })

  it('warns against asking for identity or a fee only once the clock has run for more than 7 days', () => {
    expect(caseOffersOf(request(), early).askWarning).toBeNull()
    expect(caseOffersOf(request(), '2025-09-10').askWarning).toBeNull()
    const warning = caseOffersOf(request(), late).askWarning
    expect(warning).toEqual(expect.any(String))
    expect(warning).toContain('The clock started 17 days ago')
    expect(caseOffersOf(request(), '2025-09-11').askWarning).toContain('8 days ago')
    // A paused clock is not lost by asking: nothing to warn about.
    expect(
      caseOffersOf(
        request({ status: 'awaiting_clarification', pause: { kind: 'clarification', since: '2025-09-10' } }),
        late,
      ).askWarning,
    ).toBeNull()
  })

  it('offers no clarification on other rights', () => {
    expect(caseOffersOf(request({ type: 'erasure' }), early).ask.map((a) => a.value)).toEqual([
      'identity',
      'fee',
    ])
  })

  it('offers recording the arrival, and nothing more to ask, while the clock waits for identity', () => {
    const offers = caseOffersOf(
      request({ status: 'awaiting_identity', pause: { kind: 'identity', since: '2025-09-10' } }),
      late,
    )
    expect(offers.arrival).toEqual({ kind: 'identity', label: 'proof of identity' })
    expect(offers.ask).toEqual([])
    expect(offers.askWarning).toBeNull()
  })

  it('still offers a message on a closed request, but not on a duplicate that never had a reference', () => {
    expect(
      caseOffersOf(request({ status: 'completed', closedAt: '2025-09-20T10:00:00.000Z' }), early),
    ).toEqual({
      arrival: null,
      ask: [],
      askWarning: null,
      message: true,
    })
    const duplicate = caseOffersOf(
      request({ status: 'duplicate', reference: null, clockStartOn: null }),
      late,
    )
    expect(duplicate.message).toBe(false)
    expect(duplicate.askWarning).toBeNull()
  })
})
