import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('studies', (t) => {
    t.string('id', 36).primary()
    t.string('slug', 80).notNullable().unique()
    t.string('title', 300).notNullable()
    t.string('controller_name', 300).notNullable()
    t.text('controller_address').notNullable()
    t.string('dpo_email', 320).notNullable()
    t.text('privacy_notice_text').notNullable()
    t.string('privacy_notice_date', 10).notNullable()
    t.string('survey_closes_on', 10).notNullable()
    t.integer('survey_extension_months').notNullable().defaultTo(0)
    t.boolean('accepting_requests').notNullable().defaultTo(true)
    t.string('created_at', 30).notNullable()
    t.string('updated_at', 30).notNullable()
  })
  await knex.schema.createTable('study_data_categories', (t) => {
    t.string('id', 36).primary()
    t.string('study_id', 36).notNullable().references('id').inTable('studies').onDelete('CASCADE')
    t.string('key', 60).notNullable()
    t.string('label', 200).notNullable()
    t.text('purpose').notNullable()
    t.string('lawful_basis', 30).notNullable()
    t.boolean('special_category').notNullable().defaultTo(false)
    t.text('held_in').notNullable()
    t.text('retention_rule').notNullable()
    t.boolean('linked_after_extraction').notNullable().defaultTo(false)
    t.integer('position').notNullable().defaultTo(0)
    t.unique(['study_id', 'key'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('study_data_categories')
  await knex.schema.dropTable('studies')
}
