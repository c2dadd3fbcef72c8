import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('staff_users', (t) => {
    t.string('id', 36).primary()
    t.string('email', 320).notNullable().unique()
    t.string('display_name', 200).notNullable()
    t.string('role', 20).notNullable()
    // Null until the person sets a password from their invitation.
    t.string('password_hash', 200).nullable()
    t.string('totp_secret', 100).nullable()
    t.boolean('totp_enabled').notNullable().defaultTo(false)
    t.integer('failed_logins').notNullable().defaultTo(0)
    t.string('locked_until', 30).nullable()
    t.string('disabled_at', 30).nullable()
    t.string('last_login_at', 30).nullable()
    t.string('created_at', 30).notNullable()
    t.string('updated_at', 30).notNullable()
  })
  await knex.schema.createTable('staff_tokens', (t) => {
    t.string('id', 36).primary()
    t.string('purpose', 20).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.string('user_id', 36).nullable().references('id').inTable('staff_users').onDelete('CASCADE')
    t.string('expires_at', 30).notNullable()
    t.string('used_at', 30).nullable()
    t.string('created_at', 30).notNullable()
  })
  await knex.schema.createTable('settings', (t) => {
    t.string('key', 80).primary()
    t.text('value').notNullable()
    t.string('updated_at', 30).notNullable()
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings')
  await knex.schema.dropTable('staff_tokens')
  await knex.schema.dropTable('staff_users')
}
