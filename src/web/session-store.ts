import session from 'express-session'
import type { Knex } from 'knex'

interface SessionRow {
  sid: string
  sess: string
  expires_at: string
}

const defaultLifetimeMs = 2 * 60 * 60 * 1000

/** Sessions live in the database, so several instances behind a load balancer share them. */
export class KnexSessionStore extends session.Store {
  constructor(
    private readonly db: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {
    super()
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
      .then((row) => callback(null, row ? (JSON.parse(row.sess) as session.SessionData) : null))
      .catch((error: unknown) => callback(error))
  }

  override set(sid: string, sess: session.SessionData, callback?: (err?: unknown) => void): void {
    const row = { sid, sess: JSON.stringify(sess), expires_at: this.expiry(sess) }
    this.db('sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['sess', 'expires_at'])
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error))
  }

  override touch(sid: string, sess: session.SessionData, callback?: () => void): void {
    this.db('sessions')
      .where({ sid })
      .update({ expires_at: this.expiry(sess) })
      .then(() => callback?.())
      .catch(() => callback?.())
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.db('sessions')
      .where({ sid })
      .delete()
      .then(() => callback?.())
      .catch((error: unknown) => callback?.(error))
  }

  /** Removes expired sessions; run by the maintenance job. */
  async prune(): Promise<number> {
    return this.db('sessions').where('expires_at', '<=', this.now().toISOString()).delete()
  }
}
