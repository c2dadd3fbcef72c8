import { randomUUID } from 'node:crypto'
import type { NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'

declare module 'express-serve-static-core' {
  interface Request {
    id: string
  }
}

/** Paths can hold secret tokens; the query string can hold an address someone searched for. */
export function loggablePath(url: string): string {
  const pathOnly = url.split('?')[0] ?? ''
  return pathOnly
    .split('/')
    .map((segment) => (/^[A-Za-z0-9_-]{20,}$/.test(segment) ? ':token' : segment))
    .join('/')
}

/** Gives each request an id (echoed in X-Request-Id) and logs one line when it finishes. */
export function requestLogging(log: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    req.id = randomUUID()
    res.setHeader('X-Request-Id', req.id)
    const started = process.hrtime.bigint()
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6
      log.info(
        {
          reqId: req.id,
          method: req.method,
          path: loggablePath(req.originalUrl),
          status: res.statusCode,
          ms: Math.round(ms * 10) / 10,
        },
        'request',
      )
    })
    next()
  }
}
