import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // The email record matched on confirmation, and its retention state at that moment.
    t.string('record_id', 36).nullable().references('id').inTable('email_records')
    t.text('record_snapshot').nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropForeign(['record_id'])
    t.dropColumn('record_snapshot')
    t.dropColumn('record_id')
  })
}
