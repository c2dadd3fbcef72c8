import { describe, expect, it } from 'vitest'
import { availabilityOf, type RequestFile } from '../../src/answers/files.js'
import { fileSizeLabel, personFileRows, staffFileRows } from '../../src/answers/presenters.js'
import { addDays, formatLondonDateTime, londonDate } from '../../src/domain/clock.js'
import { directMarketingChoice, type DataCategory } from '../../src/domain/data-map.js'
import { detailRowsOf } from '../../src/domain/request-details.js'

// Fixtures -----------------------------------------------------------------------------------------

// Published on 1 March 2026; downloadable through 31 March (London), stopping at the start of
// 1 April, which is 23:00 UTC on 31 March as British Summer Time began on 29 March.
const publishedAt = '2026-03-01T10:00:00.000Z'
const expiresAt = '2026-03-31T23:00:00.000Z'
const during = new Date('2026-03-10T12:00:00.000Z')
const after = new Date('2026-04-02T12:00:00.000Z')

/** A file as the repository returns it: the last day available follows from when it expires. */
function file(overrides: Partial<RequestFile> = {}): RequestFile {
  const base: RequestFile = {
    id: 'f-1',
    requestId: 'req-1',
    kind: 'access_answer',
    filename: 'answer.html',
    contentType: 'text/html',
    sizeBytes: 4000,
    sha256: 'abc',
    createdAt: '2026-02-20T09:30:00.000Z',
    publishedAt: null,
    expiresAt: null,
    revokedAt: null,
    revokeReason: null,
    purgedAt: null,
    availableUntil: null,
    ...overrides,
  }
  return {
    ...base,
    availableUntil: base.expiresAt ? addDays(londonDate(new Date(base.expiresAt)), -1) : null,
  }
}
const published = { publishedAt, expiresAt }
const attachment = (overrides: Partial<RequestFile> = {}) =>
  file({
    id: 'f-att',
    kind: 'attachment',
    filename: 'letter.pdf',
    contentType: 'application/pdf',
    sizeBytes: 59,
    ...overrides,
  })

const formatsOf = {
  access_answer: ['html', 'json'],
  portability_data: ['json', 'csv'],
  attachment: ['file'],
} as const
const hrefOf = (f: RequestFile, format: string) => `/files/${f.id}/${format}`

function staffRows(
  files: RequestFile[],
  options: { at?: Date; canRemove?: boolean; downloads?: [string, number][] } = {},
) {
  return staffFileRows(files, {
    at: options.at ?? during,
    downloads: new Map(options.downloads ?? []),
    formatsOf,
    hrefOf,
    canRemove: options.canRemove ?? true,
  })
}
const personRows = (files: RequestFile[], at: Date = during) =>
  personFileRows(files, { at, formatsOf, hrefOf })

// Answers -----------------------------------------------------------------------------------------

describe('fileSizeLabel', () => {
  it('counts bytes below a kilobyte', () => {
    expect(fileSizeLabel(0)).toBe('0 bytes')
    expect(fileSizeLabel(1)).toBe('1 byte')
    expect(fileSizeLabel(59)).toBe('59 bytes')
    expect(fileSizeLabel(1023)).toBe('1023 bytes')
  })

  it('shows kilobytes and megabytes to one decimal place, dropping a zero decimal', () => {
    expect(fileSizeLabel(1024)).toBe('1 KB')
    expect(fileSizeLabel(1025)).toBe('1 KB')
    expect(fileSizeLabel(1229)).toBe('1.2 KB')
    expect(fileSizeLabel(2048)).toBe('2 KB')
    expect(fileSizeLabel(1024 * 1024)).toBe('1 MB')
    expect(fileSizeLabel(3 * 1024 * 1024)).toBe('3 MB')
    expect(fileSizeLabel(2.5 * 1024 * 1024)).toBe('2.5 MB')
  })
})

describe('the fixtures follow availabilityOf', () => {
  it('covers each availability', () => {
    expect(availabilityOf(file(), during)).toBe('draft')
    expect(availabilityOf(file(published), during)).toBe('available')
    expect(availabilityOf(file(published), after)).toBe('expired')
    expect(availabilityOf(file({ ...published, revokedAt: '2026-03-05T10:00:00.000Z' }), during)).toBe(
      'revoked',
    )
  })
})

