import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.boolean('extended').notNullable().defaultTo(false)
    t.text('extension_reason').nullable()
    t.string('pause_kind', 20).nullable()
    t.string('paused_since', 10).nullable()
    t.string('outcome', 30).nullable()
    t.text('outcome_reason').nullable()
  })
  await knex.schema.createTable('request_messages', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('direction', 20).notNullable()
    t.string('kind', 40).notNullable()
    t.string('subject', 300).nullable()
    t.text('body').notNullable()
    t.string('author_id', 36).nullable().references('id').inTable('staff_users')
    t.string('created_at', 30).notNullable()
    t.index(['request_id', 'created_at'])
  })
  await knex.schema.createTable('request_notes', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('author_id', 36).notNullable().references('id').inTable('staff_users')
    t.text('body').notNullable()
    t.string('created_at', 30).notNullable()
    t.index(['request_id', 'created_at'])
  })
  await knex.schema.createTable('request_tasks', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('title', 300).notNullable()
    t.string('created_by', 36).nullable().references('id').inTable('staff_users')
    t.string('created_at', 30).notNullable()
    t.string('done_at', 30).nullable()
    t.string('done_by', 36).nullable().references('id').inTable('staff_users')
    t.text('done_note').nullable()
    t.index(['request_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_tasks')
  await knex.schema.dropTable('request_notes')
  await knex.schema.dropTable('request_messages')
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropColumn('outcome_reason')
    t.dropColumn('outcome')
    t.dropColumn('paused_since')
    t.dropColumn('pause_kind')
    t.dropColumn('extension_reason')
    t.dropColumn('extended')
  })
}
