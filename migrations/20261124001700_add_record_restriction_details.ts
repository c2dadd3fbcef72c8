import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    t.string('restriction_ground', 30).nullable()
    t.string('restriction_review_on', 10).nullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('email_records', (t) => {
    t.dropColumn('restriction_review_on')
    t.dropColumn('restriction_ground')
  })
}
