import type { Knex } from 'knex'

/**
 * Partial indexes, one set per queue tab, so a page of a tab in any of its sorts is an index walk
 * over that tab's rows alone, never a sort of every request. The predicates are written out here
 * as they were on the day (a migration never changes); the queue's queries name the same statuses
 * literally, in the same order, which both SQLite and PostgreSQL need to use a partial index.
 */
const tabs = {
  open: "status in ('received', 'awaiting_clarification', 'awaiting_identity', 'awaiting_fee')",
  closed: "status in ('completed', 'refused', 'withdrawn', 'duplicate')",
  unconfirmed: "status in ('unconfirmed', 'unverified')",
} as const

const indexes: { name: string; tab: keyof typeof tabs; columns: string }[] = [
  // Open requests: every sort, and the filters that pick few of them, each in the default order.
  { name: 'rights_requests_open_due_idx', tab: 'open', columns: 'due_on, id' },
  { name: 'rights_requests_open_received_idx', tab: 'open', columns: 'received_at, id' },
  { name: 'rights_requests_open_reference_idx', tab: 'open', columns: 'reference, id' },
  { name: 'rights_requests_open_type_due_idx', tab: 'open', columns: 'type, due_on, id' },
  { name: 'rights_requests_open_assignee_due_idx', tab: 'open', columns: 'assignee_id, due_on, id' },
  // Closed requests, nearly all of them: both sorts, and one person's work newest first.
  { name: 'rights_requests_closed_received_idx', tab: 'closed', columns: 'received_at, id' },
  { name: 'rights_requests_closed_reference_idx', tab: 'closed', columns: 'reference, id' },
  { name: 'rights_requests_closed_assignee_idx', tab: 'closed', columns: 'assignee_id, received_at, id' },
  { name: 'rights_requests_closed_type_idx', tab: 'closed', columns: 'type, received_at, id' },
  { name: 'rights_requests_unconfirmed_received_idx', tab: 'unconfirmed', columns: 'received_at, id' },
  // None has a deadline yet: a due-date filter finds that at once.
  { name: 'rights_requests_unconfirmed_due_idx', tab: 'unconfirmed', columns: 'due_on' },
]

export async function up(knex: Knex): Promise<void> {
  for (const { name, tab, columns } of indexes) {
    await knex.raw(`create index ${name} on rights_requests (${columns}) where ${tabs[tab]}`)
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const { name } of [...indexes].reverse()) await knex.raw(`drop index ${name}`)
}
