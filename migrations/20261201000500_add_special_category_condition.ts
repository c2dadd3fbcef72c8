import type { Knex } from 'knex'

const seedStudyId = '5b0f7d0e-4a1e-4c9b-9d3e-2a6f1c7e0001'

export async function up(knex: Knex): Promise<void> {
  // Special category data needs an Art. 9(2) condition beside its lawful basis.
  await knex.schema.alterTable('study_data_categories', (t) => {
    t.string('special_category_condition', 40).nullable()
  })
  // The first study asks for ethnicity only from those who choose to answer the question, having
  // been told beforehand (privacy notice of 16 June 2021): explicit consent.
  await knex('study_data_categories')
    .where({ study_id: seedStudyId, key: 'ethnicity' })
    .update({ special_category_condition: 'explicit_consent' })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('study_data_categories', (t) => {
    t.dropColumn('special_category_condition')
  })
}
