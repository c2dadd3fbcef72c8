import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('email_records', (t) => {
    t.string('id', 36).primary()
    t.string('study_id', 36).notNullable().references('id').inTable('studies')
    // Null once erased; the HMAC stays as the tombstone's key.
    t.string('email', 320).nullable()
    t.string('email_hmac', 64).notNullable()
    t.string('participated_on', 10).nullable()
    t.string('voucher_sent_on', 10).nullable()
    t.string('extracted_on', 10).nullable()
    t.string('platform_deleted_on', 10).nullable()
    t.string('voucher_deleted_on', 10).nullable()
    t.string('erased_on', 10).nullable()
    t.string('erasure_reason', 30).nullable()
    t.string('restricted_since', 10).nullable()
    t.string('created_at', 30).notNullable()
    t.string('updated_at', 30).notNullable()
    t.integer('version').notNullable().defaultTo(1)
    t.unique(['study_id', 'email_hmac'])
    t.index(['email_hmac'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('email_records')
}
