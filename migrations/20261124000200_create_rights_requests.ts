import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('rights_requests', (t) => {
    t.string('id', 36).primary()
    t.string('study_id', 36).notNullable().references('id').inTable('studies')
    t.string('reference', 20).nullable().unique()
    t.string('type', 20).notNullable()
    t.string('status', 30).notNullable()
    t.string('channel', 20).notNullable().defaultTo('web')
    // Contact details are removed when a request is purged; the HMAC is what lookups use.
    t.string('email', 320).nullable()
    t.string('email_hmac', 64).nullable()
    t.string('requester_name', 200).nullable()
    t.text('details').nullable()
    t.string('received_at', 30).notNullable()
    t.string('received_on', 10).notNullable()
    t.string('confirmed_at', 30).nullable()
    t.string('clock_start_on', 10).nullable()
    t.string('due_on', 10).nullable()
    t.string('extended_due_on', 10).nullable()
    t.integer('paused_days').notNullable().defaultTo(0)
    t.string('closed_at', 30).nullable()
    t.string('close_reason', 30).nullable()
    t.string('duplicate_of', 36).nullable().references('id').inTable('rights_requests')
    t.integer('version').notNullable().defaultTo(1)
    t.string('created_at', 30).notNullable()
    t.string('updated_at', 30).notNullable()
    // The queue reads open requests by deadline; keyset pagination walks (due_on, id).
    t.index(['status', 'due_on', 'id'], 'rights_requests_queue_idx')
    t.index(['due_on', 'id'], 'rights_requests_due_idx')
    t.index(['email_hmac', 'type'], 'rights_requests_email_type_idx')
    t.index(['status', 'created_at'], 'rights_requests_status_created_idx')
  })
  await knex.schema.createTable('request_links', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('purpose', 20).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.string('expires_at', 30).nullable()
    t.string('used_at', 30).nullable()
    t.string('created_at', 30).notNullable()
    t.index(['request_id', 'purpose'])
  })
  await knex.schema.createTable('reference_counters', (t) => {
    t.integer('year').primary()
    t.integer('last_number').notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('reference_counters')
  await knex.schema.dropTable('request_links')
  await knex.schema.dropTable('rights_requests')
}
