import type { Knex } from 'knex'
import type { Study, StudyDetails } from '../domain/study.js'
import { isSpecialCategoryCondition, type DataCategory, type LawfulBasis } from '../domain/data-map.js'
import { newId } from '../security/tokens.js'

/** A study with the moment it last changed, which an edit form carries to detect a concurrent change. */
export interface VersionedStudy {
  study: Study
  version: string
}

const studyColumns: Record<keyof StudyDetails, keyof StudyRow> = {
  title: 'title',
  controllerName: 'controller_name',
  controllerAddress: 'controller_address',
  dpoEmail: 'dpo_email',
  privacyNoticeText: 'privacy_notice_text',
  privacyNoticeDate: 'privacy_notice_date',
  surveyClosesOn: 'survey_closes_on',
  surveyExtensionMonths: 'survey_extension_months',
  platformRetentionMonths: 'platform_retention_months',
  voucherRetentionMonths: 'voucher_retention_months',
  acceptingRequests: 'accepting_requests',
  recipients: 'recipients',
  internationalTransfers: 'international_transfers',
}

interface StudyRow {
  id: string
  slug: string
  title: string
  controller_name: string
  controller_address: string
  dpo_email: string
  privacy_notice_text: string
  privacy_notice_date: string
  survey_closes_on: string
  survey_extension_months: number
  platform_retention_months?: number
  voucher_retention_months?: number
  accepting_requests: boolean | number
  recipients?: string
  international_transfers?: string
  updated_at?: string
}

interface CategoryRow {
  study_id: string
  position: number
  key: string
  label: string
  purpose: string
  lawful_basis: LawfulBasis
  special_category: boolean | number
  special_category_condition: string | null
  held_in: string
  retention_rule: string
  linked_after_extraction: boolean | number
}

const toStudy = (row: StudyRow): Study => ({
  id: row.id,
  slug: row.slug,
  title: row.title,
  controllerName: row.controller_name,
  controllerAddress: row.controller_address,
  dpoEmail: row.dpo_email,
  privacyNoticeText: row.privacy_notice_text,
  privacyNoticeDate: row.privacy_notice_date,
  surveyClosesOn: row.survey_closes_on,
  surveyExtensionMonths: Number(row.survey_extension_months),
  platformRetentionMonths: Number(row.platform_retention_months ?? 6),
  voucherRetentionMonths: Number(row.voucher_retention_months ?? 2),
  acceptingRequests: Boolean(row.accepting_requests),
  recipients: row.recipients ?? '',
  internationalTransfers: row.international_transfers ?? '',
})

const toCategory = (row: CategoryRow): DataCategory => ({
  key: row.key,
  label: row.label,
  purpose: row.purpose,
  lawfulBasis: row.lawful_basis,
  specialCategory: Boolean(row.special_category),
  specialCategoryCondition: isSpecialCategoryCondition(row.special_category_condition)
    ? row.special_category_condition
    : null,
  heldIn: row.held_in,
  retentionRule: row.retention_rule,
  linkedAfterExtraction: Boolean(row.linked_after_extraction),
})

export function studiesRepo(db: Knex) {
  return {
    async listAccepting(): Promise<Study[]> {
      const rows = await db<StudyRow>('studies').where({ accepting_requests: true }).orderBy('title')
      return rows.map(toStudy)
    },
    async listAll(): Promise<Study[]> {
      const rows = await db<StudyRow>('studies').orderBy('title')
      return rows.map(toStudy)
    },
    async findBySlug(slug: string): Promise<Study | undefined> {
      const row = await db<StudyRow>('studies').where({ slug }).first()
      return row && toStudy(row)
    },
    async findById(id: string, trx: Knex = db): Promise<Study | undefined> {
      const row = await trx<StudyRow>('studies').where({ id }).first()
      return row && toStudy(row)
    },
    async dataMap(studyId: string): Promise<DataCategory[]> {
      const rows = await db<CategoryRow>('study_data_categories')
        .where({ study_id: studyId })
        .orderBy('position')
      return rows.map(toCategory)
    },

    // Writes to a study and its data map, each inside the caller's transaction.
    async findVersioned(trx: Knex, slug: string): Promise<VersionedStudy | undefined> {
      const row = await trx<StudyRow>('studies').where({ slug }).first()
      return row && { study: toStudy(row), version: String(row.updated_at) }
    },

    async dataMapIn(trx: Knex, studyId: string): Promise<DataCategory[]> {
      const rows = await trx<CategoryRow>('study_data_categories')
        .where({ study_id: studyId })
        .orderBy('position')
      return rows.map(toCategory)
    },

    /**
     * Applies the changes and moves the version on, only if the study is still at the version the
     * form was opened at. False when someone else changed it first.
     */
    async update(
      trx: Knex,
      studyId: string,
      expectedVersion: string,
      changes: Partial<StudyDetails>,
      at: Date,
    ): Promise<boolean> {
      const row: Record<string, unknown> = { updated_at: at.toISOString() }
      for (const [field, value] of Object.entries(changes)) {
        row[studyColumns[field as keyof StudyDetails]] = value
      }
      const updated = await trx('studies').where({ id: studyId, updated_at: expectedVersion }).update(row)
      return updated === 1
    },

    async addCategory(trx: Knex, studyId: string, category: DataCategory): Promise<void> {
      const last = await trx<CategoryRow>('study_data_categories')
        .where({ study_id: studyId })
        .max<{ position: number | string | null }>('position as position')
        .first()
      await trx('study_data_categories').insert({
        id: newId(),
        study_id: studyId,
        position: last?.position === null || last?.position === undefined ? 0 : Number(last.position) + 1,
        ...categoryRow(category),
      })
    },

    async updateCategory(trx: Knex, studyId: string, category: DataCategory): Promise<void> {
      await trx('study_data_categories')
        .where({ study_id: studyId, key: category.key })
        .update(categoryRow(category))
    },

    async removeCategory(trx: Knex, studyId: string, key: string): Promise<void> {
      await trx('study_data_categories').where({ study_id: studyId, key }).delete()
    },
  }
}

function categoryRow(category: DataCategory) {
  return {
    key: category.key,
    label: category.label,
    purpose: category.purpose,
    lawful_basis: category.lawfulBasis,
    special_category: category.specialCategory,
    special_category_condition: category.specialCategory ? (category.specialCategoryCondition ?? null) : null,
    held_in: category.heldIn,
    retention_rule: category.retentionRule,
    linked_after_extraction: category.linkedAfterExtraction,
  }
}

export type StudiesRepo = ReturnType<typeof studiesRepo>
