import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    // The retention sweep walks a study's records still holding an address in id order, and counts them.
    t.index(['study_id', 'erased_on', 'id'], 'email_records_study_erased_idx')
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    t.dropIndex(['study_id', 'erased_on', 'id'], 'email_records_study_erased_idx')
  })
}
