import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { inviteLinkDays, normaliseStaffEmail, staffActor } from './service.js'
import { isValidEmail } from '../domain/email-address.js'
import { roleDescriptions, roleLabels, staffRoles } from '../domain/roles.js'
import { newRequestChoiceLabels, newRequestChoices } from '../domain/staff-notifications.js'
import type { Services } from '../services.js'
import { NotFoundError, TooManyRequestsError, ValidationError, type FieldError } from '../errors.js'
import { formValues } from '../web/form-text.js'
import { rateRules, type AttemptCount, type RateRule } from '../web/rate-limit.js'
import { noStore } from '../web/security-headers.js'
import { requirePermission } from '../web/staff-auth.js'
import { checkForm, parseForm, required, textField } from '../web/validate.js'
import QRCode from 'qrcode'
import { paths } from '../paths.js'
import type { StaffUser } from '../domain/staff-user.js'
import { newTotpSecret, totpUri } from './two-factor.js'
import { firstLockMinutes, lockAfterFailures, signInNetwork, tryAgainWhen } from './lockout.js'

type Body = Record<string, unknown>
const bodyOf = (req: Request): Body => (req.body ?? {}) as Body
const param = (req: Request, name: string): string => String(req.params[name] ?? '')
const text = (body: Body, field: string): string => (typeof body[field] === 'string' ? body[field] : '')

const twoFactorWindowMs = 5 * 60 * 1000

/** The rate-limit keys of staff sign-in: failed attempts from a network, wrong codes for an account. */
const signInNetworkKey = (req: Request) => `login:ip:${signInNetwork(req.ip)}`
const twoFactorKey = (userId: string) => `two-factor:${userId}`

/** Why sign-in is paused, as the staff page explains it. */
type PauseReason = 'account' | 'network' | 'code'

const loginForm = z.object({
  email: required('Enter your email address'),
  password: required('Enter your password', { trim: false }),
})

const setupForm = z.object({
  displayName: textField({ name: 'your name', required: 'Enter your name', max: 200 }),
  email: textField({ name: 'your email address', required: 'Enter your email address', max: 254 }),
  password: required('Enter a password', { trim: false }),
})

const passwordForm = z.object({ password: required('Enter a password', { trim: false }) })

const roleField = z.enum(staffRoles, { error: 'Select a role' })

const inviteForm = z.object({
  displayName: textField({ name: 'their name', required: 'Enter their name', max: 200 }),
  email: textField({ name: 'their email address', required: 'Enter their email address', max: 254 }).refine(
    (email) => isValidEmail(normaliseStaffEmail(email)),
    { error: 'Enter an email address in the correct format, like name@example.com' },
  ),
  role: roleField,
})

const roleForm = z.object({ role: roleField })

const roleItems = staffRoles.map((role) => ({
  value: role,
  text: roleLabels[role],
  hint: roleDescriptions[role],
}))

