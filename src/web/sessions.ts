import session from 'express-session'
import type { Config } from '../config.js'
import type { KnexSessionStore } from './session-store.js'

export const sessionCookieName = 'portal.sid'

export function sessions(store: KnexSessionStore, config: Config) {
  return session({
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
}
