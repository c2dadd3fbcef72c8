import type { Knex } from 'knex'
import type { DataCategory, LawfulBasis } from '../domain/data-map.js'

export interface Study {
  id: string
  slug: string
  title: string
  controllerName: string
  controllerAddress: string
  dpoEmail: string
  privacyNoticeText: string
  privacyNoticeDate: string
  surveyClosesOn: string
  surveyExtensionMonths: number
  platformRetentionMonths: number
  voucherRetentionMonths: number
  acceptingRequests: boolean
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
}

interface CategoryRow {
  study_id: string
  position: number
  key: string
  label: string
  purpose: string
  lawful_basis: LawfulBasis
  special_category: boolean | number
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
})

const toCategory = (row: CategoryRow): DataCategory => ({
  key: row.key,
  label: row.label,
  purpose: row.purpose,
  lawfulBasis: row.lawful_basis,
  specialCategory: Boolean(row.special_category),
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
    async findById(id: string): Promise<Study | undefined> {
      const row = await db<StudyRow>('studies').where({ id }).first()
      return row && toStudy(row)
    },
    async dataMap(studyId: string): Promise<DataCategory[]> {
      const rows = await db<CategoryRow>('study_data_categories')
        .where({ study_id: studyId })
        .orderBy('position')
      return rows.map(toCategory)
    },
  }
}

export type StudiesRepo = ReturnType<typeof studiesRepo>
