import type { Knex } from 'knex'

interface Waiting {
  work: (trx: Knex.Transaction) => Promise<unknown>
  resolve(value: unknown): void
  reject(error: unknown): void
}

/** At most this many pieces of work share one commit, so no transaction grows without bound. */
const defaultGroupLimit = 64

/**
 * Group commit: small writes from requests arriving together share one transaction, and so one
 * flush to disk, instead of each paying for its own. Work asked for while a group is being written
 * waits for the next group, which starts as soon as the one before has committed.
 *
 * Each piece of work runs in a savepoint of its own: if it throws, only its own writes are undone
 * and only its caller sees the error. Every caller hears back only once the whole group has
 * committed, so an answer given on the strength of it is never lost if the process then dies. If
 * the commit itself fails, nothing of the group is kept and every caller gets the error.
 *
 * The work must write only through the transaction it is given: waiting there for a transaction of
 * its own would wait for the group it is in.
 */
export function groupCommit(db: Knex, options: { groupLimit?: number } = {}) {
  const groupLimit = options.groupLimit ?? defaultGroupLimit
  const waiting: Waiting[] = []
  let writing = false

  async function writeGroups(): Promise<void> {
    while (waiting.length > 0) {
      const group = waiting.splice(0, groupLimit)
      const settled: (() => void)[] = []
      try {
        await db.transaction(async (trx) => {
          for (const item of group) {
            try {
              const value = await trx.transaction((savepoint) => item.work(savepoint))
              settled.push(() => item.resolve(value))
            } catch (error) {
              settled.push(() => item.reject(error))
            }
          }
        })
      } catch (error) {
        for (const item of group) item.reject(error)
        continue
      }
      for (const settle of settled) settle()
    }
    writing = false
  }

  return {
    /** Runs `work` in the next group's transaction; resolves with its result once that committed. */
    run<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        waiting.push({ work, resolve: resolve, reject })
        if (writing) return
        writing = true
        // Work asked for in the same turn of the event loop joins the first group.
        setImmediate(() => void writeGroups())
      })
    },
  }
}

export type GroupCommit = ReturnType<typeof groupCommit>
