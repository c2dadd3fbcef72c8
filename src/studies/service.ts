import type { Knex } from 'knex'
import type { StaffUser } from '../domain/staff-user.js'
import { eventsFor, recordEvent, type StoredEvent } from '../audit/events.js'
import type { DataCategory } from '../domain/data-map.js'
import { NotFoundError, ValidationError } from '../errors.js'
import type { StudiesRepo, VersionedStudy } from './repo.js'
import type { StudyDetails } from '../domain/study.js'
import { categoryFields, studyDetailFields, type CategoryDetails } from './validation.js'

/** The study changed after the form was opened: nothing was saved. */
export class StaleStudyError extends Error {
  constructor() {
    super('The study changed since the form was opened')
    this.name = 'StaleStudyError'
  }
}

/** The category every email record is about; the data map cannot lose it. */
export const emailCategoryKey = 'email'

/**
 * Fields whose old and new values go into the event. Free text stays out: the notice and the
 * addresses are long, and the DPO's email address must never be in an event.
 */
const studyFieldsWithValues: ReadonlySet<keyof StudyDetails> = new Set([
  'privacyNoticeDate',
  'surveyClosesOn',
  'surveyExtensionMonths',
  'platformRetentionMonths',
  'voucherRetentionMonths',
  'acceptingRequests',
])
const categoryFieldsWithValues: ReadonlySet<keyof CategoryDetails> = new Set([
  'lawfulBasis',
  'specialCategory',
  'specialCategoryCondition',
  'linkedAfterExtraction',
])

type Change = { from: unknown; to: unknown }

const sameText = (a: unknown, b: unknown) =>
  typeof a === 'string' && typeof b === 'string'
    ? a.replace(/\r\n/g, '\n').trim() === b.replace(/\r\n/g, '\n').trim()
    : a === b

function differences<T extends object, K extends keyof T>(
  before: T,
  after: T,
  fields: readonly K[],
  withValues: ReadonlySet<K>,
): { fields: K[]; changes: Partial<Record<K, Change>> } {
  const changed = fields.filter((field) => !sameText(before[field], after[field]))
  const changes: Partial<Record<K, Change>> = {}
  for (const field of changed) {
    if (withValues.has(field)) changes[field] = { from: before[field], to: after[field] }
  }
  return { fields: changed, changes }
}

export type SaveOutcome = 'saved' | 'unchanged'

