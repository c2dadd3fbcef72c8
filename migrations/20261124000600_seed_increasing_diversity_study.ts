import type { Knex } from 'knex'
import { privacyNoticeText } from './seed-data/privacy-notice-increasing-diversity.js'

// The first configured study, transcribed from its privacy notice (last modified 16 June 2021).
const studyId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0001'
const now = '2026-11-24T00:00:00.000Z'

const surveyHolding =
  'The pre-approved online survey platform while the survey runs; after extraction, the anonymised extract in our secure data archive (ONS Secure Research Service).'
const anonymisedRetention =
  'Email addresses are removed on extraction from the survey platform, so the extract is anonymous; the anonymised data stays in the ONS Secure Research Service archive indefinitely.'

const categories = [
  {
    key: 'email',
    label: 'Email address',
    purpose: 'To send you a voucher for taking part in the survey and resolve any issues with it.',
    lawful_basis: 'legitimate_interests',
    special_category: false,
    held_in:
      'The survey platform, and our correspondence with you about your voucher. It is not part of the survey data.',
    retention_rule:
      'Survey platform: deleted up to 6 months after the survey closes. Voucher correspondence: kept for 2 months after the voucher was sent.',
    linked_after_extraction: false,
  },
  {
    key: 'occupation',
    label: 'Occupation',
    purpose:
      'Research to strengthen the effectiveness of the social care profession and to analyse a recruitment-based survey of the sector.',
    lawful_basis: 'public_task',
    special_category: false,
    held_in: surveyHolding,
    retention_rule: anonymisedRetention,
    linked_after_extraction: false,
  },
  {
    key: 'sex',
    label: 'Sex',
    purpose:
      'Research to strengthen the effectiveness of the social care profession and to analyse a recruitment-based survey of the sector.',
    lawful_basis: 'public_task',
    special_category: false,
    held_in: surveyHolding,
    retention_rule: anonymisedRetention,
    linked_after_extraction: false,
  },
  {
    key: 'age',
    label: 'Age',
    purpose:
      'Research to strengthen the effectiveness of the social care profession and to analyse a recruitment-based survey of the sector.',
    lawful_basis: 'public_task',
    special_category: false,
    held_in: surveyHolding,
    retention_rule: anonymisedRetention,
    linked_after_extraction: false,
  },
  {
    key: 'ethnicity',
    label: 'Ethnicity',
    purpose: 'Demographic analysis in the research.',
    lawful_basis: 'consent',
    special_category: true,
    held_in: surveyHolding,
    retention_rule: anonymisedRetention,
    linked_after_extraction: false,
  },
  {
    key: 'survey_answers',
    label: 'Answers to the survey questions',
    purpose:
      'Research to strengthen the effectiveness of the social care profession and to analyse a recruitment-based survey of the sector.',
    lawful_basis: 'public_task',
    special_category: false,
    held_in: surveyHolding,
    retention_rule: anonymisedRetention,
    linked_after_extraction: false,
  },
]

export async function up(knex: Knex): Promise<void> {
  await knex('studies').insert({
    id: studyId,
    slug: 'increasing-diversity-in-social-work-management',
    title: 'Increasing Diversity in Social Work Management – Online Studies',
    controller_name: "What Works for Children's Social Care",
    controller_address: 'The Evidence Quarter, Albany House, Westminster, SW1H 9EA',
    dpo_email: 'dpo@whatworks-csc.org.uk',
    privacy_notice_text: privacyNoticeText,
    privacy_notice_date: '2021-06-16',
    survey_closes_on: '2021-08-31',
    survey_extension_months: 12,
    accepting_requests: true,
    created_at: now,
    updated_at: now,
  })
  await knex('study_data_categories').insert(
    categories.map((category, position) => ({
      id: `5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e01${String(position).padStart(2, '0')}`,
      study_id: studyId,
      position,
      ...category,
    })),
  )
}

export async function down(knex: Knex): Promise<void> {
  await knex('study_data_categories').where({ study_id: studyId }).delete()
  await knex('studies').where({ id: studyId }).delete()
}
