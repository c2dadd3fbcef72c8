import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Work on systems the portal cannot reach (the survey platform, a mailbox), created when an
  // address is deleted and listed for administrators until ticked off.
  await knex.schema.createTable('record_tasks', (t) => {
    t.string('id', 36).primary()
    t.string('record_id', 36).notNullable().references('id').inTable('email_records')
    t.string('study_id', 36).notNullable().references('id').inTable('studies')
    t.string('holding', 40).notNullable()
    t.string('title', 300).notNullable()
    t.string('created_at', 30).notNullable()
    t.string('done_at', 30).nullable()
    t.string('done_by', 36).nullable().references('id').inTable('staff_users')
    t.text('done_note').nullable()
    t.index(['done_at', 'created_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('record_tasks')
}
