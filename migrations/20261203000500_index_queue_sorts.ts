import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // The queue sorts each tab (a set of statuses) by received date or by reference, a page at a time.
    t.index(['status', 'received_at', 'id'], 'rights_requests_status_received_idx')
    t.index(['status', 'reference', 'id'], 'rights_requests_status_reference_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropIndex(['status', 'reference', 'id'], 'rights_requests_status_reference_idx')
    t.dropIndex(['status', 'received_at', 'id'], 'rights_requests_status_received_idx')
  })
}
