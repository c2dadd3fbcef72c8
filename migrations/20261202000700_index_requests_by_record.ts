import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Erasing a record revokes the downloads of every request about it, and a case reads the
  // requests of its record: without this index each was a scan of every request.
  await knex.schema.alterTable('rights_requests', (t) => {
    t.index(['record_id'], 'rights_requests_record_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropIndex(['record_id'], 'rights_requests_record_idx')
  })
}
