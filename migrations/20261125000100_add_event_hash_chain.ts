import { createHash } from 'node:crypto'
import type { Knex } from 'knex'

// The chain's serialisation as src/audit/chain.ts defines it (RFC 8785 canonical JSON of the
// event without seq and hash). Migrations never import application code, so it is copied here
// and, like the migration, never changes.
const genesisHash = '0'.repeat(64)

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value)
}

interface LegacyEvent {
  seq: number | string
  id: string
  occurred_at: string
  actor_type: string
  actor_id: string | null
  subject_type: string
  subject_id: string
  kind: string
  data: string
}

const pageSize = 500

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.string('prev_hash', 64).nullable()
    t.string('hash', 64).nullable()
  })

  // Chain the events already recorded, in the order they were recorded.
  let prevHash = genesisHash
  let after = 0
  for (;;) {
    const rows: LegacyEvent[] = await knex('events')
      .where('seq', '>', after)
      .orderBy('seq', 'asc')
      .limit(pageSize)
      .select(
        'seq',
        'id',
        'occurred_at',
        'actor_type',
        'actor_id',
        'subject_type',
        'subject_id',
        'kind',
        'data',
      )
    for (const row of rows) {
      const content = canonicalJson({
        actor: { id: row.actor_id, type: row.actor_type },
        data: JSON.parse(row.data) as unknown,
        id: row.id,
        kind: row.kind,
        occurredAt: row.occurred_at,
        prevHash,
        subject: { id: row.subject_id, type: row.subject_type },
      })
      const hash = createHash('sha256').update(content, 'utf8').digest('hex')
      await knex('events').where({ seq: row.seq }).update({ prev_hash: prevHash, hash })
      prevHash = hash
      after = Number(row.seq)
    }
    if (rows.length < pageSize) break
  }

  // Two events can never follow the same one: the chain cannot fork.
  await knex.schema.alterTable('events', (t) => {
    t.unique(['prev_hash'], { indexName: 'events_prev_hash_unique' })
  })
  // SQLite cannot add NOT NULL to an existing column without rebuilding the table; there the
  // verifier catches an event without a hash instead.
  if ((knex.client as { config: Knex.Config }).config.client === 'pg') {
    await knex.schema.alterTable('events', (t) => {
      t.dropNullable('prev_hash')
      t.dropNullable('hash')
    })
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.dropUnique(['prev_hash'], 'events_prev_hash_unique')
  })
  await knex.schema.alterTable('events', (t) => {
    t.dropColumn('hash')
    t.dropColumn('prev_hash')
  })
}
