import type { NextFunction, Request, Response } from 'express'
import { csrfSync } from 'csrf-sync'

/**
 * A token made only when a page writes it into a form. Storing a token is what starts a session,
 * so a page without a form (the home page, the accessibility statement) leaves no session row.
 * Templates print it like a string (`<%= csrfToken %>`, `encodeURIComponent(csrfToken)`).
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
 * Synchroniser tokens kept in the session: every state-changing form carries `_csrf`, and every
 * rendered page can put a token in its forms (made, and the session with it, on first use).
 */
export function csrfProtection() {
  const { csrfSynchronisedProtection, generateToken } = csrfSync({
    getTokenFromRequest: (req) => {
      const body = req.body as Record<string, unknown> | undefined
      if (typeof body?._csrf === 'string') return body._csrf
      // A file upload is streamed, not parsed before this check, so its form carries the token in
      // the action URL instead (query strings are never logged, and no Referer is sent).
      if (req.is('multipart/form-data') && typeof req.query._csrf === 'string') return req.query._csrf
      return undefined
    },
    errorConfig: { statusCode: 403, message: 'Invalid CSRF token', code: 'EBADCSRFTOKEN' },
  })
  return [
    csrfSynchronisedProtection,
    (req: Request, res: Response, next: NextFunction) => {
      // No session (it was destroyed on signing out): no form on that page can be sent anyway.
      res.locals.csrfToken = new CsrfToken(() => (req.session ? generateToken(req) : ''))
      next()
    },
  ]
}