describe('staffFileRows', () => {
  it('shows a draft answer with links to each format and no download period', () => {
    expect(staffRows([file()])).toEqual([
      {
        id: 'f-1',
        title: 'Access answer (Article 15)',
        detail: 'Prepared 20 February 2026, 9:30am',
        tag: { text: 'Draft: only staff can see it', classes: 'govuk-tag--grey' },
        availabilityNote: null,
        links: [
          { href: '/files/f-1/html', text: 'HTML', hiddenText: ' of Access answer (Article 15)' },
          { href: '/files/f-1/json', text: 'JSON', hiddenText: ' of Access answer (Article 15)' },
        ],
        removable: false,
      },
    ])
  })

  it('shows a sent file until when, and how often it was downloaded', () => {
    const [once] = staffRows([file({ ...published, kind: 'portability_data' })], { downloads: [['f-1', 1]] })
    expect(once).toMatchObject({
      title: 'Portable data (Article 20)',
      tag: { text: 'Sent: the person can download it', classes: 'govuk-tag--green' },
      availabilityNote: 'Until 31 March 2026 · downloaded 1 time',
    })
    expect(once?.links.map((l) => l.text)).toEqual(['JSON', 'CSV'])
    const [twice] = staffRows([file(published)], { downloads: [['f-1', 2]] })
    expect(twice?.availabilityNote).toBe('Until 31 March 2026 · downloaded 2 times')
    const [never] = staffRows([file(published)], { downloads: [['other', 5]] })
    expect(never?.availabilityNote).toBe('Until 31 March 2026 · downloaded 0 times')
  })

  it('gives no links to an expired or revoked file, and says when it was until', () => {
    const [expired] = staffRows([file(published)], { at: after, downloads: [['f-1', 3]] })
    expect(expired).toMatchObject({
      tag: { text: 'Expired', classes: 'govuk-tag--grey' },
      availabilityNote: 'Was until 31 March 2026 · downloaded 3 times',
      links: [],
    })
    const [revoked] = staffRows([file({ ...published, revokedAt: '2026-03-05T10:00:00.000Z' })])
    expect(revoked).toMatchObject({
      tag: { text: 'Deleted on erasure', classes: 'govuk-tag--grey' },
      availabilityNote: 'Was until 31 March 2026 · downloaded 0 times',
      links: [],
    })
  })

  it('names an attachment by its file name, with its size, and a download link naming it', () => {
    const [row] = staffRows([attachment()])
    expect(row).toMatchObject({
      title: 'letter.pdf',
      detail: 'Attached 20 February 2026, 9:30am · 59 bytes',
      links: [{ href: '/files/f-att/file', text: 'Download', hiddenText: ' of letter.pdf' }],
    })
  })

  it('lets an unpublished attachment be removed only by someone who can remove', () => {
    expect(staffRows([attachment()], { canRemove: true })[0]?.removable).toBe(true)
    expect(staffRows([attachment()], { canRemove: false })[0]?.removable).toBe(false)
    expect(staffRows([attachment(published)], { canRemove: true })[0]?.removable).toBe(false)
    expect(staffRows([file()], { canRemove: true })[0]?.removable).toBe(false)
  })

  it('dates what was prepared in London time', () => {
    const [row] = staffRows([file({ createdAt: '2026-06-30T23:05:00.000Z' })])
    expect(row?.detail).toBe('Prepared 1 July 2026, 12:05am')
  })
})

