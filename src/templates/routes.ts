import { Router, type Request, type Response } from 'express'
import type { StaffUser } from '../domain/staff-user.js'
import { isTemplateKey, placeholdersFor } from '../domain/letters.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { requirePermission } from '../web/staff-auth.js'

/** Administrators edit the wording of the letters staff send. */
export function templateRoutes(services: Services): Router {
  const router = Router()
  const { templates } = services

  const keyOf = (req: Request) => {
    const key = String(req.params.key)
    if (!isTemplateKey(key)) throw new NotFoundError()
    return key
  }

  router.get(paths.staff.templates.pattern, requirePermission('settings:manage'), async (_req, res) => {
    res.render('templates/list', { title: 'Letter templates', templates: await templates.list() })
  })

  async function renderEdit(
    req: Request,
    res: Response,
    status: number,
    errors: FieldError[] = [],
    body?: string,
  ) {
    const template = await templates.get(keyOf(req))
    res.status(status).render('templates/edit', {
      title: template.name,
      hasErrors: errors.length > 0,
      backLink: paths.staff.templates(),
      template,
      body: body ?? template.body,
      errors,
      placeholders: placeholdersFor(template.key),
    })
  }

  router.get(paths.staff.template.pattern, requirePermission('settings:manage'), (req, res) =>
    renderEdit(req, res, 200),
  )

  router.post(paths.staff.template.pattern, requirePermission('settings:manage'), async (req, res) => {
    const key = keyOf(req)
    const raw = (req.body as Record<string, unknown> | undefined)?.body
    const body = typeof raw === 'string' ? raw : ''
    try {
      await templates.save(req.staffUser as StaffUser, key, body)
      req.session.flash = { kind: 'success', text: 'Template saved. New letters use it from now on.' }
      res.redirect(303, paths.staff.templates())
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error
      await renderEdit(req, res, 400, error.errors, body)
    }
  })

  router.post(paths.staff.resetTemplate.pattern, requirePermission('settings:manage'), async (req, res) => {
    await templates.reset(req.staffUser as StaffUser, keyOf(req))
    req.session.flash = { kind: 'success', text: 'Template reset to the built-in wording.' }
    res.redirect(303, paths.staff.templates())
  })

  return router
}
