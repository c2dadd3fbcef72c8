import type { Knex } from 'knex'

export async function up(knex: Knex): Promise<void> {
  // The database's copy of each signed head of the audit trail; the anchor log outside it holds
  // the same lines, so rows deleted here are missed there.
  await knex.schema.createTable('audit_anchors', (t) => {
    t.string('id', 36).primary()
    t.string('anchored_at', 30).notNullable()
    // 'verified' or 'exported'.
    t.string('reason', 20).notNullable()
    t.bigInteger('event_count').notNullable()
    t.bigInteger('head_seq').notNullable()
    t.string('head_hash', 64).notNullable()
    // The SHA-256 fingerprint of the public key that checks the signature.
    t.string('key_id', 64).notNullable()
    // Ed25519, base64: 88 characters.
    t.string('signature', 100).notNullable()
    t.index(['anchored_at'])
  })
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_anchors')
}
