import { createHmac } from 'node:crypto'
import type { Knex } from 'knex'
import type { EventKind } from '../domain/request-events.js'
import { recordEvent, systemActor, type Actor } from '../audit/events.js'
import { emailHmac, isValidEmail } from '../domain/email-address.js'
import type { StaffRole } from '../domain/roles.js'
import { enqueueMail } from '../mail/outbox.js'
import { absoluteUrl, paths } from '../paths.js'
import { generateToken, hashToken, isWellFormedToken, newId } from '../security/tokens.js'
import { ConflictError, NotFoundError, ValidationError } from '../errors.js'
import { decoyPasswordHash, hashPassword, passwordProblem, verifyPassword } from './passwords.js'
import { checkTotp, decryptTotpSecret, encryptTotpSecret } from './two-factor.js'
import {
  checksSettleSeconds,
  forgetFailuresAfterHours,
  lockAfterFailures,
  lockMinutes,
  signInNetwork,
} from './lockout.js'
import type { StaffRepo, StaffUserChanges } from './repo.js'
import type { StaffUser } from '../domain/staff-user.js'

export const setupLinkMinutes = 60
export const inviteLinkDays = 3

export interface AccountsDeps {
  db: Knex
  secret: string
  publicUrl: string
  serviceName: string
  organisationName: string
  staff: StaffRepo
  now: () => Date
}

/** A refusal names `pausedUntil` only when the network is locked out of a real account. */
export type LoginResult = { ok: true; user: StaffUser } | { ok: false; pausedUntil?: string }

/** Staff addresses are matched whole and case-insensitively: they are our own accounts. */
export function normaliseStaffEmail(raw: string): string {
  return raw.trim().toLowerCase()
}

function requireUser(user: StaffUser | undefined): StaffUser {
  if (!user) throw new NotFoundError('No such staff user')
  return user
}

export const staffActor = (user: { id: string }): Actor => ({ type: 'staff', id: user.id })