describe('personFileRows', () => {
  it('hides drafts from the person', () => {
    const rows = personRows([file(), attachment(), file({ ...published, id: 'f-2' })])
    expect(rows.map((r) => r.id)).toEqual(['f-2'])
  })

  it('shows a sent answer until when, with links naming it', () => {
    expect(personRows([file(published)])).toEqual([
      {
        id: 'f-1',
        title: 'Our answer: the personal data we hold about you',
        availability: 'available',
        detail: 'Available until 31 March 2026',
        links: [
          {
            href: '/files/f-1/html',
            text: 'Web page (HTML)',
            hiddenText: ': Our answer: the personal data we hold about you',
          },
          {
            href: '/files/f-1/json',
            text: 'Data file (JSON)',
            hiddenText: ': Our answer: the personal data we hold about you',
          },
        ],
      },
    ])
    const [portable] = personRows([file({ ...published, kind: 'portability_data' })])
    expect(portable?.title).toBe('Your data in a reusable format')
    expect(portable?.links.map((l) => l.text)).toEqual(['Data file (JSON)', 'Spreadsheet (CSV)'])
  })

  it('shows a sent attachment by name, with its size and a download link', () => {
    expect(personRows([attachment(published)])).toEqual([
      {
        id: 'f-att',
        title: 'letter.pdf',
        availability: 'available',
        detail: 'Available until 31 March 2026 · 59 bytes',
        links: [{ href: '/files/f-att/file', text: 'Download', hiddenText: ': letter.pdf' }],
      },
    ])
  })

  it('says an expired file was available until its last day, with no links', () => {
    expect(personRows([file(published)], after)).toEqual([
      {
        id: 'f-1',
        title: 'Our answer: the personal data we hold about you',
        availability: 'expired',
        detail: 'Expired: it was available until 31 March 2026. Email us if you need it again.',
        links: [],
      },
    ])
  })

  it('says a revoked file was deleted on erasure, with no links', () => {
    const revoked = attachment({ ...published, revokedAt: '2026-03-05T10:00:00.000Z' })
    expect(personRows([revoked])).toEqual([
      {
        id: 'f-att',
        title: 'letter.pdf',
        availability: 'revoked',
        detail: 'Deleted: we erased the personal data it contained.',
        links: [],
      },
    ])
  })

  it('counts the last available day in London time: expired from the start of the next', () => {
    expect(personRows([file(published)], new Date('2026-03-31T22:59:59.000Z'))[0]?.availability).toBe(
      'available',
    )
    expect(personRows([file(published)], new Date(expiresAt))[0]?.availability).toBe('expired')
  })
})

describe('an attachment’s size, staff side and person side', () => {
  it.each([
    [59, '59 bytes'],
    [2048, '2 KB'],
    [3 * 1024 * 1024, '3 MB'],
    [1229, '1.2 KB'],
  ])('is the same words for %i bytes', (sizeBytes, label) => {
    const sent = attachment({ ...published, sizeBytes })
    const staff = staffRows([sent])[0]?.detail
    const person = personRows([sent])[0]?.detail
    expect(staff).toBe(`Attached 20 February 2026, 9:30am · ${label}`)
    expect(person).toBe(`Available until 31 March 2026 · ${label}`)
    expect(staff?.split(' · ')[1]).toBe(person?.split(' · ')[1])
  })
})

// What the person wrote -------------------------------------------------------------------------

