import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('seq').primary()
    t.string('id', 36).notNullable().unique()
    t.string('occurred_at', 30).notNullable()
    t.string('actor_type', 20).notNullable()
    t.string('actor_id', 64).nullable()
    t.string('subject_type', 30).notNullable()
    t.string('subject_id', 64).notNullable()
    t.string('kind', 60).notNullable()
    t.text('data').notNullable()
    t.index(['subject_type', 'subject_id', 'seq'])
    t.index(['kind', 'occurred_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('events')
}
