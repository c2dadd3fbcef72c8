import { Router, type Request, type Response } from 'express'
import { complaintSubjects, icoParagraph, type ComplaintSubject } from '../domain/complaint.js'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { requestTypeInfo } from '../domain/request-types.js'
import type { Study } from '../domain/study.js'
import { ConflictError, NotFoundError, type FieldError } from '../errors.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { formValues } from '../web/form-text.js'
import { rateRules } from '../web/rate-limit.js'
import { noStore } from '../web/security-headers.js'
import type { ComplaintConfirmLinkState } from './service.js'
import {
  clockParagraphs,
  complaintMessageRows,
  complaintSummaryRows,
  complaintTimeline,
} from './status-page.js'
import {
  complaintFormFields,
  complaintLimits,
  noStudy,
  parseComplaintForm,
  parseComplaintReply,
} from './validation.js'

declare module 'express-session' {
  interface SessionData {
    submittedComplaintId?: string
  }
}

type Body = Record<string, unknown>

const bodyOf = (req: Request): Body => (req.body ?? {}) as Body
const param = (req: Request, name: string): string => String(req.params[name] ?? '')

const subjectItems = (Object.keys(complaintSubjects) as ComplaintSubject[]).map((value) => ({
  value,
  text: complaintSubjects[value].label,
  hint: complaintSubjects[value].hint,
}))

/** The request a complaint is about, as its status link names it, with what the form says of it. */
interface AboutRequest {
  token: string
  requestId: string
  reference: string | null
  label: string
  study: Study
}

