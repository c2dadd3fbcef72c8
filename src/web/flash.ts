import type { NextFunction, Request, Response } from 'express'

/** A one-off message for the next page: a banner after a redirect. */
export interface Flash {
  kind: 'confirmed' | 'duplicate' | 'withdrawn' | 'signed-out' | 'success' | 'error'
  text?: string
}

declare module 'express-session' {
  interface SessionData {
    /** Set by a handler before it redirects; shown by the next page rendered. */
    flash?: Flash
  }
}

declare module 'express-serve-static-core' {
  interface Locals {
    /** The flash message for this page, taken from the session when the page renders. */
    readonly flash?: Flash
  }
}

/**
 * The one place the flash is read. It leaves the session only when a page renders (the view's
 * `flash`), so it survives any redirects on the way there, and a handler that sets a new one to
 * redirect keeps it for the next page.
 */
export function flashMessages() {
  return (req: Request, res: Response, next: NextFunction) => {
    let taken = false
    let flash: Flash | undefined
    Object.defineProperty(res.locals, 'flash', {
      enumerable: true,
      get(): Flash | undefined {
        if (!taken && req.session) {
          taken = true
          flash = req.session.flash
          delete req.session.flash
        }
        return flash
      },
    })
    next()
  }
}
