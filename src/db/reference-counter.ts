import type { Knex } from 'knex'

/**
 * The next reference of a year from a counter table (one row per year), such as DSR-2026-00042:
 * taken inside the caller's transaction, so a rolled-back creation gives its number back.
 */
export async function nextYearReference(
  trx: Knex,
  counters: 'reference_counters' | 'complaint_reference_counters',
  prefix: string,
  year: number,
): Promise<string> {
  await trx(counters).insert({ year, last_number: 0 }).onConflict('year').ignore()
  await trx(counters).where({ year }).increment('last_number', 1)
  const row = await trx<{ year: number; last_number: number }>(counters).where({ year }).first()
  return `${prefix}-${year}-${String(row?.last_number ?? 0).padStart(5, '0')}`
}
