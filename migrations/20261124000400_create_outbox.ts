import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('outbox', (t) => {
    t.string('id', 36).primary()
    t.string('kind', 40).notNullable()
    t.string('request_id', 36).nullable()
    t.string('to_address', 320).nullable()
    t.string('subject', 300).notNullable()
    t.text('text_body').nullable()
    t.text('html_body').nullable()
    t.string('status', 20).notNullable()
    t.integer('attempts').notNullable().defaultTo(0)
    t.string('next_attempt_at', 30).notNullable()
    // A sender claims a message until this time, so two instances never send it twice.
    t.string('locked_until', 30).nullable()
    t.text('last_error').nullable()
    t.string('created_at', 30).notNullable()
    t.string('sent_at', 30).nullable()
    t.index(['status', 'next_attempt_at'])
    t.index(['request_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('outbox')
}