describe('detailRowsOf', () => {
  const category = (
    key: string,
    lawfulBasis: DataCategory['lawfulBasis'],
    purpose: string,
  ): DataCategory => ({
    key,
    label: key.charAt(0).toUpperCase() + key.slice(1),
    purpose,
    lawfulBasis,
    specialCategory: false,
    heldIn: 'Survey platform',
    retentionRule: '6 months',
    linkedAfterExtraction: false,
  })
  const dataMap = [
    category('email', 'legitimate_interests', 'To send the voucher.'),
    category('answers', 'public_task', 'Research.'),
    category('ethnicity', 'consent', 'Demographic analysis.'),
  ]

  it('has no rows without details', () => {
    expect(detailRowsOf(null, dataMap)).toEqual([])
  })

  it('names the processing objected to as the data map names its purpose', () => {
    expect(
      detailRowsOf(
        { type: 'objection', processing: 'purpose:email', description: 'No more emails' },
        dataMap,
      ),
    ).toEqual([
      { label: 'What you object to', value: 'To send the voucher.' },
      { label: 'Your reasons', value: 'No more emails' },
    ])
    expect(detailRowsOf({ type: 'objection', processing: 'direct_marketing' }, dataMap)).toEqual([
      { label: 'What you object to', value: directMarketingChoice.label },
    ])
  })

  it('says the same rows about the person, not to them, on the case page', () => {
    expect(
      detailRowsOf(
        { type: 'objection', processing: 'purpose:email', description: 'No more emails' },
        dataMap,
        'staff',
      ),
    ).toEqual([
      { label: 'What they object to', value: 'To send the voucher.' },
      { label: 'Their reasons', value: 'No more emails' },
    ])
    expect(detailRowsOf({ type: 'restriction', ground: 'accuracy' }, dataMap, 'staff')).toEqual([
      { label: 'Reason', value: 'They think the data is not accurate' },
    ])
    const rows = detailRowsOf(
      { type: 'erasure', reason: 'Done with it', askRecipients: true },
      dataMap,
      'staff',
    )
    expect(rows.map((r) => r.label)).toEqual(['Why they want it deleted', 'Who we told'])
    expect(rows.map((r) => r.value).join(' ')).not.toMatch(/\byou\b/i)
  })

  it('names the consent withdrawn as the data map labels it', () => {
    expect(detailRowsOf({ type: 'withdraw_consent', consent: 'ethnicity' }, dataMap)).toEqual([
      { label: 'Consent you withdraw', value: 'Ethnicity' },
    ])
  })

  it('looks each field up in its own choices, and shows a value no longer in the map as it is', () => {
    // A consent choice is not an objection choice, nor the other way round.
    expect(detailRowsOf({ type: 'objection', processing: 'ethnicity' }, dataMap)).toEqual([
      { label: 'What you object to', value: 'ethnicity' },
    ])
    expect(detailRowsOf({ type: 'withdraw_consent', consent: 'direct_marketing' }, dataMap)).toEqual([
      { label: 'Consent you withdraw', value: 'direct_marketing' },
    ])
    expect(detailRowsOf({ type: 'objection', processing: 'purpose:gone' }, [])).toEqual([
      { label: 'What you object to', value: 'purpose:gone' },
    ])
  })

  it('words the other request types, leaving out what was not written', () => {
    expect(detailRowsOf({ type: 'access' }, dataMap)).toEqual([])
    expect(
      detailRowsOf({ type: 'rectification', inaccurate: 'My name', correction: 'Sam' }, dataMap),
    ).toEqual([
      { label: 'What is wrong', value: 'My name' },
      { label: 'What it should say', value: 'Sam' },
    ])
    expect(detailRowsOf({ type: 'restriction', ground: 'accuracy' }, dataMap)).toEqual([
      { label: 'Reason', value: 'You think the data is not accurate' },
    ])
  })
})

// Dates and times -------------------------------------------------------------------------------

describe('formatLondonDateTime', () => {
  it('shows a winter instant in GMT', () => {
    expect(formatLondonDateTime('2026-12-01T18:58:00.000Z')).toBe('1 December 2026, 6:58pm')
  })

  it('shows a summer instant an hour ahead, in BST', () => {
    expect(formatLondonDateTime('2026-07-15T08:30:00.000Z')).toBe('15 July 2026, 9:30am')
  })

  it('shows noon as 12pm in both seasons', () => {
    expect(formatLondonDateTime('2026-01-15T12:00:00.000Z')).toBe('15 January 2026, 12:00pm')
    expect(formatLondonDateTime('2026-07-15T11:00:00.000Z')).toBe('15 July 2026, 12:00pm')
  })

  it('shows just after midnight as 12am', () => {
    expect(formatLondonDateTime('2026-01-15T00:05:00.000Z')).toBe('15 January 2026, 12:05am')
  })

  it('moves a late-evening UTC instant in summer to the next London day', () => {
    expect(formatLondonDateTime('2026-06-30T23:05:00.000Z')).toBe('1 July 2026, 12:05am')
    expect(formatLondonDateTime('2026-12-31T23:30:00.000Z')).toBe('31 December 2026, 11:30pm')
  })

  it('takes a Date as well as a string', () => {
    expect(formatLondonDateTime(new Date('2026-03-29T01:00:00.000Z'))).toBe('29 March 2026, 2:00am')
  })
})

describe('files revoked before they were sent', () => {
  const revokedDraft = attachment({ revokedAt: '2026-03-05T10:00:00.000Z', revokeReason: 'erasure_request' })

  it('are never listed to the person', () => {
    expect(personRows([revokedDraft])).toEqual([])
  })

  it('cannot be removed from the answer by staff', () => {
    expect(staffRows([revokedDraft])[0]?.removable).toBe(false)
  })

  it('name a size just under a megabyte in megabytes', () => {
    expect(fileSizeLabel(1048575)).toBe('1 MB')
  })
})
