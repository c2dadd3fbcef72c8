import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // Set when the email record's retention state already answers the request
    // (for example an erasure of an address already erased): a short reason for the queue.
    t.string('record_answer', 200).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropColumn('record_answer')
  })
}
