import { Router, type Response } from 'express'
import type { Actor } from '../audit/events.js'
import { formatLongDate } from '../domain/clock.js'
import type { CategoryHeld } from '../domain/answer.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { NotFoundError } from '../errors.js'
import { noStore } from '../web/security-headers.js'
import { requirePermission } from '../web/staff-auth.js'
import type { Download } from './service.js'

const heldLabels: Record<CategoryHeld, string> = {
  held: 'Held and linked to you',
  not_held: 'Not held',
  deletion_requested: 'Deletion requested, not yet confirmed',
  deleted: 'Deleted',
  anonymised: 'Anonymised: no longer linked to you',
  erased: 'Deleted',
  no_record: 'Not held',
}

/** Downloads of a request's answer: for the person from their status link, and for staff. */
export function answerRoutes(services: Services): Router {
  const router = Router()
  const { answers } = services

  function send(res: Response, download: Download): void {
    res.setHeader('Cache-Control', 'no-store')
    res.setHeader('X-Content-Type-Options', 'nosniff')
    res.attachment(download.filename)
    if (download.accessAnswer) {
      // A self-contained document the person keeps: its own styles, no scripts, nothing fetched.
      res.setHeader('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox")
      res.type('html').render('answers/access-answer', {
        layout: false,
        answer: download.accessAnswer,
        formatLongDate,
        heldLabels,
      })
      return
    }
    res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox")
    res.type(download.contentType).send(download.body)
  }

  async function serve(
    res: Response,
    requestId: string,
    fileId: string,
    format: string,
    who: Actor,
    context: { dpoEmail: string; reference: string; backLink: string },
  ): Promise<void> {
    const result = await answers.download(requestId, fileId, format, who, {
      record: res.req.method !== 'HEAD',
    })
    if (!result.download) {
      res.setHeader('Cache-Control', 'no-store')
      res.status(410).render('answers/unavailable', {
        title: 'This download is not available',
        reason: result.availability,
        ...context,
      })
      return
    }
    send(res, result.download)
  }

  router.get(paths.status.file.pattern, noStore(), async (req, res) => {
    const found = await services.intake.findByStatusToken(String(req.params.token))
    if (!found) throw new NotFoundError()
    const { request, study } = found
    await serve(
      res,
      request.id,
      String(req.params.fileId),
      String(req.params.format),
      { type: 'participant', id: request.id },
      {
        dpoEmail: study.dpoEmail,
        reference: request.reference ?? '',
        backLink: paths.status.show(String(req.params.token)),
      },
    )
  })

  router.get(paths.staff.caseFile.pattern, requirePermission('cases:read'), async (req, res) => {
    const { request, study } = await services.caseHandling.load(String(req.params.id))
    await serve(
      res,
      request.id,
      String(req.params.fileId),
      String(req.params.format),
      { type: 'staff', id: req.staffUser?.id ?? null },
      {
        dpoEmail: study.dpoEmail,
        reference: request.reference ?? '',
        backLink: paths.staff.case({ id: request.id }),
      },
    )
  })

  return router
}
