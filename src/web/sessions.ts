import type { NextFunction, Request, Response } from 'express'
import session from 'express-session'
import type { Config } from '../config.js'
import { SessionStoreError, type KnexSessionStore } from './session-store.js'

export const sessionCookieName = 'portal.sid'

export function sessions(store: KnexSessionStore, config: Config) {
  const middleware = session({
    name: sessionCookieName,
    secret: config.secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      maxAge: 2 * 60 * 60 * 1000,
    },
  })
  return (req: Request, res: Response, next: NextFunction) =>
    middleware(req, res, (error?: unknown) => {
      // A session saved as the response ends fails after the page has gone: the store has logged
      // it, and handing it on would only reach Express's last resort, which prints it to stderr.
      if (error instanceof SessionStoreError && res.headersSent) return
      next(error)
    })
}
