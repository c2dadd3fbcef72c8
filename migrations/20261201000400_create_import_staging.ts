import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // The rows of an import in progress, written in short batches and moved into email_records in
  // one final step, so nothing shows until the whole file is in (docs/decisions/0011).
  await knex.schema.createTable('import_staging', (t) => {
    t.string('import_id', 36).notNullable()
    t.integer('seq').notNullable()
    // 'create' a record with this id, or 'update' the dates of the record with this id.
    t.string('action', 10).notNullable()
    t.string('record_id', 36).notNullable()
    // Only for a new record: an update never touches the address.
    t.string('email', 320).nullable()
    t.string('email_hmac', 64).nullable()
    t.string('participated_on', 10).nullable()
    t.string('voucher_sent_on', 10).nullable()
    t.string('extracted_on', 10).nullable()
    t.string('staged_at', 30).notNullable()
    t.primary(['import_id', 'seq'])
    t.index(['import_id', 'record_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('import_staging')
}
