import type { NextFunction, Request, Response } from 'express'
import type { Logger } from 'pino'
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  ValidationError,
} from '../errors.js'

interface HttpishError {
  status?: number
  statusCode?: number
  type?: string
  code?: string
  expose?: boolean
}

export function notFoundHandler() {
  return (_req: Request, res: Response) => {
    res.status(404).render('errors/not-found', { title: 'Page not found' })
  }
}

/** Maps typed errors to pages. Nothing internal (stack, SQL, message) ever reaches the response. */
export function errorHandler(log: Logger, options: { showDetail: boolean }) {
  return (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error)
    const httpish = (typeof error === 'object' && error !== null ? error : {}) as HttpishError
    const status = httpish.status ?? httpish.statusCode

    if (error instanceof NotFoundError) {
      return res.status(404).render('errors/not-found', { title: 'Page not found' })
    }
    if (error instanceof ForbiddenError || httpish.code === 'EBADCSRFTOKEN' || isCsrfError(error)) {
      if (error instanceof ForbiddenError) {
        return res
          .status(403)
          .render('errors/forbidden', { title: 'You do not have permission to view this page' })
      }
      return res.status(403).render('errors/csrf', { title: 'Your form could not be sent' })
    }
    if (error instanceof TooManyRequestsError) {
      res.setHeader('Retry-After', String(error.retryAfterSeconds))
      return res.status(429).render('errors/too-many-requests', {
        title: 'You have made too many requests',
        retryAfterMinutes: Math.max(1, Math.ceil(error.retryAfterSeconds / 60)),
      })
    }
    if (httpish.type === 'entity.too.large' || status === 413) {
      return res.status(413).render('errors/payload-too-large', { title: 'What you sent is too large' })
    }
    if (error instanceof BadRequestError || error instanceof ValidationError) {
      return res.status(400).render('errors/bad-request', { title: 'There is a problem' })
    }
    if (error instanceof ConflictError) {
      return res.status(409).render('errors/bad-request', {
        title: 'There is a problem',
        message: 'This action is no longer possible. Go back and refresh the page to see the latest state.',
      })
    }
    if (status === 415 || httpish.type === 'charset.unsupported' || httpish.type === 'encoding.unsupported') {
      return res.status(415).render('errors/bad-request', {
        title: 'There is a problem',
        message: 'The form was sent in a format we cannot read. Go back and try again.',
      })
    }
    if (status !== undefined && status >= 400 && status < 500) {
      return res.status(status).render('errors/bad-request', { title: 'There is a problem' })
    }

    log.error({ reqId: req.id, err: error }, 'unhandled error')
    return res.status(500).render('errors/server-error', {
      title: 'Sorry, there is a problem with the service',
      requestId: req.id,
      detail: options.showDetail && error instanceof Error ? error.stack : undefined,
    })
  }
}

function isCsrfError(error: unknown): boolean {
  return error instanceof Error && /csrf/i.test(error.message) && (error as HttpishError).status === 403
}
