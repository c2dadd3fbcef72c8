import session from 'express-session'
import type { Knex } from 'knex'
import type { Logger } from 'pino'
import type { GroupCommit } from '../db/group-commit.js'

interface SessionRow {
  sid: string
  sess: string
  expires_at: string
}

const defaultLifetimeMs = 2 * 60 * 60 * 1000

/** How many sessions the table holds at most, and how many saves pass between two checks. */
export interface SessionLimits {
  maxSessions: number
  checkEvery: number
}

const defaultLimits: SessionLimits = { maxSessions: 10_000, checkEvery: 100 }

type Operation = 'get' | 'set' | 'touch' | 'destroy'

/**
 * A session could not be read or written. It says only which operation and the driver's code:
 * the database's own error quotes the statement with its values, that is the session id and the
 * session itself, CSRF token included.
 */
export class SessionStoreError extends Error {
  constructor(
    readonly operation: Operation,
    readonly code: string | undefined,
  ) {
    super(`The session store could not ${operation} a session${code ? ` (${code})` : ''}`)
    this.name = 'SessionStoreError'
  }
}

/** Sessions live in the database, so several instances behind a load balancer share them. */
export class KnexSessionStore extends session.Store {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
    private readonly log?: Logger,
    private readonly limits: SessionLimits = defaultLimits,
    /** When given, saves share commits with other writes arriving at the same time. */
    private readonly commits?: GroupCommit,
  ) {
    super()
  }

  private savesSinceCheck = 0

  /**
   * Every `checkEvery` saves, removes expired sessions and then, past `maxSessions`, those idle
   * longest, visitors' before signed-in staff's: a flood of new visitors cannot fill the table,
   * though under one a visitor's form may have to be sent again.
   */
  private async keepWithinLimit(): Promise<void> {
    if (++this.savesSinceCheck < this.limits.checkEvery) return
    this.savesSinceCheck = 0
    await this.prune()
    const [row] = await this.db('sessions').count<{ n: number | string }[]>({ n: '*' })
    let excess = Number(row?.n ?? 0) - this.limits.maxSessions
    for (const onlyVisitors of [true, false]) {
      if (excess <= 0) return
      const idlest = this.db('sessions').select('sid').orderBy('expires_at').limit(excess)
      if (onlyVisitors) idlest.whereNot('sess', 'like', '%"staff":{%')
      excess -= await this.db('sessions').whereIn('sid', idlest).delete()
    }
  }

  private async write(change: (db: Knex) => PromiseLike<unknown>): Promise<void> {
    if (this.commits) await this.commits.run(async (trx) => change(trx))
    else await change(this.db)
  }

  /** One structured log line, without the session id or anything in the session. */
  private failed(operation: Operation, error: unknown): SessionStoreError {
    const raw = (error as { code?: unknown } | null)?.code
    const code = typeof raw === 'string' || typeof raw === 'number' ? String(raw) : undefined
    const type = error instanceof Error ? error.name : typeof error
    this.log?.error({ operation, code, errorType: type }, 'session store error')
    return new SessionStoreError(operation, code)
  }

  private expiry(sess: session.SessionData): string {
    const expires = sess.cookie?.expires
    const at = expires ? new Date(expires) : new Date(this.now().getTime() + defaultLifetimeMs)
    return at.toISOString()
  }

  override get(sid: string, callback: (err: unknown, session?: session.SessionData | null) => void): void {
    this.db<SessionRow>('sessions')
      .where({ sid })
      .where('expires_at', '>', this.now().toISOString())
      .first()
      .then((row) => row && (JSON.parse(row.sess) as session.SessionData))
      .then(
        (sess) => callback(null, sess ?? null),
        (error: unknown) => callback(this.failed('get', error)),
      )
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    const row = { sid, sess: JSON.stringify(sess), expires_at: this.expiry(sess) }
    this.write((db) => db('sessions').insert(row).onConflict('sid').merge(['sess', 'expires_at']))
      .then(() => this.keepWithinLimit())
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(this.failed('set', error)),
      )
  }

  override touch(sid: string, sess: session.SessionData, callback?: () => void): void {
    this.write((db) =>
      db('sessions')
        .where({ sid })
        .update({ expires_at: this.expiry(sess) }),
    ).then(
      () => callback?.(),
      // A missed touch only shortens the session; the request goes on.
      (error: unknown) => {
        this.failed('touch', error)
        callback?.()
      },
    )
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.db('sessions')
      .where({ sid })
      .delete()
      .then(
        () => callback?.(),
        (error: unknown) => callback?.(this.failed('destroy', error)),
      )
  }

  /** Removes expired sessions; run by the maintenance job. */
  async prune(): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', this.now().toISOString()).delete()
  }
}
