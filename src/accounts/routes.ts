import { Router, type Request, type Response } from 'express'
import { normaliseStaffEmail } from './service.js'
import { isValidEmail } from '../domain/email-address.js'
import { isStaffRole, roleDescriptions, roleLabels, staffRoles } from '../domain/roles.js'
import type { Services } from '../services.js'
import { ValidationError, type FieldError } from '../errors.js'
import { formValues, readText } from '../web/form-text.js'
import { rateRules } from '../web/rate-limit.js'
import { noStore } from '../web/security-headers.js'
import { requirePermission } from '../web/staff-auth.js'
import QRCode from 'qrcode'
import { staffPaths } from '../paths.js'
import type { StaffUser } from '../domain/staff-user.js'
import { newTotpSecret, totpUri } from './two-factor.js'

type Body = Record<string, unknown>
const bodyOf = (req: Request): Body => (req.body ?? {}) as Body
const param = (req: Request, name: string): string => String(req.params[name] ?? '')
const text = (body: Body, field: string): string => (typeof body[field] === 'string' ? body[field] : '')

const twoFactorWindowMs = 5 * 60 * 1000

const roleItems = staffRoles.map((role) => ({
  value: role,
  text: roleLabels[role],
  hint: roleDescriptions[role],
}))

/** Staff sign-in, first-run setup, invitations and the administrator's account pages. */
export function accountRoutes(services: Services): Router {
  const router = Router()
  const { accounts, limiter } = services

  router.get(staffPaths.login, noStore(), (req, res) => {
    if (req.staffUser) return res.redirect(303, staffPaths.home)
    const flash = req.session.flash
    delete req.session.flash
    res.render('accounts/login', {
      title: 'Sign in',
      errors: [],
      values: {},
      signedOut: flash?.kind === 'signed-out',
    })
  })

  router.post(staffPaths.login, noStore(), async (req, res) => {
    const body = bodyOf(req)
    const email = text(body, 'email').trim()
    const password = text(body, 'password')
    const errors: FieldError[] = []
    if (!email) errors.push({ field: 'email', href: '#email', text: 'Enter your email address' })
    if (!password) errors.push({ field: 'password', href: '#password', text: 'Enter your password' })
    if (errors.length === 0) {
      await limiter.consume([
        { key: `login:ip:${req.ip ?? 'unknown'}`, rule: rateRules.loginPerIp },
        { key: `login:account:${services.emailKey(email.toLowerCase())}`, rule: rateRules.loginPerAccount },
      ])
      const result = await accounts.login(email, password)
      if (result.ok) {
        const returnTo = req.session.returnTo
        await regenerate(req)
        const at = services.now().getTime()
        if (result.user.totpEnabled) {
          req.session.pendingTwoFactor = { userId: result.user.id, at, ...(returnTo ? { returnTo } : {}) }
          return res.redirect(303, staffPaths.loginCode)
        }
        req.session.staff = { userId: result.user.id, loggedInAt: at, lastSeenAt: at }
        return res.redirect(303, safeReturnTo(returnTo))
      }
      errors.push({
        field: 'email',
        href: '#email',
        text: 'Enter a correct email address and password. After 5 wrong attempts an account is locked for 15 minutes',
      })
    }
    res.status(400).render('accounts/login', {
      title: 'Sign in',
      hasErrors: true,
      errors,
      values: { email },
      signedOut: false,
    })
  })

  const pendingFor = (req: Request) => {
    const pending = req.session.pendingTwoFactor
    return pending && services.now().getTime() - pending.at < twoFactorWindowMs ? pending : undefined
  }

  router.get(staffPaths.loginCode, noStore(), (req, res) => {
    if (!pendingFor(req)) return res.redirect(303, staffPaths.login)
    res.render('accounts/login-code', { title: 'Enter your code', errors: [] })
  })

  router.post(staffPaths.loginCode, noStore(), async (req, res) => {
    const pending = pendingFor(req)
    if (!pending) return res.redirect(303, staffPaths.login)
    await limiter.consume([{ key: `two-factor:${pending.userId}`, rule: rateRules.loginPerAccount }])
    if (await accounts.checkSignInCode(pending.userId, text(bodyOf(req), 'code'))) {
      await regenerate(req)
      const at = services.now().getTime()
      req.session.staff = { userId: pending.userId, loggedInAt: at, lastSeenAt: at }
      return res.redirect(303, safeReturnTo(pending.returnTo))
    }
    res.status(400).render('accounts/login-code', {
      title: 'Enter your code',
      hasErrors: true,
      errors: [
        { field: 'code', href: '#code', text: 'Enter the 6-digit code your authenticator app shows now' },
      ],
    })
  })

  async function renderAccount(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const user = req.staffUser as StaffUser
    let setup: { secret: string; uri: string; qr: string } | undefined
    if (!user.totpEnabled) {
      req.session.twoFactorSetupSecret ??= newTotpSecret()
      const secret = req.session.twoFactorSetupSecret
      const uri = totpUri(secret, user.email, services.serviceName)
      setup = { secret, uri, qr: await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 }) }
    }
    const flash = req.session.flash
    delete req.session.flash
    res.status(status).render('accounts/account', {
      title: 'Your account',
      hasErrors: errors.length > 0,
      errors,
      user,
      roleLabels,
      setup,
      required: req.mustSetUpTwoFactor ?? false,
      adminsMustUseIt: user.role === 'admin' && (await services.settings.requireAdminTwoFactor()),
      flash,
    })
  }

  router.get(staffPaths.account, requirePermission('cases:read'), (req, res) => renderAccount(req, res, 200))

  router.post(`${staffPaths.account}/two-factor`, requirePermission('cases:read'), async (req, res) => {
    const secret = req.session.twoFactorSetupSecret
    try {
      if (!secret)
        throw new ValidationError([{ field: 'code', href: '#code', text: 'Start the set-up again' }])
      await accounts.enableTwoFactor(req.staffUser as StaffUser, secret, text(bodyOf(req), 'code'))
      delete req.session.twoFactorSetupSecret
      req.session.flash = {
        kind: 'success',
        text: 'Two-factor sign-in is on. You will need a code from your app each time you sign in.',
      }
      res.redirect(303, staffPaths.account)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      await renderAccount(req, res, 400, error.errors)
    }
  })

  router.post(
    `${staffPaths.account}/two-factor/disable`,
    requirePermission('cases:read'),
    async (req, res) => {
      try {
        await accounts.disableTwoFactor(
          req.staffUser as StaffUser,
          text(bodyOf(req), 'code'),
          await services.settings.requireAdminTwoFactor(),
        )
        req.session.flash = { kind: 'success', text: 'Two-factor sign-in is off.' }
        res.redirect(303, staffPaths.account)
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        await renderAccount(req, res, 400, error.errors)
      }
    },
  )

  router.get(staffPaths.settings, requirePermission('settings:manage'), async (req, res) => {
    const flash = req.session.flash
    delete req.session.flash
    res.render('accounts/settings', {
      title: 'Settings',
      requireAdminTwoFactor: await services.settings.requireAdminTwoFactor(),
      flash,
    })
  })

  router.post(staffPaths.settings, requirePermission('settings:manage'), async (req, res) => {
    await services.settings.setRequireAdminTwoFactor(
      req.staffUser as StaffUser,
      text(bodyOf(req), 'requireAdminTwoFactor') === 'yes',
    )
    req.session.flash = { kind: 'success', text: 'Settings saved.' }
    res.redirect(303, staffPaths.settings)
  })

  router.post(staffPaths.logout, async (req, res) => {
    if (req.staffUser) await accounts.recordLogout(req.staffUser)
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
    )
    res.clearCookie('portal.sid')
    res.redirect(303, staffPaths.login)
  })

  router.get('/staff/setup/:token', noStore(), async (req, res) => {
    if (!(await accounts.isSetupTokenValid(param(req, 'token')))) {
      return res.status(410).render('accounts/link-invalid', { title: 'This setup link does not work' })
    }
    res.render('accounts/setup', { title: 'Create the first administrator', errors: [], values: {} })
  })

  router.post('/staff/setup/:token', noStore(), async (req, res) => {
    const token = param(req, 'token')
    if (!(await accounts.isSetupTokenValid(token))) {
      return res.status(410).render('accounts/link-invalid', { title: 'This setup link does not work' })
    }
    const body = bodyOf(req)
    try {
      const errors: FieldError[] = []
      const displayName = readText(
        body,
        { field: 'displayName', name: 'your name', required: 'Enter your name', max: 200 },
        errors,
      )
      const email = readText(
        body,
        { field: 'email', name: 'your email address', required: 'Enter your email address', max: 254 },
        errors,
      )
      const password = text(body, 'password')
      if (!password) errors.push({ field: 'password', href: '#password', text: 'Enter a password' })
      if (errors.length > 0) throw new ValidationError(errors)
      const user = await accounts.completeSetup(token, {
        email: email ?? '',
        displayName: displayName ?? '',
        password,
      })
      await regenerate(req)
      const at = services.now().getTime()
      req.session.staff = { userId: user.id, loggedInAt: at, lastSeenAt: at }
      res.redirect(303, staffPaths.home)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      res.status(400).render('accounts/setup', {
        title: 'Create the first administrator',
        hasErrors: true,
        errors: error.errors,
        values: formValues(body, ['displayName', 'email']),
      })
    }
  })

  router.get('/staff/invite/:token', noStore(), async (req, res) => {
    const user = await accounts.inviteFor(param(req, 'token'))
    if (!user)
      return res.status(410).render('accounts/link-invalid', { title: 'This invitation does not work' })
    res.render('accounts/set-password', { title: 'Set your password', user, errors: [] })
  })

  router.post('/staff/invite/:token', noStore(), async (req, res) => {
    const token = param(req, 'token')
    const user = await accounts.inviteFor(token)
    if (!user)
      return res.status(410).render('accounts/link-invalid', { title: 'This invitation does not work' })
    const password = text(bodyOf(req), 'password')
    try {
      if (!password)
        throw new ValidationError([{ field: 'password', href: '#password', text: 'Enter a password' }])
      await accounts.acceptInvite(token, password)
      req.session.flash = { kind: 'success', text: 'Your password is set. You can now sign in.' }
      res.redirect(303, staffPaths.login)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      res.status(400).render('accounts/set-password', {
        title: 'Set your password',
        hasErrors: true,
        user,
        errors: error.errors,
      })
    }
  })

  router.get(staffPaths.users, requirePermission('users:manage'), async (req, res) => {
    const flash = req.session.flash
    delete req.session.flash
    res.render('accounts/users', {
      title: 'Staff accounts',
      users: await accounts.list(),
      roleLabels,
      now: services.now().toISOString(),
      flash,
    })
  })

  router.get(staffPaths.inviteUser, requirePermission('users:manage'), (_req, res) => {
    res.render('accounts/invite', {
      title: 'Invite a colleague',
      errors: [],
      values: {},
      roleItems,
      backLink: staffPaths.users,
    })
  })

  router.post(staffPaths.inviteUser, requirePermission('users:manage'), async (req, res) => {
    const body = bodyOf(req)
    try {
      const errors: FieldError[] = []
      const displayName = readText(
        body,
        { field: 'displayName', name: 'their name', required: 'Enter their name', max: 200 },
        errors,
      )
      const email = readText(
        body,
        { field: 'email', name: 'their email address', required: 'Enter their email address', max: 254 },
        errors,
      )
      if (email && !isValidEmail(normaliseStaffEmail(email))) {
        errors.push({
          field: 'email',
          href: '#email',
          text: 'Enter an email address in the correct format, like name@example.com',
        })
      }
      const role = body.role
      if (!isStaffRole(role)) errors.push({ field: 'role', href: '#role', text: 'Select a role' })
      if (errors.length > 0 || !isStaffRole(role)) throw new ValidationError(errors)
      await accounts.invite(req.staffUser!, { email: email ?? '', displayName: displayName ?? '', role })
      req.session.flash = { kind: 'success', text: `Invitation sent to ${displayName ?? ''}.` }
      res.redirect(303, staffPaths.users)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      res.status(400).render('accounts/invite', {
        title: 'Invite a colleague',
        hasErrors: true,
        errors: error.errors,
        values: formValues(body, ['displayName', 'email', 'role']),
        roleItems,
        backLink: staffPaths.users,
      })
    }
  })

  async function renderUser(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const user = await accounts.find(param(req, 'id'))
    const flash = req.session.flash
    delete req.session.flash
    res.status(status).render('accounts/user', {
      flash,
      title: user.displayName,
      hasErrors: errors.length > 0,
      errors,
      user,
      roleItems,
      roleLabels,
      locked: user.lockedUntil !== null && user.lockedUntil > services.now().toISOString(),
      isSelf: user.id === req.staffUser?.id,
      backLink: staffPaths.users,
    })
  }

  router.get('/staff/users/:id', requirePermission('users:manage'), (req, res) => renderUser(req, res, 200))

  const userAction =
    (action: (req: Request) => Promise<void>, done: string) => async (req: Request, res: Response) => {
      try {
        await action(req)
        req.session.flash = { kind: 'success', text: done }
        res.redirect(303, staffPaths.user(param(req, 'id')))
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        await renderUser(req, res, 400, error.errors)
      }
    }

  router.post(
    '/staff/users/:id/role',
    requirePermission('users:manage'),
    userAction(async (req) => {
      const role = bodyOf(req).role
      if (!isStaffRole(role))
        throw new ValidationError([{ field: 'role', href: '#role', text: 'Select a role' }])
      await accounts.changeRole(req.staffUser!, param(req, 'id'), role)
    }, 'Role changed.'),
  )
  router.post(
    '/staff/users/:id/disable',
    requirePermission('users:manage'),
    userAction((req) => accounts.setDisabled(req.staffUser!, param(req, 'id'), true), 'Account disabled.'),
  )
  router.post(
    '/staff/users/:id/enable',
    requirePermission('users:manage'),
    userAction((req) => accounts.setDisabled(req.staffUser!, param(req, 'id'), false), 'Account enabled.'),
  )
  router.post(
    '/staff/users/:id/reset-two-factor',
    requirePermission('users:manage'),
    userAction(
      (req) => accounts.resetTwoFactor(req.staffUser!, param(req, 'id')),
      'Two-factor sign-in reset.',
    ),
  )
  router.post(
    '/staff/users/:id/reset-lockout',
    requirePermission('users:manage'),
    userAction((req) => accounts.resetLockout(req.staffUser!, param(req, 'id')), 'Failed sign-ins cleared.'),
  )

  // An auditor handles no cases: the dashboard is where their work starts.
  router.get(staffPaths.home, requirePermission('cases:read'), (req, res) =>
    res.redirect(303, req.staffUser?.role === 'auditor' ? staffPaths.dashboard : staffPaths.queue),
  )

  return router
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve())),
  )
}

/** Only a path on this site: never an open redirect. */
function safeReturnTo(returnTo: string | undefined): string {
  return returnTo && /^\/staff(\/|$)/.test(returnTo) && !returnTo.startsWith('//')
    ? returnTo
    : staffPaths.home
}
