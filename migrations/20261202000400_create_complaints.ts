import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // Complaints about how the organisation handles personal data (DPA 2018 s.164A): acknowledged
  // within 30 days, answered without undue delay, with an outcome. Kept beside requests, with the
  // same minimisation: the person's details go when the complaint lapses or its contact period ends.
  await knex.schema.createTable('complaints', (t) => {
    t.string('id', 36).primary()
    t.string('reference', 20).nullable().unique()
    t.string('study_id', 36).nullable().references('id').inTable('studies')
    /** The request the complaint is about, if any. */
    t.string('request_id', 36).nullable().references('id').inTable('rights_requests')
    t.string('subject', 30).notNullable()
    t.text('what_happened').nullable()
    t.text('desired_outcome').nullable()
    t.string('email', 320).nullable()
    t.string('email_hmac', 64).nullable()
    t.string('requester_name', 200).nullable()
    /** unconfirmed → open → closed; unverified when never confirmed. */
    t.string('status', 20).notNullable()
    /** portal, email, post or phone. */
    t.string('channel', 20).notNullable()
    t.string('received_on', 10).nullable()
    t.string('acknowledgement_due_on', 10).nullable()
    t.string('acknowledged_on', 10).nullable()
    t.string('response_target_on', 10).nullable()
    t.string('outcome', 20).nullable()
    t.text('outcome_changes').nullable()
    t.string('closed_on', 10).nullable()
    t.string('assignee_id', 36).nullable().references('id').inTable('staff_users')
    t.string('contact_removed_at', 30).nullable()
    t.integer('version').notNullable().defaultTo(1)
    t.string('created_at', 30).notNullable()
    t.string('updated_at', 30).notNullable()
    t.index(['status', 'acknowledgement_due_on'])
    t.index(['status', 'created_at'])
    t.index(['email_hmac'])
    t.index(['request_id'])
  })
  await knex.schema.createTable('complaint_links', (t) => {
    t.string('id', 36).primary()
    t.string('complaint_id', 36).notNullable().references('id').inTable('complaints').onDelete('CASCADE')
    t.string('purpose', 20).notNullable()
    t.string('token_hash', 64).notNullable().unique()
    t.string('expires_at', 30).nullable()
    t.string('used_at', 30).nullable()
    t.string('created_at', 30).notNullable()
    t.index(['complaint_id'])
  })
  await knex.schema.createTable('complaint_messages', (t) => {
    t.string('id', 36).primary()
    t.string('complaint_id', 36).notNullable().references('id').inTable('complaints').onDelete('CASCADE')
    t.string('direction', 20).notNullable()
    /** acknowledgement, update, outcome, message (to the person) or reply (from them). */
    t.string('kind', 20).notNullable()
    t.string('subject', 300).nullable()
    t.text('body').notNullable()
    t.string('author_id', 36).nullable().references('id').inTable('staff_users')
    t.string('created_at', 30).notNullable()
    t.index(['complaint_id', 'created_at'])
  })
  await knex.schema.createTable('complaint_notes', (t) => {
    t.string('id', 36).primary()
    t.string('complaint_id', 36).notNullable().references('id').inTable('complaints').onDelete('CASCADE')
    t.string('author_id', 36).nullable().references('id').inTable('staff_users')
    t.text('body').notNullable()
    t.string('created_at', 30).notNullable()
    t.index(['complaint_id'])
  })
  await knex.schema.createTable('complaint_reference_counters', (t) => {
    t.integer('year').primary()
    t.integer('last_number').notNullable().defaultTo(0)
  })
  // Mail about a complaint is kept, minimised and cancelled with it.
  await knex.schema.alterTable('outbox', (t) => {
    t.string('complaint_id', 36).nullable()
    t.index(['complaint_id'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('outbox', (t) => {
    t.dropIndex(['complaint_id'])
    t.dropColumn('complaint_id')
  })
  await knex.schema.dropTable('complaint_reference_counters')
  await knex.schema.dropTable('complaint_notes')
  await knex.schema.dropTable('complaint_messages')
  await knex.schema.dropTable('complaint_links')
  await knex.schema.dropTable('complaints')
}
