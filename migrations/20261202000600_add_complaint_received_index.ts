import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('complaints', (t) => {
    // The complaints log export walks every complaint in the order received, a page at a time.
    t.index(['received_on', 'id'], 'complaints_received_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('complaints', (t) => {
    t.dropIndex(['received_on', 'id'], 'complaints_received_idx')
  })
}
