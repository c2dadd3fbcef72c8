import { formatLondonDateTime, formatLongDate } from '../domain/clock.js'
import { fileSizeLabel } from '../domain/file-size.js'
import type { StoredEvent } from '../audit/events.js'
import { availabilityOf, type Availability, type RequestFile } from './files.js'

export { fileSizeLabel }

export interface Tag {
  text: string
  classes: string
}

export interface FileLink {
  href: string
  text: string
  /** Read out by a screen reader after the text, so each link names its file. */
  hiddenText: string
}

const staffTitles: Record<RequestFile['kind'], string | null> = {
  access_answer: 'Access answer (Article 15)',
  portability_data: 'Portable data (Article 20)',
  attachment: null,
}

const personTitles: Record<RequestFile['kind'], string | null> = {
  access_answer: 'Our answer: the personal data we hold about you',
  portability_data: 'Your data in a reusable format',
  attachment: null,
}

const staffTags: Record<Availability, Tag> = {
  draft: { text: 'Draft: only staff can see it', classes: 'govuk-tag--grey' },
  available: { text: 'Sent: the person can download it', classes: 'govuk-tag--green' },
  expired: { text: 'Expired', classes: 'govuk-tag--grey' },
  revoked: { text: 'Deleted on erasure', classes: 'govuk-tag--grey' },
}

const formatNames: Record<string, string> = {
  html: 'Web page (HTML)',
  json: 'Data file (JSON)',
  csv: 'Spreadsheet (CSV)',
  file: 'Download',
}

export interface StaffFileRow {
  id: string
  title: string
  /** When it was prepared or attached, in UK time, and its size for an attachment. */
  detail: string
  tag: Tag
  availabilityNote: string | null
  links: FileLink[]
  removable: boolean
}

/** The answer's files as the case page lists them. */
export function staffFileRows(
  files: RequestFile[],
  options: {
    at: Date
    downloads: ReadonlyMap<string, number>
    formatsOf: Record<RequestFile['kind'], readonly string[]>
    hrefOf: (file: RequestFile, format: string) => string
    canRemove: boolean
  },
): StaffFileRow[] {
  return files.map((file) => {
    const availability = availabilityOf(file, options.at)
    const title = staffTitles[file.kind] ?? file.filename
    const downloads = options.downloads.get(file.id) ?? 0
    const openable = availability === 'draft' || availability === 'available'
    return {
      id: file.id,
      title,
      detail: `${file.kind === 'attachment' ? 'Attached' : 'Prepared'} ${formatLondonDateTime(file.createdAt)}${
        file.kind === 'attachment' ? ` · ${fileSizeLabel(file.sizeBytes)}` : ''
      }`,
      tag: staffTags[availability],
      availabilityNote:
        file.expiresAt && file.availableUntil
          ? `${availability === 'available' ? 'Until' : 'Was until'} ${formatLongDate(file.availableUntil)} · downloaded ${downloads} ${downloads === 1 ? 'time' : 'times'}`
          : null,
      links: openable
        ? options.formatsOf[file.kind].map((format) => ({
            href: options.hrefOf(file, format),
            text: format === 'file' ? 'Download' : format.toUpperCase(),
            hiddenText: ` of ${title}`,
          }))
        : [],
      removable: options.canRemove && file.kind === 'attachment' && availability === 'draft',
    }
  })
}

export interface PersonFileRow {
  id: string
  title: string
  availability: Exclude<Availability, 'draft'>
  /** Until when it can be downloaded, with its size for an attachment. */
  detail: string
  links: FileLink[]
}

/** The answer's files as the person's status page lists them: only what was sent. */
export function personFileRows(
  files: RequestFile[],
  options: {
    at: Date
    formatsOf: Record<RequestFile['kind'], readonly string[]>
    hrefOf: (file: RequestFile, format: string) => string
  },
): PersonFileRow[] {
  return files.flatMap((file) => {
    const availability = availabilityOf(file, options.at)
    // What was never sent is not the person's to see, even once an erasure revoked it.
    if (availability === 'draft' || !file.publishedAt) return []
    const title = personTitles[file.kind] ?? file.filename
    const until = file.availableUntil ? formatLongDate(file.availableUntil) : ''
    return [
      {
        id: file.id,
        title,
        availability,
        detail:
          availability === 'available'
            ? `Available until ${until}${file.kind === 'attachment' ? ` · ${fileSizeLabel(file.sizeBytes)}` : ''}`
            : availability === 'revoked'
              ? 'Deleted: we erased the personal data it contained.'
              : `Expired: it was available until ${until}. Email us if you need it again.`,
        links:
          availability === 'available'
            ? options.formatsOf[file.kind].map((format) => ({
                href: options.hrefOf(file, format),
                text: formatNames[format] ?? format,
                hiddenText: `: ${title}`,
              }))
            : [],
      },
    ]
  })
}

/**
 * What changed on the case after the answer was last prepared, so that it must be prepared again to
 * include it: a file attached or removed, or a search logged. Null when nothing did, or when there
 * is no prepared answer. Events are oldest first, as the trail holds them.
 */
export function changedSincePrepared(events: StoredEvent[]): 'attached' | 'removed' | 'searched' | null {
  let change: 'attached' | 'removed' | 'searched' | null = null
  let prepared = false
  for (const event of events) {
    if (event.kind === 'case.answer_prepared') {
      prepared = true
      change = null
    } else if (prepared && event.kind === 'case.file_attached') change = 'attached'
    else if (prepared && event.kind === 'case.file_removed') change = 'removed'
    else if (prepared && event.kind === 'case.search_logged') change = 'searched'
    else if (event.kind === 'case.completed' || event.kind === 'case.refused') prepared = false
  }
  return change
}