export function accountsService(deps: AccountsDeps) {
  const { db, staff } = deps
  const iso = () => deps.now().toISOString()

  async function createUserRow(
    trx: Knex,
    input: { email: string; displayName: string; role: StaffRole; passwordHash: string | null },
  ): Promise<string> {
    const id = newId()
    const at = iso()
    await staff.insert(trx, {
      id,
      email: input.email,
      display_name: input.displayName,
      role: input.role,
      password_hash: input.passwordHash,
      totp_secret: null,
      totp_enabled: false,
      failed_logins: 0,
      locked_until: null,
      disabled_at: null,
      last_login_at: null,
      created_at: at,
      updated_at: at,
    })
    return id
  }

  function checkNewUser(email: string, displayName: string) {
    const errors = []
    if (!isValidEmail(email)) {
      errors.push({
        field: 'email',
        href: '#email',
        text: 'Enter an email address in the correct format, like name@example.com',
      })
    }
    if (displayName.length === 0)
      errors.push({ field: 'displayName', href: '#displayName', text: 'Enter their name' })
    if (displayName.length > 200) {
      errors.push({
        field: 'displayName',
        href: '#displayName',
        text: 'Name must be 200 characters or fewer',
      })
    }
    if (errors.length > 0) throw new ValidationError(errors)
  }

  /** The network an attempt came from, as a keyed hash: addresses are never stored. */
  const sourceKey = (ip: string | undefined) =>
    createHmac('sha256', deps.secret)
      .update(`sign-in-network:${signInNetwork(ip)}`)
      .digest('hex')
  /** Enough of the hash to tell networks apart in the audit trail. */
  const shortSource = (source: string) => source.slice(0, 16)

  /**
   * Locks a network out of an account for its next, longer, lock; one event per lock. Returns
   * when the lock ends, or undefined when a parallel attempt locked it first.
   */
  async function lockOut(
    user: StaffUser,
    source: string,
    locksBefore: number,
    at: Date,
  ): Promise<string | undefined> {
    const minutes = lockMinutes(locksBefore)
    const lockedUntil = new Date(at.getTime() + minutes * 60_000).toISOString()
    if (!(await staff.lockSignInSource(user.id, source, lockedUntil, at.toISOString()))) return undefined
    await db.transaction((trx) =>
      recordEvent(
        trx,
        {
          actor: { type: 'staff', id: null },
          subject: { type: 'staff_user', id: user.id },
          kind: 'staff.locked_out',
          data: { source: shortSource(source), lockedUntil, minutes, lockout: locksBefore + 1 },
        },
        at,
      ),
    )
    return lockedUntil
  }

  /** One change to a staff account, with its event, in one transaction. */
  async function changeUser(actor: StaffUser, userId: string, changes: StaffUserChanges, kind: EventKind) {
    await db.transaction(async (trx) => {
      await staff.update(trx, userId, { ...changes, updatedAt: iso() })
      await recordEvent(
        trx,
        { actor: staffActor(actor), subject: { type: 'staff_user', id: userId }, kind },
        deps.now(),
      )
    })
  }

  return {
    async hasStaff(): Promise<boolean> {
      return (await staff.count()) > 0
    },

    /**
     * First run: a one-time link (1 hour) to create the first administrator. Issued only while
     * no staff account exists; a new link retires the previous one.
     */
    async issueSetupLink(): Promise<string | undefined> {
      return db.transaction(async (trx) => {
        if ((await staff.count(trx)) > 0) return undefined
        const token = generateToken()
        const at = iso()
        await staff.retireTokens(trx, 'setup', null, at)
        await staff.insertToken(
          trx,
          {
            id: newId(),
            purpose: 'setup',
            tokenHash: hashToken(token),
            userId: null,
            expiresAt: new Date(deps.now().getTime() + setupLinkMinutes * 60_000).toISOString(),
          },
          at,
        )
        return absoluteUrl(deps.publicUrl, paths.staff.setup({ token }))
      })
    },

    async isSetupTokenValid(token: string): Promise<boolean> {
      if (!isWellFormedToken(token)) return false
      const found = await staff.findToken(hashToken(token), 'setup')
      return Boolean(found && !found.usedAt && found.expiresAt > iso() && (await staff.count()) === 0)
    },

    async completeSetup(
      token: string,
      input: { email: string; displayName: string; password: string },
    ): Promise<StaffUser> {
      const email = normaliseStaffEmail(input.email)
      const displayName = input.displayName.trim()
      checkNewUser(email, displayName)
      const problem = passwordProblem(input.password, { email, name: displayName })
      if (problem) throw new ValidationError([{ field: 'password', href: '#password', text: problem }])
      const passwordHash = await hashPassword(input.password)
      return db.transaction(async (trx) => {
        const found = isWellFormedToken(token)
          ? await staff.findToken(hashToken(token), 'setup', trx)
          : undefined
        if (!found || found.usedAt || found.expiresAt <= iso())
          throw new NotFoundError('Setup link not valid')
        if ((await staff.count(trx)) > 0) throw new ConflictError('Setup already done')
        if (!(await staff.useToken(trx, found.id, iso()))) throw new ConflictError('Setup link already used')
        const id = await createUserRow(trx, { email, displayName, role: 'admin', passwordHash })
        await recordEvent(
          trx,
          {
            actor: { type: 'staff', id },
            subject: { type: 'staff_user', id },
            kind: 'staff.first_admin_created',
            data: { role: 'admin' },
          },
          deps.now(),
        )
        return requireUser(await staff.findById(id, trx))
      })
    },

    /** For the command line: creates an account with a password straight away. */
    async createUser(input: {
      email: string
      displayName: string
      role: StaffRole
      password: string
    }): Promise<StaffUser> {
      const email = normaliseStaffEmail(input.email)
      checkNewUser(email, input.displayName.trim())
      const problem = passwordProblem(input.password, { email, name: input.displayName })
      if (problem) throw new ValidationError([{ field: 'password', href: '#password', text: problem }])
      const passwordHash = await hashPassword(input.password)
      return db.transaction(async (trx) => {
        if (await staff.findByEmail(email, trx)) {
          throw new ValidationError([
            { field: 'email', href: '#email', text: 'There is already an account with this email address' },
          ])
        }
        const id = await createUserRow(trx, {
          email,
          displayName: input.displayName.trim(),
          role: input.role,
          passwordHash,
        })
        await recordEvent(
          trx,
          {
            actor: systemActor('cli'),
            subject: { type: 'staff_user', id },
            kind: 'staff.user_created',
            data: { role: input.role },
          },
          deps.now(),
        )
        return requireUser(await staff.findById(id, trx))
      })
    },

    /**
     * Checks a login. The answer is the same for an unknown account, a wrong password and a
     * disabled account, and each costs the same hashing work. Only wrong passwords are counted, per
     * account and network (`./lockout.ts`): the fifth pauses sign-in from that network only, for
     * longer each time, so guesses elsewhere never keep the owner out; a sign-in that works starts
     * its network afresh. While paused, the answer says until when, so staff know when to try again:
     * that tells whoever made the five guesses that the address has an account, a fair price, as
     * staff addresses are no secret and guessing further from that network is paused anyway.
     */
    async login(rawEmail: string, password: string, from: { ip?: string } = {}): Promise<LoginResult> {
      const email = normaliseStaffEmail(rawEmail)
      const user = await staff.findByEmail(email)
      const at = deps.now()
      const atIso = at.toISOString()
      const source = sourceKey(from.ip)
      const forgetBefore = new Date(at.getTime() - forgetFailuresAfterHours * 3_600_000).toISOString()
      const failed = (subject: { type: string; id: string }, data: Record<string, unknown>) =>
        db.transaction((trx) =>
          recordEvent(
            trx,
            { actor: { type: 'staff', id: null }, subject, kind: 'staff.login_failed', data },
            at,
          ),
        )

      if (!user?.passwordHash || user.disabledAt) {
        await verifyPassword(user?.passwordHash ?? (await decoyPasswordHash()), password)
        const reason = !user ? 'unknown_account' : user.disabledAt ? 'disabled' : 'no_password'
        await failed(
          user
            ? { type: 'staff_user', id: user.id }
            : { type: 'staff_login', id: emailHmac(deps.secret, email) },
          { reason },
        )
        return { ok: false }
      }

      const claim = await staff.claimSignInAttempt(user.id, source, lockAfterFailures, {
        at: atIso,
        settledBefore: new Date(at.getTime() - checksSettleSeconds * 1000).toISOString(),
        forgetBefore,
      })
      if ('refused' in claim) {
        await verifyPassword(await decoyPasswordHash(), password)
        await failed(
          { type: 'staff_user', id: user.id },
          { reason: claim.refused, source: shortSource(source) },
        )
        return claim.refused === 'locked' ? { ok: false, pausedUntil: claim.lockedUntil } : { ok: false }
      }

      if (!(await verifyPassword(user.passwordHash, password))) {
        const failures = await staff.recordWrongPassword(user.id, atIso)
        await failed(
          { type: 'staff_user', id: user.id },
          { reason: 'wrong_password', failures, attempt: claim.attempt, source: shortSource(source) },
        )
        const pausedUntil =
          claim.attempt >= lockAfterFailures ? await lockOut(user, source, claim.lockouts, at) : undefined
        return pausedUntil ? { ok: false, pausedUntil } : { ok: false }
      }

      await db.transaction(async (trx) => {
        await staff.resetSignInFailures(trx, user.id, source, atIso, forgetBefore)
        await staff.update(trx, user.id, {
          failedLogins: 0,
          lockedUntil: null,
          lastLoginAt: atIso,
          updatedAt: atIso,
        })
        await recordEvent(
          trx,
          { actor: staffActor(user), subject: { type: 'staff_user', id: user.id }, kind: 'staff.login' },
          at,
        )
      })
      return { ok: true, user }
    },

    async recordLogout(user: StaffUser): Promise<void> {
      await db.transaction((trx) =>
        recordEvent(
          trx,
          { actor: staffActor(user), subject: { type: 'staff_user', id: user.id }, kind: 'staff.logout' },
          deps.now(),
        ),
      )
    },

    /** The user behind a session, or undefined when the account is gone or disabled. */
    async activeUser(id: string): Promise<StaffUser | undefined> {
      const user = await staff.findById(id)
      return user && !user.disabledAt ? user : undefined
    },

    async list(): Promise<StaffUser[]> {
      return staff.list()
    },

    async find(id: string): Promise<StaffUser> {
      const user = await staff.findById(id)
      if (!user) throw new NotFoundError('No such staff user')
      return user
    },

    /** Invites a colleague: an account without a password and an emailed link to set one. */
    async invite(
      actor: StaffUser,
      input: { email: string; displayName: string; role: StaffRole },
    ): Promise<StaffUser> {
      const email = normaliseStaffEmail(input.email)
      const displayName = input.displayName.trim()
      checkNewUser(email, displayName)
      const at = deps.now()
      return db.transaction(async (trx) => {
        if (await staff.findByEmail(email, trx)) {
          throw new ValidationError([
            { field: 'email', href: '#email', text: 'There is already an account with this email address' },
          ])
        }
        const id = await createUserRow(trx, { email, displayName, role: input.role, passwordHash: null })
        const token = generateToken()
        await staff.insertToken(
          trx,
          {
            id: newId(),
            purpose: 'invite',
            tokenHash: hashToken(token),
            userId: id,
            expiresAt: new Date(at.getTime() + inviteLinkDays * 24 * 60 * 60_000).toISOString(),
          },
          at.toISOString(),
        )
        await enqueueMail(
          trx,
          {
            kind: 'staff-invite',
            to: email,
            subject: `You have been invited to ${deps.serviceName}`,
            template: 'staff-invite',
            locals: {
              serviceName: deps.serviceName,
              organisationName: deps.organisationName,
              displayName,
              invitedBy: actor.displayName,
              role: input.role,
              link: absoluteUrl(deps.publicUrl, paths.staff.acceptInvite({ token })),
              days: inviteLinkDays,
            },
          },
          at,
        )
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'staff_user', id },
            kind: 'staff.user_invited',
            data: { role: input.role },
          },
          at,
        )
        return requireUser(await staff.findById(id, trx))
      })
    },

    async inviteFor(token: string): Promise<StaffUser | undefined> {
      if (!isWellFormedToken(token)) return undefined
      const found = await staff.findToken(hashToken(token), 'invite')
      if (!found?.userId || found.usedAt || found.expiresAt <= iso()) return undefined
      const user = await staff.findById(found.userId)
      return user && !user.disabledAt ? user : undefined
    },

    async acceptInvite(token: string, password: string): Promise<StaffUser> {
      const user = await this.inviteFor(token)
      if (!user) throw new NotFoundError('Invitation not valid')
      const problem = passwordProblem(password, { email: user.email, name: user.displayName })
      if (problem) throw new ValidationError([{ field: 'password', href: '#password', text: problem }])
      const passwordHash = await hashPassword(password)
      return db.transaction(async (trx) => {
        const found = await staff.findToken(hashToken(token), 'invite', trx)
        if (!found || !(await staff.useToken(trx, found.id, iso())))
          throw new ConflictError('Invitation already used')
        await staff.update(trx, user.id, { passwordHash: passwordHash, updatedAt: iso() })
        await recordEvent(
          trx,
          {
            actor: staffActor(user),
            subject: { type: 'staff_user', id: user.id },
            kind: 'staff.password_set',
          },
          deps.now(),
        )
        return user
      })
    },

    /**
     * For a colleague who forgot their password: an emailed link, working once for as long as an
     * invitation, to set a new one. A new link retires any earlier one; a disabled account gets none.
     */
    async sendPasswordLink(actor: StaffUser, userId: string): Promise<void> {
      const at = deps.now()
      await db.transaction(async (trx) => {
        const user = await staff.findById(userId, trx)
        if (!user) throw new NotFoundError()
        if (user.disabledAt) {
          throw new ValidationError([
            {
              field: 'passwordLink',
              href: '#password-link',
              text: 'You cannot send a link to set a new password to a disabled account. Enable the account first',
            },
          ])
        }
        const token = generateToken()
        await staff.retireTokens(trx, 'password', user.id, at.toISOString())
        await staff.insertToken(
          trx,
          {
            id: newId(),
            purpose: 'password',
            tokenHash: hashToken(token),
            userId: user.id,
            expiresAt: new Date(at.getTime() + inviteLinkDays * 24 * 60 * 60_000).toISOString(),
          },
          at.toISOString(),
        )
        await enqueueMail(
          trx,
          {
            kind: 'staff-password-link',
            to: user.email,
            subject: `Set a new password for ${deps.serviceName}`,
            template: 'staff-password-link',
            locals: {
              serviceName: deps.serviceName,
              organisationName: deps.organisationName,
              displayName: user.displayName,
              sentBy: actor.displayName,
              link: absoluteUrl(deps.publicUrl, paths.staff.passwordLink({ token })),
              days: inviteLinkDays,
            },
          },
          at,
        )
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'staff_user', id: user.id },
            kind: 'staff.password_link_sent',
          },
          at,
        )
      })
    },

    async passwordLinkFor(token: string): Promise<StaffUser | undefined> {
      if (!isWellFormedToken(token)) return undefined
      const found = await staff.findToken(hashToken(token), 'password')
      if (!found?.userId || found.usedAt || found.expiresAt <= iso()) return undefined
      const user = await staff.findById(found.userId)
      return user && !user.disabledAt ? user : undefined
    },

    /**
     * Sets the new password from a link: every session of the account ends, wherever it was, and
     * its failed sign-ins are forgotten, as when an administrator unlocks it.
     */
    async resetPassword(token: string, password: string): Promise<StaffUser> {
      const user = await this.passwordLinkFor(token)
      if (!user) throw new NotFoundError('Password link not valid')
      const problem = passwordProblem(password, { email: user.email, name: user.displayName })
      if (problem) throw new ValidationError([{ field: 'password', href: '#password', text: problem }])
      const passwordHash = await hashPassword(password)
      return db.transaction(async (trx) => {
        const found = await staff.findToken(hashToken(token), 'password', trx)
        const at = iso()
        if (!found || found.expiresAt <= at || !(await staff.useToken(trx, found.id, at)))
          throw new NotFoundError('Password link not valid')
        const current = await staff.findById(user.id, trx)
        if (!current || current.disabledAt) throw new NotFoundError('Password link not valid')
        const locksCleared = await staff.clearSignInFailures(trx, user.id, at)
        await staff.update(trx, user.id, {
          passwordHash,
          failedLogins: 0,
          lockedUntil: null,
          passwordChangedAt: at,
          updatedAt: at,
        })
        const sessionsEnded = await staff.endSessions(trx, user.id)
        await recordEvent(
          trx,
          {
            actor: staffActor(user),
            subject: { type: 'staff_user', id: user.id },
            kind: 'staff.password_reset',
            data: { sessionsEnded, locksCleared },
          },
          deps.now(),
        )
        return user
      })
    },

    async changeRole(actor: StaffUser, userId: string, role: StaffRole): Promise<void> {
      await db.transaction(async (trx) => {
        const user = await staff.findById(userId, trx)
        if (!user) throw new NotFoundError()
        if (user.role === role) return
        if (user.role === 'admin' && !user.disabledAt && (await staff.countActiveAdmins(trx)) <= 1) {
          throw new ValidationError([
            { field: 'role', href: '#role', text: 'There must always be at least one active administrator' },
          ])
        }
        await staff.update(trx, userId, { role, updatedAt: iso() })
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'staff_user', id: userId },
            kind: 'staff.role_changed',
            data: { from: user.role, to: role },
          },
          deps.now(),
        )
      })
    },

    async setDisabled(actor: StaffUser, userId: string, disabled: boolean): Promise<void> {
      await db.transaction(async (trx) => {
        const user = await staff.findById(userId, trx)
        if (!user) throw new NotFoundError()
        if (Boolean(user.disabledAt) === disabled) return
        if (disabled && user.role === 'admin' && (await staff.countActiveAdmins(trx)) <= 1) {
          throw new ValidationError([
            { field: 'disabled', href: '#disable', text: 'You cannot disable the last active administrator' },
          ])
        }
        await staff.update(trx, userId, { disabledAt: disabled ? iso() : null, updatedAt: iso() })
        // A link sent before disabling must not work if the account is enabled again.
        if (disabled) await staff.retireTokens(trx, 'password', userId, iso())
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'staff_user', id: userId },
            kind: disabled ? 'staff.user_disabled' : 'staff.user_enabled',
          },
          deps.now(),
        )
      })
    },

    /** Turns on two-factor sign-in once the person proves their app shows the right code. */
    async enableTwoFactor(user: StaffUser, secret: string, code: string): Promise<void> {
      const check = checkTotp(secret, code, deps.now(), null)
      if (!check.valid) {
        throw new ValidationError([
          { field: 'code', href: '#code', text: 'Enter the 6-digit code your app shows now' },
        ])
      }
      await changeUser(
        user,
        user.id,
        {
          totpSecret: encryptTotpSecret(secret, deps.secret),
          totpEnabled: true,
          totpLastStep: check.step,
        },
        'staff.two_factor_enabled',
      )
    },

    async disableTwoFactor(user: StaffUser, code: string, adminsMustUseIt: boolean): Promise<void> {
      if (user.role === 'admin' && adminsMustUseIt) {
        throw new ValidationError([
          { field: 'code', href: '#code', text: 'Administrators must use two-factor sign-in' },
        ])
      }
      if (!(await this.checkSignInCode(user.id, code))) {
        throw new ValidationError([
          { field: 'code', href: '#code', text: 'Enter the 6-digit code your app shows now' },
        ])
      }
      await changeUser(
        user,
        user.id,
        { totpSecret: null, totpEnabled: false, totpLastStep: null },
        'staff.two_factor_disabled',
      )
    },

    /**
     * Checks a sign-in code and uses it up, so the same code cannot be used again: the time step is
     * claimed by one conditional update, so of several uses at once exactly one succeeds.
     */
    async checkSignInCode(userId: string, code: string): Promise<boolean> {
      const user = await staff.findById(userId)
      if (!user?.totpEnabled || !user.totpSecret || user.disabledAt) return false
      const at = deps.now()
      const check = checkTotp(decryptTotpSecret(user.totpSecret, deps.secret), code, at, user.totpLastStep)
      return db.transaction(async (trx) => {
        const passed = check.valid && (await staff.claimTotpStep(trx, user.id, check.step, at.toISOString()))
        await recordEvent(
          trx,
          {
            actor: staffActor(user),
            subject: { type: 'staff_user', id: user.id },
            kind: passed ? 'staff.two_factor_passed' : 'staff.two_factor_failed',
          },
          at,
        )
        return passed
      })
    },

    /** For a colleague who lost their phone: they set it up again at their next sign-in. */
    async resetTwoFactor(actor: StaffUser, userId: string): Promise<void> {
      await db.transaction(async (trx) => {
        const user = await staff.findById(userId, trx)
        if (!user) throw new NotFoundError()
        await staff.update(trx, userId, {
          totpSecret: null,
          totpEnabled: false,
          totpLastStep: null,
          updatedAt: iso(),
        })
        await recordEvent(
          trx,
          {
            actor: staffActor(actor),
            subject: { type: 'staff_user', id: userId },
            kind: 'staff.two_factor_reset',
          },
          deps.now(),
        )
      })
    },

    /**
     * Lets an account sign in again from everywhere: every network's failures and locks are
     * forgotten. From an administrator's page, or from the command line (`unlock-user`).
     */
    async unlock(actor: Actor, userId: string): Promise<{ locksCleared: number }> {
      return db.transaction(async (trx) => {
        const user = await staff.findById(userId, trx)
        if (!user) throw new NotFoundError()
        const locksCleared = await staff.clearSignInFailures(trx, userId, iso())
        await staff.update(trx, userId, { failedLogins: 0, lockedUntil: null, updatedAt: iso() })
        await recordEvent(
          trx,
          {
            actor,
            subject: { type: 'staff_user', id: userId },
            kind: 'staff.unlocked',
            data: { locksCleared, failedSignIns: user.failedLogins },
          },
          deps.now(),
        )
        return { locksCleared }
      })
    },

    async unlockByEmail(actor: Actor, rawEmail: string): Promise<{ user: StaffUser; locksCleared: number }> {
      const user = await staff.findByEmail(normaliseStaffEmail(rawEmail))
      if (!user) throw new NotFoundError('No such staff user')
      return { user, ...(await this.unlock(actor, user.id)) }
    },

    /** When sign-in is paused from some network: the latest lock per account, for the staff pages. */
    async signInLocks(userId?: string): Promise<Map<string, string>> {
      const locks = new Map<string, string>()
      for (const lock of await staff.signInLocks(iso(), userId)) {
        if (!locks.has(lock.userId)) locks.set(lock.userId, lock.lockedUntil)
      }
      return locks
    },
  }
}

export type AccountsService = ReturnType<typeof accountsService>
