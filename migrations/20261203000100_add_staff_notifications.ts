import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rights_requests', (t) => {
    // The person's replies no member of staff who can act has opened yet: the queue's "Replied" flag.
    t.integer('unread_replies').notNullable().defaultTo(0)
    // Set when the one reminder to confirm was sent, so it is never sent twice.
    t.string('reminder_sent_at', 30).nullable()
  })
  // What each member of staff chose to be emailed about. No row: the defaults of their role.
  await knex.schema.createTable('staff_notification_preferences', (t) => {
    t.string('user_id', 36).primary().references('id').inTable('staff_users').onDelete('CASCADE')
    // 'every' new confirmed request, only those 'assigned' to them, or 'none'.
    t.string('new_requests', 20).notNullable()
    t.boolean('replies').notNullable()
    t.boolean('digest').notNullable()
    t.string('updated_at', 30).notNullable()
  })
  // One row per person per UK day a digest was queued: a restart never sends the day's digest twice.
  await knex.schema.createTable('staff_digests', (t) => {
    t.string('user_id', 36).notNullable().references('id').inTable('staff_users').onDelete('CASCADE')
    t.string('sent_on', 10).notNullable()
    t.string('created_at', 30).notNullable()
    t.primary(['user_id', 'sent_on'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('staff_digests')
  await knex.schema.dropTable('staff_notification_preferences')
  await knex.schema.alterTable('rights_requests', (t) => {
    t.dropColumn('reminder_sent_at')
    t.dropColumn('unread_replies')
  })
}
