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
      return typeof body?._csrf === 'string' ? body._csrf : undefined
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
