import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // An access request's search log (Art. 15(1A): searches that are reasonable and proportionate):
  // where was searched, when, by whom, what was found, and any limit on the search with its reason.
  await knex.schema.createTable('request_searches', (t) => {
    t.string('id', 36).primary()
    t.string('request_id', 36).notNullable().references('id').inTable('rights_requests').onDelete('CASCADE')
    t.string('place', 200).notNullable()
    t.string('searched_on', 10).notNullable()
    t.string('searched_by', 36).notNullable().references('id').inTable('staff_users')
    t.text('found').notNullable()
    t.text('search_limit').nullable()
    t.string('created_at', 30).notNullable()
    t.index(['request_id', 'searched_on'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('request_searches')
}
