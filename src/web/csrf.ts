import type { NextFunction, Request, Response } from 'express'
import { csrfSync } from 'csrf-sync'

/**
 * Synchroniser tokens kept in the session: every state-changing form carries `_csrf`,
 * and every rendered page gets a token to put in its forms.
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
      res.locals.csrfToken = generateToken(req)
      next()
    },
  ]
}