/** Administrators change a study and its data map; every change is an event in the same transaction. */
export function studiesService(deps: { db: Knex; studies: StudiesRepo; now: () => Date }) {
  const { db, studies } = deps
  const actorOf = (user: StaffUser) => ({ type: 'staff' as const, id: user.id })

  /**
   * Loads the study, claims it at the version the form was opened at (moving the version on), runs
   * the change and records its event, all in one transaction.
   */
  async function change(
    slug: string,
    expectedVersion: string,
    work: (trx: Knex, current: VersionedStudy, at: Date) => Promise<SaveOutcome>,
  ): Promise<SaveOutcome> {
    const at = deps.now()
    return db.transaction(async (trx) => {
      const current = await studies.findVersioned(trx, slug)
      if (!current) throw new NotFoundError()
      if (current.version !== expectedVersion) throw new StaleStudyError()
      return work(trx, current, at)
    })
  }

  async function claim(trx: Knex, current: VersionedStudy, at: Date, changes: Partial<StudyDetails> = {}) {
    if (!(await studies.update(trx, current.study.id, current.version, changes, at))) {
      throw new StaleStudyError()
    }
  }

  const subject = (current: VersionedStudy) => ({ type: 'study', id: current.study.id })

  return {
    /** The study as an edit form needs it: with its version and data map. */
    async load(slug: string): Promise<VersionedStudy & { dataMap: DataCategory[] }> {
      const current = await studies.findVersioned(db, slug)
      if (!current) throw new NotFoundError()
      return { ...current, dataMap: await studies.dataMapIn(db, current.study.id) }
    },

    /** The study's own events, newest first. */
    async recentChanges(studyId: string, limit = 10): Promise<StoredEvent[]> {
      const events = await eventsFor(db, { type: 'study', id: studyId })
      return events.reverse().slice(0, limit)
    },

    async updateDetails(
      actor: StaffUser,
      slug: string,
      expectedVersion: string,
      details: StudyDetails,
    ): Promise<SaveOutcome> {
      return change(slug, expectedVersion, async (trx, current, at) => {
        const diff = differences(
          current.study,
          { ...current.study, ...details },
          studyDetailFields,
          studyFieldsWithValues,
        )
        if (diff.fields.length === 0) return 'unchanged'
        const changes = Object.fromEntries(diff.fields.map((field) => [field, details[field]]))
        await claim(trx, current, at, changes)
        await recordEvent(
          trx,
          {
            actor: actorOf(actor),
            subject: subject(current),
            kind: 'study.updated',
            data: { fields: diff.fields, changes: diff.changes },
          },
          at,
        )
        return 'saved'
      })
    },

    async addCategory(
      actor: StaffUser,
      slug: string,
      expectedVersion: string,
      category: DataCategory,
    ): Promise<SaveOutcome> {
      return change(slug, expectedVersion, async (trx, current, at) => {
        const dataMap = await studies.dataMapIn(trx, current.study.id)
        if (dataMap.some((c) => c.key === category.key)) {
          throw new ValidationError([
            {
              field: 'key',
              href: '#key',
              text: `This study already has data with the key “${category.key}”: enter a different key`,
            },
          ])
        }
        await claim(trx, current, at)
        await studies.addCategory(trx, current.study.id, category)
        await recordEvent(
          trx,
          {
            actor: actorOf(actor),
            subject: subject(current),
            kind: 'study.category_added',
            data: { key: category.key, lawfulBasis: category.lawfulBasis },
          },
          at,
        )
        return 'saved'
      })
    },

    async updateCategory(
      actor: StaffUser,
      slug: string,
      key: string,
      expectedVersion: string,
      details: CategoryDetails,
    ): Promise<SaveOutcome> {
      return change(slug, expectedVersion, async (trx, current, at) => {
        const before = (await studies.dataMapIn(trx, current.study.id)).find((c) => c.key === key)
        if (!before) throw new NotFoundError()
        const after: DataCategory = { ...details, key }
        const diff = differences(before, after, categoryFields, categoryFieldsWithValues)
        if (diff.fields.length === 0) return 'unchanged'
        await claim(trx, current, at)
        await studies.updateCategory(trx, current.study.id, after)
        await recordEvent(
          trx,
          {
            actor: actorOf(actor),
            subject: subject(current),
            kind: 'study.category_updated',
            data: { key, fields: diff.fields, changes: diff.changes },
          },
          at,
        )
        return 'saved'
      })
    },

    async removeCategory(
      actor: StaffUser,
      slug: string,
      key: string,
      expectedVersion: string,
    ): Promise<DataCategory> {
      let removed: DataCategory | undefined
      await change(slug, expectedVersion, async (trx, current, at) => {
        const dataMap = await studies.dataMapIn(trx, current.study.id)
        removed = dataMap.find((c) => c.key === key)
        if (!removed) throw new NotFoundError()
        if (key === emailCategoryKey) {
          throw new ValidationError([
            {
              field: 'key',
              href: '#remove',
              text: 'The email address cannot be removed: every email record is about it',
            },
          ])
        }
        await claim(trx, current, at)
        await studies.removeCategory(trx, current.study.id, key)
        await recordEvent(
          trx,
          {
            actor: actorOf(actor),
            subject: subject(current),
            kind: 'study.category_removed',
            data: { key },
          },
          at,
        )
        return 'saved'
      })
      return removed as DataCategory
    },
  }
}

export type StudiesService = ReturnType<typeof studiesService>
