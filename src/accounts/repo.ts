import type { Knex } from 'knex'
import type { StaffUser } from '../domain/staff-user.js'
import type { StaffRole } from '../domain/roles.js'

/** What a change to an account may set, in the domain's words. */
export type StaffUserChanges = Partial<
  Pick<
    StaffUser,
    | 'displayName'
    | 'role'
    | 'passwordHash'
    | 'totpSecret'
    | 'totpEnabled'
    | 'totpLastStep'
    | 'failedLogins'
    | 'lockedUntil'
    | 'disabledAt'
    | 'passwordChangedAt'
    | 'lastLoginAt'
    | 'updatedAt'
  >
>

const staffColumns: Record<keyof StaffUserChanges, keyof StaffUserRow> = {
  displayName: 'display_name',
  role: 'role',
  passwordHash: 'password_hash',
  totpSecret: 'totp_secret',
  totpEnabled: 'totp_enabled',
  totpLastStep: 'totp_last_step',
  failedLogins: 'failed_logins',
  lockedUntil: 'locked_until',
  disabledAt: 'disabled_at',
  passwordChangedAt: 'password_changed_at',
  lastLoginAt: 'last_login_at',
  updatedAt: 'updated_at',
}

interface StaffUserRow {
  id: string
  email: string
  display_name: string
  role: StaffRole
  password_hash: string | null
  totp_secret: string | null
  totp_enabled: boolean | number
  totp_last_step?: number | string | null
  failed_logins: number
  locked_until: string | null
  disabled_at: string | null
  password_changed_at?: string | null
  last_login_at: string | null
  created_at: string
  updated_at: string
}

interface SignInFailureRow {
  user_id: string
  source: string
  attempts: number | string
  lockouts: number | string
  locked_until: string | null
  last_attempt_at: string
}

/** `password`: a link an administrator sends an existing account to set a new password. */
export type StaffTokenPurpose = 'setup' | 'invite' | 'password'

export interface StaffToken {
  id: string
  purpose: StaffTokenPurpose
  userId: string | null
  expiresAt: string
  usedAt: string | null
}

interface StaffTokenRow {
  id: string
  purpose: StaffTokenPurpose
  token_hash: string
  user_id: string | null
  expires_at: string
  used_at: string | null
  created_at: string
}

const toUser = (row: StaffUserRow): StaffUser => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  passwordHash: row.password_hash,
  totpSecret: row.totp_secret,
  totpEnabled: Boolean(row.totp_enabled),
  totpLastStep:
    row.totp_last_step === null || row.totp_last_step === undefined ? null : Number(row.totp_last_step),
  failedLogins: Number(row.failed_logins),
  lockedUntil: row.locked_until,
  disabledAt: row.disabled_at,
  passwordChangedAt: row.password_changed_at ?? null,
  lastLoginAt: row.last_login_at,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
})