/** The person's side of complaints: start, the form, confirmation, the status page and replies. */
export function complaintPublicRoutes(services: Services): Router {
  const router = Router()
  const { complaints, studies, limiter } = services

  const ipKey = (req: Request, action: string) => `complaint-${action}:ip:${req.ip ?? 'unknown'}`

  /** The request behind a status token; an unknown or forged token is refused as not found. */
  async function aboutRequest(token: string): Promise<AboutRequest> {
    const found = await services.intake.findByStatusToken(token)
    if (!found) throw new NotFoundError('Unknown request link')
    return {
      token,
      requestId: found.request.id,
      reference: found.request.reference,
      label: requestTypeInfo[found.request.type].name,
      study: found.study,
    }
  }

  function renderStart(res: Response, about: AboutRequest | null) {
    res.render('complaints/public/start', {
      title: 'Make a complaint about how we handle your data',
      backLink: about ? paths.status.show(about.token) : paths.home(),
      about,
      formUrl: about ? paths.complaint.aboutRequestForm(about.token) : paths.complaint.form(),
    })
  }

  function renderForm(
    res: Response,
    status: number,
    view: {
      about: AboutRequest | null
      accepting: Study[]
      values: Record<string, string>
      errors: FieldError[]
    },
  ) {
    const askStudy = !view.about && view.accepting.length > 1
    res.status(status).render('complaints/public/form', {
      title: 'Your complaint',
      hasErrors: view.errors.length > 0,
      backLink: view.about ? paths.complaint.aboutRequest(view.about.token) : paths.complaint.start(),
      action: view.about ? paths.complaint.aboutRequestForm(view.about.token) : paths.complaint.form(),
      about: view.about,
      values: view.values,
      errors: view.errors,
      limits: complaintLimits,
      subjectItems,
      studyItems: askStudy
        ? [
            ...view.accepting.map((s) => ({ value: s.slug, text: s.title })),
            { divider: 'or' },
            { value: noStudy, text: 'I am not sure, or it is not about one study' },
          ]
        : null,
    })
  }

  async function handleForm(req: Request, res: Response, about: AboutRequest | null) {
    const body = bodyOf(req)
    const accepting = await studies.listAccepting()
    const askStudy = !about && accepting.length > 1
    const parsed = parseComplaintForm(body, { studySlugs: askStudy ? accepting.map((s) => s.slug) : null })
    if (!parsed.ok) {
      return renderForm(res, 400, {
        about,
        accepting,
        values: formValues(body, complaintFormFields),
        errors: parsed.errors,
      })
    }
    await limiter.consume([
      { key: ipKey(req, 'submit'), rule: rateRules.complaintPerIp },
      {
        key: `complaint-submit:email:${services.emailKey(parsed.form.email)}`,
        rule: rateRules.complaintPerEmail,
      },
    ])
    const studyId = about
      ? about.study.id
      : askStudy
        ? (accepting.find((s) => s.slug === parsed.form.study)?.id ?? null)
        : (accepting[0]?.id ?? null)
    const { complaintId } = await complaints.submit({
      subject: parsed.form.subject,
      whatHappened: parsed.form.whatHappened,
      desiredOutcome: parsed.form.desiredOutcome,
      email: parsed.form.email,
      name: parsed.form.name,
      studyId,
      requestId: about?.requestId ?? null,
    })
    req.session.submittedComplaintId = complaintId
    res.redirect(303, paths.complaint.checkEmail())
  }

  router.get(paths.complaint.start.pattern, (_req, res) => renderStart(res, null))

  router.get(paths.complaint.form.pattern, async (_req, res) => {
    renderForm(res, 200, { about: null, accepting: await studies.listAccepting(), values: {}, errors: [] })
  })

  router.post(paths.complaint.form.pattern, (req, res) => handleForm(req, res, null))

  router.get(paths.complaint.aboutRequest.pattern, noStore(), async (req, res) => {
    renderStart(res, await aboutRequest(param(req, 'token')))
  })

  router.get(paths.complaint.aboutRequestForm.pattern, noStore(), async (req, res) => {
    renderForm(res, 200, {
      about: await aboutRequest(param(req, 'token')),
      accepting: [],
      values: { subject: 'request_handling' },
      errors: [],
    })
  })

  router.post(paths.complaint.aboutRequestForm.pattern, noStore(), async (req, res) => {
    await handleForm(req, res, await aboutRequest(param(req, 'token')))
  })

  router.get(paths.complaint.checkEmail.pattern, noStore(), async (req, res) => {
    const complaintId = req.session.submittedComplaintId
    res.render('complaints/public/check-email', {
      title: 'Check your email',
      email: complaintId ? await complaints.submittedEmail(complaintId) : null,
    })
  })

  function renderConfirmState(res: Response, token: string, link: ComplaintConfirmLinkState) {
    switch (link.state) {
      case 'valid':
        return res.render('complaints/public/confirm', {
          title: 'Confirm your complaint',
          action: paths.complaint.confirm(token),
          rows: [
            { key: 'About', value: complaintSubjects[link.complaint.subject].label },
            ...(link.study ? [{ key: 'Study', value: link.study.title }] : []),
            { key: 'Sent on', value: formatLongDate(londonDate(new Date(link.complaint.createdAt))) },
          ],
        })
      case 'used':
        return res.status(410).render('complaints/public/confirm-used', {
          title: 'This link has already been used',
          action: paths.complaint.statusLink(token),
        })
      case 'expired':
        return res.status(410).render('complaints/public/confirm-expired', { title: 'This link has expired' })
      case 'unknown':
        return res
          .status(404)
          .render('complaints/public/confirm-unknown', { title: 'This link is not valid' })
    }
  }

  router.get(paths.complaint.confirm.pattern, noStore(), async (req, res) => {
    await limiter.consume([{ key: ipKey(req, 'confirm'), rule: rateRules.confirmPerIp }])
    const token = param(req, 'token')
    renderConfirmState(res, token, await complaints.inspectConfirmLink(token))
  })

  router.post(paths.complaint.confirm.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    await limiter.consume([{ key: ipKey(req, 'confirm'), rule: rateRules.confirmPerIp }])
    const link = await complaints.inspectConfirmLink(token)
    if (link.state !== 'valid') return renderConfirmState(res, token, link)
    const emailHmac = await complaints.emailHmacOfConfirmLink(token)
    if (emailHmac) {
      await limiter.consume([
        { key: `complaint-confirm:email:${emailHmac}`, rule: rateRules.confirmPerEmail },
      ])
    }
    let statusToken: string
    try {
      statusToken = (await complaints.confirm(token)).statusToken
    } catch (error) {
      // Confirmed by another click (or expired) between the look and the change.
      if (!(error instanceof ConflictError)) throw error
      return renderConfirmState(res, token, await complaints.inspectConfirmLink(token))
    }
    req.session.flash = { kind: 'confirmed' }
    res.redirect(303, paths.complaint.status(statusToken))
  })

  router.post(paths.complaint.statusLink.pattern, async (req, res) => {
    const token = param(req, 'token')
    const emailHmac = await complaints.emailHmacOfConfirmLink(token)
    await limiter.consume([
      { key: ipKey(req, 'resend'), rule: rateRules.resendPerIp },
      ...(emailHmac ? [{ key: `complaint-resend:email:${emailHmac}`, rule: rateRules.resendPerEmail }] : []),
    ])
    await complaints.statusLinkFromUsed(token)
    res.redirect(303, paths.complaint.linkSent())
  })

  router.get(paths.complaint.linkSent.pattern, noStore(), (_req, res) => {
    res.render('complaints/public/link-sent', { title: 'Check your email' })
  })

  async function renderStatus(
    res: Response,
    token: string,
    status: number,
    form: { errors: FieldError[]; reply: string } = { errors: [], reply: '' },
  ) {
    const view = await complaints.findByStatusToken(token)
    if (!view) throw new NotFoundError()
    const { complaint } = view
    res.status(status).render('complaints/public/status', {
      title: `Your complaint ${complaint.reference ?? ''}`.trim(),
      hasErrors: form.errors.length > 0,
      errors: form.errors,
      reply: form.reply,
      replyMaxLength: complaintLimits.reply,
      complaint,
      subjectLabel: complaintSubjects[complaint.subject].label,
      summaryRows: complaintSummaryRows(view),
      clockParagraphs: clockParagraphs(complaint, view.clock),
      timeline: complaintTimeline(view.events),
      messages: complaintMessageRows(view.messages),
      open: complaint.status === 'open',
      closed: complaint.status === 'closed',
      replyUrl: paths.complaint.reply(token),
      contactEmail: view.study?.dpoEmail ?? services.config.organisation.dpoEmail,
      icoParagraph,
    })
  }

  router.get(paths.complaint.status.pattern, noStore(), (req, res) =>
    renderStatus(res, param(req, 'token'), 200),
  )

  router.post(paths.complaint.reply.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const view = await complaints.findByStatusToken(token)
    if (!view) throw new NotFoundError()
    await limiter.consume([{ key: ipKey(req, 'reply'), rule: rateRules.replyPerIp }])
    // A closed complaint takes no replies: the page says how to get in touch instead.
    if (view.complaint.status !== 'open') return res.redirect(303, paths.complaint.status(token))
    const body = bodyOf(req)
    const parsed = parseComplaintReply(body)
    if (!parsed.ok) {
      return renderStatus(res, token, 400, {
        errors: parsed.errors,
        reply: formValues(body, ['reply']).reply ?? '',
      })
    }
    try {
      await complaints.reply(token, parsed.reply)
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error
      return res.redirect(303, paths.complaint.status(token))
    }
    req.session.flash = { kind: 'success', text: 'Your reply has been sent.' }
    res.redirect(303, paths.complaint.status(token))
  })

  return router
}
