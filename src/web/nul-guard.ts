import type { NextFunction, Request, Response } from 'express'
import { BadRequestError } from '../errors.js'

/** A NUL anywhere in a value; no one types one, and PostgreSQL cannot store it in text at all. */
function carriesNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000')
  if (Array.isArray(value)) return value.some(carriesNul)
  if (value && typeof value === 'object') return Object.values(value).some(carriesNul)
  return false
}

/**
 * Refuses, as a bad request, a path, query or form carrying a NUL character. Without this a NUL in
 * any field the portal looks up or stores (a sign-in address, a note, a case id in the path) made
 * its statement fail on PostgreSQL, a 500, and was kept as written on SQLite.
 */
export function refuseNulCharacters() {
  return (req: Request, _res: Response, next: NextFunction) => {
    if (req.path.includes('%00') || carriesNul(req.query) || carriesNul(req.body)) {
      return next(new BadRequestError('A NUL character in the request'))
    }
    next()
  }
}
