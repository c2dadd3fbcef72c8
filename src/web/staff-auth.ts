import type { NextFunction, Request, Response } from 'express'
import type { StaffUser } from '../domain/staff-user.js'
import { can, type Permission } from '../domain/roles.js'
import { ForbiddenError } from '../errors.js'
import { paths } from '../paths.js'

declare module 'express-session' {
  interface SessionData {
    staff?: { userId: string; loggedInAt: number; lastSeenAt: number }
    returnTo?: string
    /** Password checked, waiting for the two-factor code. */
    pendingTwoFactor?: { userId: string; at: number; returnTo?: string }
    /** The secret being set up, until the first code proves the app has it. */
    twoFactorSetupSecret?: string
    /** A password was just set, by an invitation or the first-run setup: its confirmation is next. */
    passwordSet?: 'invite' | 'setup'
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    staffUser?: StaffUser
    /** An administrator without two-factor sign-in while it is required: they must set it up first. */
    mustSetUpTwoFactor?: boolean
  }
}

export const idleTimeoutMs = 30 * 60 * 1000
export const absoluteTimeoutMs = 12 * 60 * 60 * 1000

/**
 * Loads the signed-in staff member on every request, ending the session after 30 idle minutes or
 * 12 hours in all. The account is read afresh, so a role change or a disabled account applies at once.
 */
export function loadStaffUser(
  accounts: { activeUser(id: string): Promise<StaffUser | undefined> },
  settings: { requireAdminTwoFactor(): Promise<boolean> },
  now: () => Date,
) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const signedIn = req.session?.staff
    if (!signedIn) return next()
    const at = now().getTime()
    const expired = at - signedIn.lastSeenAt > idleTimeoutMs || at - signedIn.loggedInAt > absoluteTimeoutMs
    const found = expired ? undefined : await accounts.activeUser(signedIn.userId)
    // A password reset ends every session begun before it, even one saved again since.
    const user =
      found?.passwordChangedAt && signedIn.loggedInAt < Date.parse(found.passwordChangedAt)
        ? undefined
        : found
    if (!user) {
      delete req.session.staff
      req.session.flash = { kind: 'signed-out' }
      return next()
    }
    signedIn.lastSeenAt = at
    req.staffUser = user
    req.mustSetUpTwoFactor =
      user.role === 'admin' && !user.totpEnabled && (await settings.requireAdminTwoFactor())
    res.locals.staffUser = { email: user.email, role: user.role, displayName: user.displayName }
    next()
  }
}

/** Every staff route starts with this: signed in, and the role may do the thing. */
export function requirePermission(permission: Permission) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!req.staffUser) {
      if (req.method === 'GET') req.session.returnTo = req.originalUrl
      return res.redirect(303, paths.staff.login())
    }
    if (req.mustSetUpTwoFactor && !req.originalUrl.startsWith(paths.staff.account())) {
      return res.redirect(303, paths.staff.account())
    }
    if (!can(req.staffUser.role, permission)) return next(new ForbiddenError())
    next()
  }
}
