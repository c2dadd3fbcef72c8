import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Only templates an administrator has edited are stored; the rest use the built-in wording.
  await knex.schema.createTable('message_templates', (t) => {
    t.string('key', 60).primary()
    t.text('body').notNullable()
    t.string('updated_at', 30).notNullable()
    t.string('updated_by', 36).nullable().references('id').inTable('staff_users')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('message_templates')
}
