import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // The request log export walks every request in the order received, a page at a time.
    t.index(['received_at', 'id'], 'rights_requests_received_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropIndex(['received_at', 'id'], 'rights_requests_received_idx')
  })
}