export function staffRepo(db: Knex) {
  return {
    async count(trx: Knex = db): Promise<number> {
      const [row] = await trx('staff_users').count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },
    async countActiveAdmins(trx: Knex = db): Promise<number> {
      const [row] = await trx('staff_users')
        .where({ role: 'admin' })
        .whereNull('disabled_at')
        .count<{ n: number | string }[]>({ n: '*' })
      return Number(row?.n ?? 0)
    },
    /** Whether an enabled account may be assigned requests (an administrator or a DPO). */
    async canHandleRequests(id: string, trx: Knex = db): Promise<boolean> {
      const row: unknown = await trx('staff_users')
        .where({ id })
        .whereNull('disabled_at')
        .whereIn('role', ['admin', 'dpo'])
        .first('id')
      return Boolean(row)
    },
    async findById(id: string, trx: Knex = db): Promise<StaffUser | undefined> {
      const row = await trx<StaffUserRow>('staff_users').where({ id }).first()
      return row && toUser(row)
    },
    async findByEmail(email: string, trx: Knex = db): Promise<StaffUser | undefined> {
      const row = await trx<StaffUserRow>('staff_users').where({ email }).first()
      return row && toUser(row)
    },
    async list(): Promise<StaffUser[]> {
      const rows = await db<StaffUserRow>('staff_users').orderBy('display_name')
      return rows.map(toUser)
    },
    async insert(trx: Knex, row: StaffUserRow): Promise<void> {
      await trx('staff_users').insert(row)
    },
    async update(trx: Knex, id: string, changes: StaffUserChanges): Promise<void> {
      const row: Record<string, unknown> = {}
      for (const [key, value] of Object.entries(changes)) {
        row[staffColumns[key as keyof StaffUserChanges]] = value
      }
      await trx('staff_users').where({ id }).update(row)
    },
    /** Counts a wrong password atomically; the count is what an administrator sees. */
    async recordWrongPassword(id: string, at: string): Promise<number> {
      await db('staff_users')
        .where({ id })
        .update({ failed_logins: db.raw('failed_logins + 1'), updated_at: at })
      const row = await db<StaffUserRow>('staff_users').where({ id }).first('failed_logins')
      return Number(row?.failed_logins ?? 0)
    },
    /**
     * Claims one of the `limit` attempts a network has on an account, in one atomic update, so
     * parallel guesses each get their own number and no more than `limit` are ever checked. A lock
     * that has run out starts a new round, and so does a full round with no lock set by
     * `settledBefore` (its checks ended without one: they passed, or the process stopped); a
     * network quiet since `forgetBefore` starts afresh, past locks forgotten.
     */
    async claimSignInAttempt(
      userId: string,
      source: string,
      limit: number,
      times: { at: string; settledBefore: string; forgetBefore: string },
    ): Promise<
      | { attempt: number; lockouts: number }
      | { refused: 'locked'; lockedUntil: string }
      | { refused: 'checks_in_progress' }
    > {
      const { at, settledBefore, forgetBefore } = times
      const row = () => db<SignInFailureRow>('staff_sign_in_failures').where({ user_id: userId, source })
      for (let tries = 0; tries < 2; tries++) {
        await db('staff_sign_in_failures')
          .insert({
            user_id: userId,
            source,
            attempts: 0,
            lockouts: 0,
            locked_until: null,
            last_attempt_at: at,
          })
          .onConflict(['user_id', 'source'])
          .ignore()
        const [claimed] = await row()
          .where((q) =>
            q
              .where((open) =>
                open
                  .whereNull('locked_until')
                  .where((room) =>
                    room.where('attempts', '<', limit).orWhere('last_attempt_at', '<', settledBefore),
                  ),
              )
              .orWhere('locked_until', '<=', at),
          )
          .update(
            {
              attempts: db.raw(
                'case when locked_until is not null or attempts >= ? or last_attempt_at < ? then 1 else attempts + 1 end',
                [limit, forgetBefore],
              ),
              lockouts: db.raw('case when last_attempt_at < ? then 0 else lockouts end', [forgetBefore]),
              locked_until: null,
              last_attempt_at: at,
            },
            ['attempts', 'lockouts'],
          )
        if (claimed) return { attempt: Number(claimed.attempts), lockouts: Number(claimed.lockouts) }
        const present = await row().first('locked_until')
        if (present)
          return present.locked_until && present.locked_until > at
            ? { refused: 'locked', lockedUntil: present.locked_until }
            : { refused: 'checks_in_progress' }
        // Cleared between the two statements (a sign-in elsewhere pruned it): claim again.
      }
      return { refused: 'checks_in_progress' }
    },
    /** Locks a network out of an account, unless it is locked already; true if this call locked it. */
    async lockSignInSource(
      userId: string,
      source: string,
      lockedUntil: string,
      at: string,
    ): Promise<boolean> {
      const locked = await db('staff_sign_in_failures')
        .where({ user_id: userId, source })
        .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', at))
        .update({ locked_until: lockedUntil, lockouts: db.raw('lockouts + 1') })
      return locked === 1
    },
    /** After a sign-in: the network starts afresh, and networks long quiet are forgotten. */
    async resetSignInFailures(trx: Knex, userId: string, source: string, at: string, forgetBefore: string) {
      await trx('staff_sign_in_failures')
        .where({ user_id: userId, source })
        .update({ attempts: 0, lockouts: 0, locked_until: null, last_attempt_at: at })
      await trx('staff_sign_in_failures')
        .where({ user_id: userId })
        .where('last_attempt_at', '<', forgetBefore)
        .where((q) => q.whereNull('locked_until').orWhere('locked_until', '<=', at))
        .delete()
    },
    /** Forgets every failure on an account; returns how many networks were locked out then. */
    async clearSignInFailures(trx: Knex, userId: string, at: string): Promise<number> {
      const [row] = await trx('staff_sign_in_failures')
        .where({ user_id: userId })
        .where('locked_until', '>', at)
        .count<{ n: number | string }[]>({ n: '*' })
      await trx('staff_sign_in_failures').where({ user_id: userId }).delete()
      return Number(row?.n ?? 0)
    },
    /** The networks locked out of accounts at an instant, latest first. */
    async signInLocks(at: string, userId?: string): Promise<{ userId: string; lockedUntil: string }[]> {
      const query = db<SignInFailureRow>('staff_sign_in_failures').where('locked_until', '>', at)
      const rows = await (userId ? query.where({ user_id: userId }) : query)
        .orderBy('locked_until', 'desc')
        .select('user_id', 'locked_until')
      return rows.map((row) => ({ userId: row.user_id, lockedUntil: row.locked_until as string }))
    },
    /** Uses up a two-factor time step: true for exactly one caller however many race for it. */
    async claimTotpStep(trx: Knex, id: string, step: number, at: string): Promise<boolean> {
      const claimed = await trx('staff_users')
        .where({ id, totp_enabled: true })
        .whereNull('disabled_at')
        .where((q) => q.whereNull('totp_last_step').orWhere('totp_last_step', '<', step))
        .update({ totp_last_step: step, updated_at: at })
      return claimed === 1
    },
    async insertToken(
      trx: Knex,
      token: {
        id: string
        purpose: StaffTokenPurpose
        tokenHash: string
        userId: string | null
        expiresAt: string
      },
      at: string,
    ): Promise<void> {
      await trx('staff_tokens').insert({
        id: token.id,
        purpose: token.purpose,
        token_hash: token.tokenHash,
        user_id: token.userId,
        expires_at: token.expiresAt,
        used_at: null,
        created_at: at,
      })
    },
    async findToken(
      tokenHash: string,
      purpose: StaffTokenPurpose,
      trx: Knex = db,
    ): Promise<StaffToken | undefined> {
      const row = await trx<StaffTokenRow>('staff_tokens').where({ token_hash: tokenHash, purpose }).first()
      return (
        row && {
          id: row.id,
          purpose: row.purpose,
          userId: row.user_id,
          expiresAt: row.expires_at,
          usedAt: row.used_at,
        }
      )
    },
    async useToken(trx: Knex, id: string, at: string): Promise<boolean> {
      return (await trx('staff_tokens').where({ id }).whereNull('used_at').update({ used_at: at })) === 1
    },
    async retireTokens(
      trx: Knex,
      purpose: StaffTokenPurpose,
      userId: string | null,
      at: string,
    ): Promise<void> {
      const query = trx('staff_tokens').where({ purpose }).whereNull('used_at')
      await (userId ? query.where({ user_id: userId }) : query.whereNull('user_id')).update({ used_at: at })
    },
    /**
     * Ends every session signed in as, or half-way through signing in as, the account: sessions
     * live in the database (`../web/session-store.ts`) as JSON naming the account's id.
     */
    async endSessions(trx: Knex, userId: string): Promise<number> {
      if (!/^[0-9a-f-]+$/i.test(userId)) throw new Error('Not a staff user id')
      return trx('sessions').where('sess', 'like', `%"userId":"${userId}"%`).delete()
    },
  }
}

export type StaffRepo = ReturnType<typeof staffRepo>