/** Staff sign-in, first-run setup, invitations and the administrator's account pages. */
export function accountRoutes(services: Services): Router {
  const router = Router()
  const { accounts, limiter } = services

  /** The staff page for a paused sign-in: until when, in words and UK time, and who can lift it. */
  function renderPaused(res: Response, reason: PauseReason, retryAfterSeconds: number) {
    const now = services.now()
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds))
    res.setHeader('Retry-After', String(seconds))
    res.status(429).render('accounts/sign-in-paused', {
      title: 'Signing in is paused',
      reason,
      tryAgain: tryAgainWhen(now, new Date(now.getTime() + seconds * 1000)),
    })
  }

  /** Counts an attempt against a limit on failures; undefined once the paused page is shown. */
  async function countAttempt(
    res: Response,
    key: string,
    rule: RateRule,
    reason: PauseReason,
  ): Promise<AttemptCount | undefined> {
    try {
      return await limiter.attempt(key, rule)
    } catch (error) {
      if (!(error instanceof TooManyRequestsError)) throw error
      renderPaused(res, reason, error.retryAfterSeconds)
      return undefined
    }
  }

  router.get(paths.staff.login.pattern, noStore(), (req, res) => {
    if (req.staffUser) return res.redirect(303, paths.staff.home())
    res.render('accounts/login', {
      title: 'Sign in',
      errors: [],
      values: {},
      signedOut: res.locals.flash?.kind === 'signed-out',
    })
  })

  router.post(paths.staff.login.pattern, noStore(), async (req, res) => {
    const email = text(bodyOf(req), 'email').trim()
    const form = checkForm(loginForm, req.body)
    const errors: FieldError[] = form.ok ? [] : form.errors
    if (form.ok) {
      const { password } = form.value
      // Only failed sign-ins count, here per network and in the service per account and network:
      // a count per account alone would let anyone keep its owner out.
      const counted = await countAttempt(res, signInNetworkKey(req), rateRules.loginPerIp, 'network')
      if (!counted) return
      const result = await accounts.login(email, password, { ip: req.ip })
      if (result.ok) {
        await counted.succeeded()
        const returnTo = req.session.returnTo
        await regenerate(req)
        const at = services.now().getTime()
        if (result.user.totpEnabled) {
          req.session.pendingTwoFactor = { userId: result.user.id, at, ...(returnTo ? { returnTo } : {}) }
          return res.redirect(303, paths.staff.loginCode())
        }
        req.session.staff = { userId: result.user.id, loggedInAt: at, lastSeenAt: at }
        return res.redirect(303, safeReturnTo(returnTo))
      }
      if (result.pausedUntil) {
        return renderPaused(
          res,
          'account',
          (Date.parse(result.pausedUntil) - services.now().getTime()) / 1000,
        )
      }
      errors.push({
        field: 'email',
        href: '#email',
        text: `Enter a correct email address and password. After ${lockAfterFailures} wrong attempts, signing in to the account from here is paused for ${firstLockMinutes} minutes, and longer if it happens again`,
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

  router.get(paths.staff.loginCode.pattern, noStore(), (req, res) => {
    if (!pendingFor(req)) return res.redirect(303, paths.staff.login())
    res.render('accounts/login-code', { title: 'Enter your code', errors: [] })
  })

  router.post(paths.staff.loginCode.pattern, noStore(), async (req, res) => {
    const pending = pendingFor(req)
    if (!pending) return res.redirect(303, paths.staff.login())
    const counted = await countAttempt(res, twoFactorKey(pending.userId), rateRules.loginPerAccount, 'code')
    if (!counted) return
    if (await accounts.checkSignInCode(pending.userId, text(bodyOf(req), 'code'))) {
      await counted.succeeded({ forget: true })
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

  async function renderAccount(
    req: Request,
    res: Response,
    status: number,
    errors: FieldError[] = [],
    /** The notification choices as sent, when the form comes back with an error. */
    notificationForm?: { newRequests: string; also: string[] },
  ) {
    const user = req.staffUser as StaffUser
    const notifications = await services.notifications.preferencesOf(user)
    let setup: { secret: string; uri: string; qr: string } | undefined
    if (!user.totpEnabled) {
      req.session.twoFactorSetupSecret ??= newTotpSecret()
      const secret = req.session.twoFactorSetupSecret
      const uri = totpUri(secret, user.email, services.serviceName)
      setup = { secret, uri, qr: await QRCode.toString(uri, { type: 'svg', margin: 1, width: 200 }) }
    }
    res.status(status).render('accounts/account', {
      title: 'Your account',
      hasErrors: errors.length > 0,
      errors,
      user,
      roleLabels,
      setup,
      required: req.mustSetUpTwoFactor ?? false,
      adminsMustUseIt: user.role === 'admin' && (await services.settings.requireAdminTwoFactor()),
      notifications: {
        notified: notifications.notified,
        items: newRequestChoices.map((value) => ({ value, ...newRequestChoiceLabels[value] })),
        values: notificationForm ?? {
          newRequests: notifications.preferences.newRequests,
          also: [
            ...(notifications.preferences.replies ? ['replies'] : []),
            ...(notifications.preferences.digest ? ['digest'] : []),
          ],
        },
      },
    })
  }

  router.get(paths.staff.account.pattern, requirePermission('cases:read'), (req, res) =>
    renderAccount(req, res, 200),
  )

  // Only those who can act on requests are emailed about them, so only they choose.
  router.post(paths.staff.notificationChoices.pattern, requirePermission('cases:act'), async (req, res) => {
    const body = bodyOf(req)
    try {
      await services.notifications.savePreferences(req.staffUser as StaffUser, {
        newRequests: body.newRequests,
        also: body.also,
      })
      req.session.flash = { kind: 'success', text: 'Your email notification choices are saved.' }
      res.redirect(303, paths.staff.account())
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      const also = ([] as unknown[]).concat(body.also ?? []).filter((v): v is string => typeof v === 'string')
      await renderAccount(req, res, 400, error.errors, { newRequests: text(body, 'newRequests'), also })
    }
  })

  router.post(paths.staff.enableTwoFactor.pattern, requirePermission('cases:read'), async (req, res) => {
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
      res.redirect(303, paths.staff.account())
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      await renderAccount(req, res, 400, error.errors)
    }
  })

  router.post(paths.staff.disableTwoFactor.pattern, requirePermission('cases:read'), async (req, res) => {
    try {
      await accounts.disableTwoFactor(
        req.staffUser as StaffUser,
        text(bodyOf(req), 'code'),
        await services.settings.requireAdminTwoFactor(),
      )
      req.session.flash = { kind: 'success', text: 'Two-factor sign-in is off.' }
      res.redirect(303, paths.staff.account())
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      await renderAccount(req, res, 400, error.errors)
    }
  })

  router.get(paths.staff.settings.pattern, requirePermission('settings:manage'), async (_req, res) => {
    res.render('accounts/settings', {
      title: 'Settings',
      requireAdminTwoFactor: await services.settings.requireAdminTwoFactor(),
    })
  })

  router.post(paths.staff.settings.pattern, requirePermission('settings:manage'), async (req, res) => {
    await services.settings.setRequireAdminTwoFactor(
      req.staffUser as StaffUser,
      text(bodyOf(req), 'requireAdminTwoFactor') === 'yes',
    )
    req.session.flash = { kind: 'success', text: 'Settings saved.' }
    res.redirect(303, paths.staff.settings())
  })

  router.post(paths.staff.logout.pattern, async (req, res) => {
    if (req.staffUser) await accounts.recordLogout(req.staffUser)
    await new Promise<void>((resolve, reject) =>
      req.session.destroy((err) => (err ? reject(err as Error) : resolve())),
    )
    res.clearCookie('portal.sid')
    res.redirect(303, paths.staff.signedOut())
  })

  // Reached without a session, and says nothing about who signed out.
  router.get(paths.staff.signedOut.pattern, noStore(), (req, res) => {
    if (req.staffUser) return res.redirect(303, paths.staff.home())
    res.render('accounts/signed-out', { title: 'You have signed out' })
  })

  // Shown once, after the password is set: the next step is signing in, or the work itself.
  router.get(paths.staff.passwordSet.pattern, noStore(), (req, res) => {
    const after = req.session.passwordSet
    delete req.session.passwordSet
    if (!after) return res.redirect(303, req.staffUser ? paths.staff.home() : paths.staff.login())
    res.render('accounts/password-set', {
      title: after === 'setup' ? 'Your account is set up' : 'Your password is set',
      after,
      signedIn: Boolean(req.staffUser),
    })
  })

  router.get(paths.staff.setup.pattern, noStore(), async (req, res) => {
    if (!(await accounts.isSetupTokenValid(param(req, 'token')))) {
      return res.status(410).render('accounts/link-invalid', { title: 'This setup link does not work' })
    }
    res.render('accounts/setup', { title: 'Create the first administrator', errors: [], values: {} })
  })

  router.post(paths.staff.setup.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    if (!(await accounts.isSetupTokenValid(token))) {
      return res.status(410).render('accounts/link-invalid', { title: 'This setup link does not work' })
    }
    const body = bodyOf(req)
    try {
      const user = await accounts.completeSetup(token, parseForm(setupForm, body))
      await regenerate(req)
      const at = services.now().getTime()
      req.session.staff = { userId: user.id, loggedInAt: at, lastSeenAt: at }
      req.session.passwordSet = 'setup'
      res.redirect(303, paths.staff.passwordSet())
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

  router.get(paths.staff.acceptInvite.pattern, noStore(), async (req, res) => {
    const user = await accounts.inviteFor(param(req, 'token'))
    if (!user)
      return res.status(410).render('accounts/link-invalid', { title: 'This invitation does not work' })
    res.render('accounts/set-password', { title: 'Set your password', user, errors: [] })
  })

  router.post(paths.staff.acceptInvite.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const user = await accounts.inviteFor(token)
    if (!user)
      return res.status(410).render('accounts/link-invalid', { title: 'This invitation does not work' })
    try {
      const { password } = parseForm(passwordForm, req.body)
      await accounts.acceptInvite(token, password)
      req.session.passwordSet = 'invite'
      res.redirect(303, paths.staff.passwordSet())
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

  const linkInvalid = (res: Response) =>
    res
      .status(410)
      .render('accounts/link-invalid', { title: 'This link to set a new password does not work' })

  router.get(paths.staff.passwordLink.pattern, noStore(), async (req, res) => {
    const user = await accounts.passwordLinkFor(param(req, 'token'))
    if (!user) return linkInvalid(res)
    res.render('accounts/set-password', { title: 'Set a new password', user, errors: [] })
  })

  router.post(paths.staff.passwordLink.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const user = await accounts.passwordLinkFor(token)
    if (!user) return linkInvalid(res)
    try {
      const { password } = parseForm(passwordForm, req.body)
      await accounts.resetPassword(token, password)
      await limiter.forget(twoFactorKey(user.id))
      // A fresh session: whoever opened the link is signed in as no one until they sign in again.
      await regenerate(req)
      req.session.passwordSet = 'invite'
      res.redirect(303, paths.staff.passwordSet())
    } catch (error) {
      if (error instanceof NotFoundError) return linkInvalid(res)
      if (!(error instanceof ValidationError)) throw error
      res.status(400).render('accounts/set-password', {
        title: 'Set a new password',
        hasErrors: true,
        user,
        errors: error.errors,
      })
    }
  })

  router.get(paths.staff.users.pattern, requirePermission('users:manage'), async (_req, res) => {
    res.render('accounts/users', {
      title: 'Staff accounts',
      users: await accounts.list(),
      locked: await accounts.signInLocks(),
      roleLabels,
    })
  })

  router.get(paths.staff.inviteUser.pattern, requirePermission('users:manage'), (_req, res) => {
    res.render('accounts/invite', {
      title: 'Invite a colleague',
      errors: [],
      values: {},
      roleItems,
      backLink: paths.staff.users(),
    })
  })

  router.post(paths.staff.inviteUser.pattern, requirePermission('users:manage'), async (req, res) => {
    const body = bodyOf(req)
    try {
      const invitation = parseForm(inviteForm, body)
      await accounts.invite(req.staffUser!, invitation)
      req.session.flash = { kind: 'success', text: `Invitation sent to ${invitation.displayName}.` }
      res.redirect(303, paths.staff.users())
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      res.status(400).render('accounts/invite', {
        title: 'Invite a colleague',
        hasErrors: true,
        errors: error.errors,
        values: formValues(body, ['displayName', 'email', 'role']),
        roleItems,
        backLink: paths.staff.users(),
      })
    }
  })

  async function renderUser(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const user = await accounts.find(param(req, 'id'))
    res.status(status).render('accounts/user', {
      title: user.displayName,
      hasErrors: errors.length > 0,
      errors,
      user,
      roleItems,
      roleLabels,
      lockedUntil: (await accounts.signInLocks(user.id)).get(user.id),
      isSelf: user.id === req.staffUser?.id,
      passwordLinkDays: inviteLinkDays,
      backLink: paths.staff.users(),
    })
  }

  router.get(paths.staff.user.pattern, requirePermission('users:manage'), (req, res) =>
    renderUser(req, res, 200),
  )

  const userAction =
    (action: (req: Request) => Promise<void>, done: string) => async (req: Request, res: Response) => {
      try {
        await action(req)
        req.session.flash = { kind: 'success', text: done }
        res.redirect(303, paths.staff.user({ id: param(req, 'id') }))
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error
        await renderUser(req, res, 400, error.errors)
      }
    }

  router.post(
    paths.staff.userAction.role.pattern,
    requirePermission('users:manage'),
    userAction(async (req) => {
      const { role } = parseForm(roleForm, req.body)
      await accounts.changeRole(req.staffUser!, param(req, 'id'), role)
    }, 'Role changed.'),
  )
  router.post(
    paths.staff.userAction.disable.pattern,
    requirePermission('users:manage'),
    userAction((req) => accounts.setDisabled(req.staffUser!, param(req, 'id'), true), 'Account disabled.'),
  )
  router.post(
    paths.staff.userAction.enable.pattern,
    requirePermission('users:manage'),
    userAction((req) => accounts.setDisabled(req.staffUser!, param(req, 'id'), false), 'Account enabled.'),
  )
  router.post(
    paths.staff.userAction.resetTwoFactor.pattern,
    requirePermission('users:manage'),
    userAction(
      (req) => accounts.resetTwoFactor(req.staffUser!, param(req, 'id')),
      'Two-factor sign-in reset.',
    ),
  )
  router.post(
    paths.staff.userAction.resetLockout.pattern,
    requirePermission('users:manage'),
    userAction(async (req) => {
      await accounts.unlock(staffActor(req.staffUser!), param(req, 'id'))
      await limiter.forget(twoFactorKey(param(req, 'id')))
    }, 'Failed sign-ins cleared: they can sign in again from anywhere.'),
  )
  router.post(
    paths.staff.userAction.sendPasswordLink.pattern,
    requirePermission('users:manage'),
    userAction(
      (req) => accounts.sendPasswordLink(req.staffUser!, param(req, 'id')),
      'Link to set a new password sent. It works once, and any earlier link no longer works.',
    ),
  )

  // An auditor handles no cases: the dashboard is where their work starts.
  router.get(paths.staff.home.pattern, requirePermission('cases:read'), (req, res) =>
    res.redirect(303, req.staffUser?.role === 'auditor' ? paths.staff.dashboard() : paths.staff.queue()),
  )

  return router
}

function regenerate(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.session.regenerate((err) => (err ? reject(err as Error) : resolve())),
  )
}

/** Only a staff page on this site: never an open redirect. */
function safeReturnTo(returnTo: string | undefined): string {
  const home = paths.staff.home()
  return returnTo && (returnTo === home || returnTo.startsWith(`${home}/`)) ? returnTo : home
}
