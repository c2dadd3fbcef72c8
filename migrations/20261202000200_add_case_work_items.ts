import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Tasks the rights rules create, not only those staff type: a correction on the survey platform,
  // stopping consent-based processing, the Art. 17(1)(b) question, telling each recipient (Art. 19).
  // `kind` says which rule made the task and `subject` what it is about (a data category, or the
  // recipient as the study lists it); `resolution` is how it was ticked off.
  await knex.schema.alterTable('request_tasks', (t) => {
    t.string('kind', 30).nullable()
    t.text('subject').nullable()
    t.string('resolution', 30).nullable()
  })
  // A supplementary statement the person gave for incomplete data (Art. 16), kept with the record
  // it completes and erased with it.
  await knex.schema.createTable('record_supplements', (t) => {
    t.string('id', 36).primary()
    t.string('record_id', 36).notNullable().references('id').inTable('email_records')
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('category', 60).notNullable()
    t.text('statement').notNullable()
    t.string('added_by', 36).nullable().references('id').inTable('staff_users')
    t.string('added_at', 30).notNullable()
    t.index(['record_id'])
    t.index(['request_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('record_supplements')
  await knex.schema.alterTable('request_tasks', (t) => {
    t.dropColumn('kind')
    t.dropColumn('subject')
    t.dropColumn('resolution')
  })
}
