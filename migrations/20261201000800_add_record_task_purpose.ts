import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // A record task is either the deletion of a copy outside the portal, which decides when that
  // holding counts as deleted, or other work on it (correcting the address there, say).
  await knex.schema.alterTable('record_tasks', (t) => {
    t.string('purpose', 20).notNullable().defaultTo('other')
    t.index(['record_id', 'purpose'], 'record_tasks_record_purpose_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('record_tasks', (t) => {
    t.dropIndex(['record_id', 'purpose'], 'record_tasks_record_purpose_idx')
    t.dropColumn('purpose')
  })
}
