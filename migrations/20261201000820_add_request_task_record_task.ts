import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // A request task made for a record task (an erasure's deletion outside the portal): ticking the
  // one ticks the other.
  await knex.schema.alterTable('request_tasks', (t) => {
    t.string('record_task_id', 36).nullable().references('id').inTable('record_tasks')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('request_tasks', (t) => {
    t.dropForeign(['record_task_id'])
    t.dropColumn('record_task_id')
  })
}
