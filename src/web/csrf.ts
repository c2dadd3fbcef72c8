import { createHmac, timingSafeEqual } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import { parse as parseCookies } from 'cookie'
import { csrfSync } from 'csrf-sync'
import type { SessionData } from 'express-session'
import { generateToken as randomKey } from '../security/tokens.js'

/**
 * A token made only when a page writes it into a form. A page without a form (the home page, the
 * accessibility statement) sets no cookie and starts no session. Templates print it like a string
 * (`<%= csrfToken %>`, `encodeURIComponent(csrfToken)`).
 */
export class CsrfToken {
  private value: string | undefined

  constructor(private readonly issue: () => string) {}

  toString(): string {
    this.value ??= this.issue()
    return this.value
  }

  toJSON(): string {
    return this.toString()
  }
}

/**
 * A session in which someone is signing in or signed in as staff. Its forms carry a synchroniser
 * token kept in the session, which a new session (at sign-in) replaces, so nothing planted in the
 * browser beforehand can act as a signed-in member of staff.
 */
function isStaffSession(session: Partial<SessionData> | undefined): boolean {
  return Boolean(
    session &&
    (session.staff || session.pendingTwoFactor || session.twoFactorSetupSecret || session.passwordSet),
  )
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Every state-changing form carries `_csrf`; two kinds of token check it.
 * - Staff sessions: a synchroniser token stored in the session.
 * - Everyone else (a person making a request, confirming it, replying): a token derived with the
 *   portal's secret from a random key in a cookie of its own (signed double-submit). Nothing is
 *   stored, so a visitor reading a form leaves no session row; a session starts only when a form
 *   posted needs one. A forged form cannot carry the token, since another site can neither read
 *   the cookie nor derive the token without the secret.
 */
export function csrfProtection(options: { secret: string; secureCookies: boolean }) {
  const sync = csrfSync({
    getTokenFromRequest: tokenSent,
    errorConfig: { statusCode: 403, message: 'Invalid CSRF token', code: 'EBADCSRFTOKEN' },
  })
  // `__Host-` cookies are refused by browsers unless secure, for this host only and for every path.
  const cookieName = options.secureCookies ? '__Host-portal.csrf' : 'portal.csrf'
  const tokenFor = (key: string) =>
    createHmac('sha256', options.secret).update(`csrf:${key}`).digest('base64url')
  const keyIn = (req: Request): string | undefined => {
    const header = req.headers.cookie
    const key = header ? parseCookies(header)[cookieName] : undefined
    return key && /^[A-Za-z0-9_-]{43}$/.test(key) ? key : undefined
  }

  function visitorToken(req: Request, res: Response): string {
    let key = keyIn(req)
    if (!key) {
      key = randomKey()
      res.cookie(cookieName, key, {
        httpOnly: true,
        sameSite: 'lax',
        secure: options.secureCookies,
        path: '/',
      })
    }
    return tokenFor(key)
  }

  function visitorTokenIsValid(req: Request): boolean {
    const key = keyIn(req)
    const sent = tokenSent(req)
    if (!key || !sent) return false
    const expected = Buffer.from(tokenFor(key))
    const given = Buffer.from(sent)
    return given.length === expected.length && timingSafeEqual(given, expected)
  }

  return [
    (req: Request, res: Response, next: NextFunction) => {
      if (safeMethods.has(req.method)) return next()
      if (isStaffSession(req.session)) return sync.csrfSynchronisedProtection(req, res, next)
      if (visitorTokenIsValid(req)) return next()
      next(sync.invalidCsrfTokenError)
    },
    (req: Request, res: Response, next: NextFunction) => {
      res.locals.csrfToken = new CsrfToken(() =>
        isStaffSession(req.session) ? sync.generateToken(req) : visitorToken(req, res),
      )
      next()
    },
  ]
}

function tokenSent(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined
  if (typeof body?._csrf === 'string') return body._csrf
  // A file upload is streamed, not parsed before this check, so its form carries the token in
  // the action URL instead (query strings are never logged, and no Referer is sent).
  if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf
  return undefined
}
