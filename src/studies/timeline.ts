import type { StoredEvent } from '../audit/events.js'
import { formatLongDate, isIsoDate } from '../domain/clock.js'
import {
  isSpecialCategoryCondition,
  lawfulBasisLabels,
  specialCategoryConditions,
  type DataCategory,
  type LawfulBasis,
} from '../domain/data-map.js'
import type { StudyDetails } from '../domain/study.js'
import type { CategoryDetails } from './validation.js'

/** How each field of a study is named on its pages and in its history. */
export const studyFieldLabels: Record<keyof StudyDetails, string> = {
  title: 'Title',
  controllerName: 'Controller',
  controllerAddress: 'Controller’s address',
  dpoEmail: 'Data Protection Officer’s email address',
  privacyNoticeText: 'Privacy notice text',
  privacyNoticeDate: 'Privacy notice date',
  surveyClosesOn: 'Survey closes',
  surveyExtensionMonths: 'Allowed extension',
  platformRetentionMonths: 'Kept on the survey platform after it closes',
  voucherRetentionMonths: 'Voucher correspondence kept after the voucher is sent',
  acceptingRequests: 'Accepting requests',
  recipients: 'Recipients',
  internationalTransfers: 'Transfers outside the UK',
}

export const categoryFieldLabels: Record<keyof CategoryDetails, string> = {
  label: 'Name',
  purpose: 'Purpose',
  lawfulBasis: 'Lawful basis',
  specialCategory: 'Special category',
  specialCategoryCondition: 'Article 9 condition',
  heldIn: 'Where it is held',
  retentionRule: 'Retention rule',
  linkedAfterExtraction: 'Linked after extraction',
}

export interface TimelineEntry {
  title: string
  actor: string
  at: string
  detail?: string
}

export function monthsText(months: number): string {
  return months === 1 ? '1 month' : `${months} months`
}

function valueText(field: string, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  if (typeof value === 'number') return field.endsWith('Months') ? monthsText(value) : String(value)
  if (typeof value === 'string') {
    if (isIsoDate(value)) return formatLongDate(value)
    if (field === 'lawfulBasis' && Object.hasOwn(lawfulBasisLabels, value)) {
      return lawfulBasisLabels[value as LawfulBasis]
    }
    if (field === 'specialCategoryCondition' && isSpecialCategoryCondition(value)) {
      return specialCategoryConditions[value]
    }
    return value
  }
  return ''
}

function describeChanges(data: Record<string, unknown>, labels: Record<string, string>): string {
  const fields = Array.isArray(data.fields)
    ? data.fields.filter((f): f is string => typeof f === 'string')
    : []
  const changes = (data.changes ?? {}) as Record<string, { from?: unknown; to?: unknown } | undefined>
  return fields
    .map((field) => {
      const name = labels[field] ?? field
      const change = changes[field]
      return change ? `${name}: ${valueText(field, change.from)} → ${valueText(field, change.to)}` : name
    })
    .join('; ')
}

const count = (value: unknown) => (typeof value === 'number' ? value : 0)

/** A study's recent events, in words, for the study page. */
export function studyTimeline(
  events: StoredEvent[],
  staffNames: Map<string, string>,
  dataMap: DataCategory[],
): TimelineEntry[] {
  const labelOf = (key: unknown) => {
    const text = typeof key === 'string' ? key : ''
    return dataMap.find((c) => c.key === text)?.label ?? text
  }
  return events.map((event) => {
    const actor =
      event.actor.type === 'staff' ? (staffNames.get(event.actor.id ?? '') ?? 'Staff') : 'The system'
    const base = { actor, at: event.occurredAt }
    switch (event.kind) {
      case 'study.updated':
        return {
          ...base,
          title: 'Study details changed',
          detail: describeChanges(event.data, studyFieldLabels),
        }
      case 'study.category_added':
        return {
          ...base,
          title: `Data added: ${labelOf(event.data.key)}`,
          detail: `Lawful basis: ${valueText('lawfulBasis', event.data.lawfulBasis)}`,
        }
      case 'study.category_updated':
        return {
          ...base,
          title: `Data changed: ${labelOf(event.data.key)}`,
          detail: describeChanges(event.data, categoryFieldLabels),
        }
      case 'study.category_removed':
        return { ...base, title: `Data removed: ${labelOf(event.data.key)}` }
      case 'records.imported':
        return {
          ...base,
          title: 'Email records imported',
          detail: `${count(event.data.rows) === 1 ? '1 row' : `${count(event.data.rows)} rows`}: ${count(event.data.created)} new, ${count(event.data.updated)} updated, ${count(event.data.unchanged)} unchanged.`,
        }
      default:
        return { ...base, title: event.kind }
    }
  })
}
