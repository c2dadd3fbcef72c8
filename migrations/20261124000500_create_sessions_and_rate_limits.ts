import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.string('sid', 128).primary()
    t.text('sess').notNullable()
    t.string('expires_at', 30).notNullable().index()
  })
  await knex.schema.createTable('rate_limit_counters', (t) => {
    t.string('key', 200).primary()
    t.integer('hits').notNullable()
    t.string('resets_at', 30).notNullable().index()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('rate_limit_counters')
  await knex.schema.dropTable('sessions')
}
