import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.string('assignee_id', 36).nullable().references('id').inTable('staff_users')
    t.index(['assignee_id', 'due_on', 'id'], 'rights_requests_assignee_due_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropIndex(['assignee_id', 'due_on', 'id'], 'rights_requests_assignee_due_idx')
    t.dropForeign(['assignee_id'])
    t.dropColumn('assignee_id')
  })
}
