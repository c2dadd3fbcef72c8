import { Router, type Request, type Response } from 'express'
import { z } from 'zod'
import { whatTheRightCovers } from '../domain/data-map.js'
import { formatLongDate, londonDate } from '../domain/clock.js'
import { isOpen, participantStatus } from '../domain/request-status.js'
import {
  isRequestType,
  requestTypeInfo,
  requestTypes,
  restrictionGrounds,
  type RequestDetails,
  type RequestType,
} from '../domain/request-types.js'
import { paths, requestTypeFromSegment, withQuery } from '../paths.js'
import type { Services } from '../services.js'
import type { Study } from '../domain/study.js'
import { noticeBlocks } from '../studies/notice.js'
import { NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { caseClockOf, replyMaxLength } from '../domain/request-lifecycle.js'
import { clockView } from '../domain/case-clock.js'
import { formValues } from '../web/form-text.js'
import { checkForm } from '../web/validate.js'
import { rateRules } from '../web/rate-limit.js'
import { noStore } from '../web/security-headers.js'
import { formatsOf } from '../answers/service.js'
import { personFileRows } from '../answers/presenters.js'
import { detailRowsOf } from '../domain/request-details.js'
import {
  checkAnswerRows,
  deadlineExplanation,
  hiddenAnswerFields,
  homeRights,
  personMessageRows,
  requestFormValues,
  statusSummaryRows,
} from './presenters.js'
import { theStudyName } from '../domain/study-name.js'
import { participantTimeline } from './timeline.js'
import { checkedValues, formChoicesOf, formFields, parseRequestForm } from './validation.js'

declare module 'express-session' {
  interface SessionData {
    submittedRequestId?: string
    /** The request whose address the person is correcting: withdrawn once the corrected one is sent. */
    replacingRequestId?: string
  }
}

type Body = Record<string, unknown>

const bodyOf = (req: Request): Body => (req.body ?? {}) as Body
const param = (req: Request, name: string): string => String(req.params[name] ?? '')

/** The right to exercise. */
const chooseRightForm = z.object({ type: z.enum(requestTypes, { error: 'Select what you want to do' }) })

/** The study, when more than one is taking requests: asked first, on its own page. */
function chooseStudyForm(accepting: Study[]) {
  return z.object({
    study: z.enum(
      accepting.map((s) => s.slug),
      { error: 'Select the study you took part in' },
    ),
  })
}

const typeItems = requestTypes.map((type) => ({
  value: type,
  text: requestTypeInfo[type].label,
  hint: requestTypeInfo[type].hint,
}))

const queryText = (req: Request, name: string): string =>
  typeof req.query[name] === 'string' ? req.query[name] : ''

/** The public journey: home, privacy notice, make a request, confirm it, follow it. */
export function intakeRoutes(services: Services): Router {
  const router = Router()
  const { intake, studies, limiter } = services

  /** The study a request is about: the only one, or the one named in `study`. */
  async function resolveStudy(slug: unknown): Promise<{ study: Study; many: boolean }> {
    const accepting = await studies.listAccepting()
    if (accepting.length === 1 && (slug === undefined || slug === '' || slug === accepting[0]?.slug)) {
      return { study: accepting[0] as Study, many: false }
    }
    const study = accepting.find((s) => s.slug === slug)
    if (!study) throw new NotFoundError('Unknown study')
    return { study, many: accepting.length > 1 }
  }

  async function choicesFor(study: Study) {
    const dataMap = await studies.dataMap(study.id)
    return formChoicesOf(dataMap)
  }

  function ipKey(req: Request, action: string): string {
    return `${action}:ip:${req.ip ?? 'unknown'}`
  }

  router.get(paths.home.pattern, async (_req, res) => {
    const accepting = await studies.listAccepting()
    const study = accepting.length === 1 ? accepting[0] : undefined
    const dataMap = study ? await studies.dataMap(study.id) : []
    res.render('intake/home', {
      title: 'Exercise your data rights',
      studies: accepting,
      study,
      studyName: study ? theStudyName(study.title) : undefined,
      rights: homeRights(
        requestTypes.map((type) => ({
          type,
          ...requestTypeInfo[type],
          covers: study ? whatTheRightCovers(type, dataMap) : undefined,
        })),
      ),
    })
  })

  router.get(paths.privacyNotice.pattern, async (_req, res) => {
    const accepting = await studies.listAccepting()
    if (accepting.length === 1) return renderNotice(res, accepting[0] as Study)
    res.render('intake/privacy-notices', { title: 'Privacy notices', studies: accepting })
  })

  router.get(paths.studyPrivacyNotice.pattern, async (req, res) => {
    const study = await studies.findBySlug(param(req, 'slug'))
    if (!study) throw new NotFoundError()
    renderNotice(res, study)
  })

  function renderNotice(res: Response, study: Study) {
    res.render('intake/privacy-notice', {
      title: `Privacy notice: ${study.title}`,
      study,
      blocks: noticeBlocks(study.privacyNoticeText),
      modifiedOn: formatLongDate(study.privacyNoticeDate),
    })
  }

  function renderChooseStudy(
    res: Response,
    status: number,
    accepting: Study[],
    study: string,
    errors: FieldError[],
  ) {
    res.status(status).render('intake/choose-study', {
      title: 'Which study did you take part in?',
      hasErrors: errors.length > 0,
      backLink: paths.home(),
      studyItems: accepting.map((s) => ({ value: s.slug, text: s.title })),
      value: study,
      errors,
    })
  }

  router.get(paths.request.study.pattern, async (req, res) => {
    const accepting = await studies.listAccepting()
    if (accepting.length <= 1) return res.redirect(paths.request.start())
    renderChooseStudy(res, 200, accepting, queryText(req, 'study'), [])
  })

  router.post(paths.request.study.pattern, async (req, res) => {
    const accepting = await studies.listAccepting()
    if (accepting.length <= 1) return res.redirect(303, paths.request.start())
    const form = checkForm(chooseStudyForm(accepting), bodyOf(req))
    if (!form.ok)
      return renderChooseStudy(
        res,
        400,
        accepting,
        formValues(bodyOf(req), ['study']).study ?? '',
        form.errors,
      )
    res.redirect(303, withQuery(paths.request.start(), { study: form.value.study }))
  })

  /** With several studies, the right is asked about the study chosen on the page before. */
  function renderChooseRight(
    res: Response,
    status: number,
    view: { study: Study | undefined; type: string; errors: FieldError[] },
  ) {
    res.status(status).render('intake/choose-right', {
      title: 'What do you want to do?',
      hasErrors: view.errors.length > 0,
      backLink: view.study ? paths.request.study(view.study.slug) : paths.home(),
      study: view.study,
      values: { type: view.type },
      errors: view.errors,
      typeItems,
    })
  }

  router.get(paths.request.start.pattern, async (req, res) => {
    const accepting = await studies.listAccepting()
    if (accepting.length <= 1)
      return renderChooseRight(res, 200, { study: undefined, type: queryText(req, 'type'), errors: [] })
    const study = accepting.find((s) => s.slug === queryText(req, 'study'))
    if (!study) return res.redirect(paths.request.study())
    renderChooseRight(res, 200, { study, type: queryText(req, 'type'), errors: [] })
  })

  router.post(paths.request.start.pattern, async (req, res) => {
    const body = bodyOf(req)
    const accepting = await studies.listAccepting()
    const study = accepting.length > 1 ? accepting.find((s) => s.slug === body.study) : undefined
    if (accepting.length > 1 && !study) return res.redirect(303, paths.request.study())
    const form = checkForm(chooseRightForm, body)
    if (!form.ok) {
      return renderChooseRight(res, 400, {
        study,
        type: formValues(body, ['type']).type ?? '',
        errors: form.errors,
      })
    }
    res.redirect(303, paths.request.form(form.value.type, study?.slug))
  })

  /** The request this browser sent last, while it waits to be confirmed; nothing else is looked up. */
  const awaiting = (req: Request) => {
    const requestId = req.session.submittedRequestId
    return requestId ? intake.awaitingConfirmation(requestId) : Promise.resolve(undefined)
  }

  router.get(paths.request.checkEmail.pattern, noStore(), async (req, res) => {
    // Back from correcting the address without sending: nothing is being replaced any more.
    delete req.session.replacingRequestId
    const sent = await awaiting(req)
    res.render('intake/check-email', {
      title: 'Check your email',
      email: sent?.request.email ?? null,
      canResend: Boolean(req.session.submittedRequestId),
      changeAddressUrl: sent ? `${paths.request.changeAddress()}#email` : null,
      resent: req.query.resent === '1',
    })
  })

  router.get(paths.request.changeAddress.pattern, noStore(), async (req, res) => {
    const sent = await awaiting(req)
    if (!sent?.request.details) return res.redirect(paths.request.start())
    const { request, study } = sent
    req.session.replacingRequestId = request.id
    const many = (await studies.listAccepting()).length > 1
    renderRequestForm(res, 200, {
      type: request.type,
      study,
      many,
      values: requestFormValues(
        request.details as RequestDetails,
        request.email ?? '',
        request.requesterName,
      ),
      errors: [],
      choices: await choicesFor(study),
      backLink: paths.request.checkEmail(),
    })
  })

  router.post(paths.request.resend.pattern, async (req, res) => {
    const requestId = req.session.submittedRequestId
    if (requestId) {
      const request = await services.requests.findById(requestId)
      await limiter.consume([
        { key: ipKey(req, 'resend'), rule: rateRules.resendPerIp },
        ...(request?.emailHmac
          ? [{ key: `resend:email:${request.emailHmac}`, rule: rateRules.resendPerEmail }]
          : []),
      ])
      await intake.resendConfirmation(requestId)
    }
    res.redirect(303, withQuery(paths.request.checkEmail(), { resent: '1' }))
  })

  function renderRequestForm(
    res: Response,
    status: number,
    view: {
      type: RequestType
      study: Study
      many: boolean
      values: Record<string, string | string[]>
      errors: { field: string; text: string; href: string }[]
      choices: Awaited<ReturnType<typeof choicesFor>>
      backLink?: string
    },
  ) {
    const info = requestTypeInfo[view.type]
    const studySlug = view.many ? view.study.slug : undefined
    res.status(status).render('intake/request-form', {
      title: info.label,
      hasErrors: view.errors.length > 0,
      backLink: view.backLink ?? withQuery(paths.request.start(), { study: studySlug, type: view.type }),
      type: view.type,
      info,
      study: view.study,
      studySlug: view.many ? view.study.slug : '',
      values: view.values,
      errors: view.errors,
      errorFor: (field: string) => view.errors.find((e) => e.field === field)?.text,
      restrictionItems: Object.entries(restrictionGrounds).map(([value, g]) => ({
        value,
        text: g.label,
        hint: g.hint,
      })),
      objectionItems: view.choices.objection.map((c) => ({ value: c.value, text: c.label, hint: c.hint })),
      consentItems: view.choices.consent.map((c) => ({ value: c.value, text: c.label, hint: c.hint })),
      categoryItems: view.choices.categories.map((c) => ({ value: c.value, text: c.label })),
      action: paths.request.check(view.type, studySlug),
    })
  }

  /** What the person typed into a request form, as the form shows it again. */
  const typedValues = (type: RequestType, body: Body) => ({
    ...formValues(body, formFields[type]),
    categories: checkedValues(body, 'categories'),
    askRecipients: checkedValues(body, 'askRecipients'),
  })

  /** The form posted to `check`, `change` or `submit`: its type and study, from the URL. */
  async function formContext(req: Request) {
    const type = requestTypeFromSegment(param(req, 'type'))
    if (!isRequestType(type)) throw new NotFoundError()
    const { study, many } = await resolveStudy(req.query.study)
    return { type, study, many, choices: await choicesFor(study) }
  }

  /**
   * The posted answers checked in full, with the form's context; on a problem the form is shown
   * again (400) with what was typed, and nothing is returned.
   */
  async function checkedAnswers(req: Request, res: Response) {
    const context = await formContext(req)
    const body = bodyOf(req)
    const parsed = parseRequestForm(context.type, body, context.choices)
    if (parsed.ok) return { ...context, form: parsed.form }
    renderRequestForm(res, 400, {
      ...context,
      values: typedValues(context.type, body),
      errors: parsed.errors,
    })
    return undefined
  }

  router.post(paths.request.check.pattern, noStore(), async (req, res) => {
    const checked = await checkedAnswers(req, res)
    if (!checked) return
    const { type, study, many, choices } = checked
    const studySlug = many ? study.slug : undefined
    const { details, email, name } = checked.form
    res.render('intake/check-answers', {
      title: 'Check your answers before sending your request',
      info: requestTypeInfo[type],
      email,
      rows: checkAnswerRows({
        info: requestTypeInfo[type],
        studyTitle: many ? study.title : null,
        form: checked.form,
        choices,
      }),
      hiddenFields: hiddenAnswerFields(requestFormValues(details, email, name), formFields[type]),
      submitAction: paths.request.form(type, studySlug),
      changeAction: paths.request.change(type, studySlug),
    })
  })

  router.post(paths.request.change.pattern, noStore(), async (req, res) => {
    const { type, study, many, choices } = await formContext(req)
    renderRequestForm(res, 200, {
      type,
      study,
      many,
      values: typedValues(type, bodyOf(req)),
      errors: [],
      choices,
    })
  })

  router.get(paths.request.form.pattern, async (req, res) => {
    // A new request, not the correction of the last one's address.
    delete req.session.replacingRequestId
    const type = requestTypeFromSegment(param(req, 'type'))
    if (!isRequestType(type)) throw new NotFoundError()
    const { study, many } = await resolveStudy(req.query.study)
    renderRequestForm(res, 200, {
      type,
      study,
      many,
      values: {},
      errors: [],
      choices: await choicesFor(study),
    })
  })

  router.post(paths.request.form.pattern, async (req, res) => {
    // Everything is checked again: the answers come back from the check page's hidden fields.
    const checked = await checkedAnswers(req, res)
    if (!checked) return
    const { type, study, form } = checked
    const { requestId } = await intake.submit(
      { study, type, ...form },
      {
        limits: [
          { key: ipKey(req, 'submit'), rule: rateRules.submitPerIp },
          { key: `submit:email:${services.emailKey(form.email)}`, rule: rateRules.submitPerEmail },
        ],
      },
    )
    const replacing = req.session.replacingRequestId
    delete req.session.replacingRequestId
    if (replacing && replacing === req.session.submittedRequestId)
      await intake.withdrawMistyped(replacing, { type, studyId: study.id })
    req.session.submittedRequestId = requestId
    res.redirect(303, paths.request.checkEmail())
  })

  router.get(paths.confirm.linkSent.pattern, noStore(), (_req, res) => {
    res.render('intake/link-sent', { title: 'Check your email' })
  })

  router.get(paths.confirm.show.pattern, noStore(), async (req, res) => {
    await limiter.consume([{ key: ipKey(req, 'confirm'), rule: rateRules.confirmPerIp }])
    const token = param(req, 'token')
    const link = await intake.inspectConfirmLink(token)
    renderConfirmState(res, token, link)
  })

  function renderConfirmState(
    res: Response,
    token: string,
    link: Awaited<ReturnType<typeof intake.inspectConfirmLink>>,
  ) {
    switch (link.state) {
      case 'valid':
        return res.render('intake/confirm', {
          title: 'Confirm your request',
          token,
          action: paths.confirm.show(token),
          request: link.request,
          study: link.study,
          info: requestTypeInfo[link.request.type],
          receivedOn: formatLongDate(link.request.receivedOn),
        })
      case 'used':
        return res.status(410).render('intake/confirm-used', {
          title: 'This link has already been used',
          action: paths.confirm.statusLink(token),
        })
      case 'expired':
        return res.status(410).render('intake/confirm-expired', {
          title: 'This link has expired',
          canSendNewLink: link.canSendNewLink,
          action: paths.confirm.newLink(token),
        })
      case 'unknown':
        return res.status(404).render('intake/confirm-unknown', { title: 'This link is not valid' })
    }
  }

  router.post(paths.confirm.show.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    await limiter.consume([{ key: ipKey(req, 'confirm'), rule: rateRules.confirmPerIp }])
    const link = await intake.inspectConfirmLink(token)
    if (link.state !== 'valid') return renderConfirmState(res, token, link)
    if (link.request.emailHmac) {
      await limiter.consume([
        { key: `confirm:email:${link.request.emailHmac}`, rule: rateRules.confirmPerEmail },
      ])
    }
    const result = await intake.confirm(token)
    req.session.flash = { kind: result.outcome }
    res.redirect(303, paths.status.show(result.statusToken))
  })

  /** Resending counts against the IP and against the address the link belongs to. */
  async function consumeResend(req: Request) {
    const emailHmac = await intake.emailHmacOfConfirmLink(param(req, 'token'))
    await limiter.consume([
      { key: ipKey(req, 'resend'), rule: rateRules.resendPerIp },
      ...(emailHmac ? [{ key: `resend:email:${emailHmac}`, rule: rateRules.resendPerEmail }] : []),
    ])
  }

  router.post(paths.confirm.newLink.pattern, async (req, res) => {
    await consumeResend(req)
    const link = await intake.inspectConfirmLink(param(req, 'token'))
    if (link.state === 'expired' && link.canSendNewLink) await intake.newLinkFromExpired(param(req, 'token'))
    res.redirect(303, paths.confirm.linkSent())
  })

  router.post(paths.confirm.statusLink.pattern, async (req, res) => {
    await consumeResend(req)
    await intake.statusLinkFromUsed(param(req, 'token'))
    res.redirect(303, paths.confirm.linkSent())
  })

  async function renderStatus(
    res: Response,
    token: string,
    status: number,
    form: { errors: FieldError[]; reply: string } = { errors: [], reply: '' },
  ) {
    const found = await intake.findByStatusToken(token)
    if (!found) throw new NotFoundError()
    const { request, study } = found
    const dataMap = await studies.dataMap(study.id)
    const clock = caseClockOf(request)
    const view = clock ? clockView(clock, londonDate(services.now())) : undefined
    const messages = await services.caseHandling.messages(request.id)
    const at = services.now()
    const files = personFileRows(await services.answers.files(request.id), {
      at,
      formatsOf,
      hrefOf: (f, format) => paths.status.file({ token, fileId: f.id, format }),
    })
    const open = isOpen(request.status)
    res.status(status).render('intake/status', {
      files,
      title: `Your request ${request.reference ?? ''}`.trim(),
      hasErrors: form.errors.length > 0,
      errors: form.errors,
      reply: form.reply,
      replyMaxLength,
      token,
      request,
      study,
      info: requestTypeInfo[request.type],
      status: participantStatus(request.status, request.outcome),
      open,
      summaryRows: statusSummaryRows({
        request,
        info: requestTypeInfo[request.type],
        open,
        clockView: view,
        detailRows: detailRowsOf(request.details, dataMap),
      }),
      deadlineExplanation: deadlineExplanation(open, view),
      messages: personMessageRows(messages),
      canReply: open && request.pause !== null,
      timeline: participantTimeline(await services.caseHandling.events(request.id)),
      withdrawUrl: paths.status.withdraw(token),
      replyUrl: paths.status.reply(token),
    })
  }

  router.get(paths.status.show.pattern, noStore(), (req, res) => renderStatus(res, param(req, 'token'), 200))

  router.post(paths.status.reply.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const found = await intake.findByStatusToken(token)
    if (!found) throw new NotFoundError()
    await limiter.consume([{ key: ipKey(req, 'reply'), rule: rateRules.replyPerIp }])
    const reply = typeof bodyOf(req).reply === 'string' ? (bodyOf(req).reply as string) : ''
    try {
      await services.caseHandling.participantReply(found.request.id, reply)
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      return renderStatus(res, token, 400, { errors: error.errors, reply })
    }
    req.session.flash = { kind: 'success', text: 'Your reply has been sent.' }
    res.redirect(303, paths.status.show(token))
  })

  router.get(paths.status.withdraw.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const found = await intake.findByStatusToken(token)
    if (!found) throw new NotFoundError()
    if (!isOpen(found.request.status)) return res.redirect(303, paths.status.show(token))
    res.render('intake/withdraw', {
      title: 'Are you sure you want to withdraw your request?',
      backLink: paths.status.show(token),
      request: found.request,
      info: requestTypeInfo[found.request.type],
      action: paths.status.withdraw(token),
    })
  })

  router.post(paths.status.withdraw.pattern, noStore(), async (req, res) => {
    const token = param(req, 'token')
    const found = await intake.findByStatusToken(token)
    if (!found) throw new NotFoundError()
    if (isOpen(found.request.status)) {
      await intake.withdraw(token)
      req.session.flash = { kind: 'withdrawn' }
    }
    res.redirect(303, paths.status.show(token))
  })

  return router
}
