import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Sign-in attempts counted per account and per network, so guesses from one network pause
  // sign-in from there only. The network is kept as a keyed hash, never as an address.
  await knex.schema.createTable('staff_sign_in_failures', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('staff_users').onDelete('CASCADE')
    t.string('source', 64).notNullable()
    // Attempts in the current round (wrong ones, and any still being checked).
    t.integer('attempts').notNullable().defaultTo(0)
    // Locks in a row: each lasts twice as long as the one before.
    t.integer('lockouts').notNullable().defaultTo(0)
    t.string('locked_until', 30).nullable()
    t.string('last_attempt_at', 30).notNullable()
    t.primary(['user_id', 'source'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff_sign_in_failures')
}
