import { Router, type Request, type Response } from 'express'
import type { StaffUser } from '../domain/staff-user.js'
import { formatLongDate } from '../domain/clock.js'
import {
  lawfulBases,
  lawfulBasisLabels,
  specialCategoryConditions,
  type DataCategory,
} from '../domain/data-map.js'
import { can } from '../domain/roles.js'
import { paths } from '../paths.js'
import type { Services } from '../services.js'
import { BadRequestError, NotFoundError, ValidationError, type FieldError } from '../errors.js'
import { requirePermission } from '../web/staff-auth.js'
import type { Study } from '../domain/study.js'
import { emailCategoryKey, StaleStudyError, type SaveOutcome } from './service.js'
import { categoryFieldLabels, monthsText, studyFieldLabels, studyTimeline } from './timeline.js'
import {
  maxMonths,
  maxNoticeCharacters,
  parseCategory,
  parseNewCategory,
  parseStudyDetails,
} from './validation.js'

type Body = Record<string, unknown>
type FormValues = Record<string, string>

const bodyOf = (req: Request): Body => (req.body ?? {}) as Body
const slugOf = (req: Request) => String(req.params.slug)
const keyOf = (req: Request) => String(req.params.key)
const actor = (req: Request) => req.staffUser as StaffUser
const yesNo = (value: boolean) => (value ? 'yes' : 'no')

/** The version the form was opened at, carried in a hidden field. */
function versionOf(req: Request): string {
  const version = bodyOf(req).version
  if (typeof version !== 'string' || version === '') throw new BadRequestError('Missing version')
  return version
}

const staleError: FieldError = {
  field: 'version',
  href: '',
  text: 'Someone changed this study since you opened this page, so nothing was saved. The form now shows the latest details: make your changes again.',
}

function studyValues(study: Study): FormValues {
  return {
    title: study.title,
    controllerName: study.controllerName,
    controllerAddress: study.controllerAddress,
    dpoEmail: study.dpoEmail,
    privacyNoticeText: study.privacyNoticeText,
    privacyNoticeDate: study.privacyNoticeDate,
    surveyClosesOn: study.surveyClosesOn,
    surveyExtensionMonths: String(study.surveyExtensionMonths),
    platformRetentionMonths: String(study.platformRetentionMonths),
    voucherRetentionMonths: String(study.voucherRetentionMonths),
    acceptingRequests: yesNo(study.acceptingRequests),
    recipients: study.recipients,
    internationalTransfers: study.internationalTransfers,
  }
}

function categoryValues(category: DataCategory): FormValues {
  return {
    label: category.label,
    purpose: category.purpose,
    lawfulBasis: category.lawfulBasis,
    specialCategory: yesNo(category.specialCategory),
    specialCategoryCondition: category.specialCategoryCondition ?? '',
    heldIn: category.heldIn,
    retentionRule: category.retentionRule,
    linkedAfterExtraction: yesNo(category.linkedAfterExtraction),
  }
}

function retentionSummary(study: Study): string {
  return `Survey platform: ${monthsText(study.platformRetentionMonths)} after it closes. Voucher correspondence: ${monthsText(study.voucherRetentionMonths)} after the voucher is sent.`
}

const errorsFor = (errors: FieldError[]) => (field: string) => errors.find((e) => e.field === field)?.text

/**
 * Studies and their data maps: every member of staff reads them; administrators change them, each
 * change checked against the version the form was opened at.
 */
export function studyRoutes(services: Services): Router {
  const router = Router()
  const { studies, studyAdmin } = services
  const readable = requirePermission('cases:read')
  const editable = requirePermission('settings:manage')

  function saved(req: Request, res: Response, slug: string, outcome: SaveOutcome, text: string) {
    req.session.flash = { kind: 'success', text: outcome === 'saved' ? text : 'Nothing was changed.' }
    res.redirect(303, paths.staff.study({ slug }))
  }

  router.get(paths.staff.studies.pattern, readable, async (_req, res) => {
    const all = await studies.listAll()
    res.render('studies/list', {
      title: 'Studies',
      formatLongDate,
      studies: await Promise.all(
        all.map(async (study) => ({
          ...study,
          href: paths.staff.study({ slug: study.slug }),
          retention: retentionSummary(study),
          categories: (await studies.dataMap(study.id)).length,
        })),
      ),
    })
  })

  router.get(paths.staff.study.pattern, readable, async (req, res) => {
    const { study, dataMap } = await studyAdmin.load(slugOf(req))
    const [events, staff] = await Promise.all([studyAdmin.recentChanges(study.id), services.accounts.list()])
    const canEdit = req.staffUser ? can(req.staffUser.role, 'settings:manage') : false
    res.render('studies/study', {
      title: study.title,
      backLink: paths.staff.studies(),
      study,
      dataMap,
      canEdit,
      labels: studyFieldLabels,
      formatLongDate,
      monthsText,
      lawfulBasisLabels,
      specialCategoryConditions,
      emailCategoryKey,
      timeline: studyTimeline(events, new Map(staff.map((u) => [u.id, u.displayName])), dataMap),
      links: {
        edit: paths.staff.editStudy({ slug: study.slug }),
        newCategory: paths.staff.newStudyCategory({ slug: study.slug }),
        notice: paths.studyPrivacyNotice({ slug: study.slug }),
        category: (key: string) => paths.staff.studyCategory({ slug: study.slug, key }),
        remove: (key: string) => paths.staff.removeStudyCategory({ slug: study.slug, key }),
      },
    })
  })

  async function renderDetailsForm(
    req: Request,
    res: Response,
    status: number,
    errors: FieldError[] = [],
    typed?: FormValues,
  ) {
    const { study, version } = await studyAdmin.load(slugOf(req))
    res.status(status).render('studies/edit', {
      title: `Change study details: ${study.title}`,
      hasErrors: errors.length > 0,
      backLink: paths.staff.study({ slug: study.slug }),
      study,
      version,
      values: typed ?? studyValues(study),
      errors,
      errorFor: errorsFor(errors),
      labels: studyFieldLabels,
      maxMonths,
      maxNoticeCharacters,
      action: paths.staff.editStudy({ slug: study.slug }),
    })
  }

  router.get(paths.staff.editStudy.pattern, editable, (req, res) => renderDetailsForm(req, res, 200))

  router.post(paths.staff.editStudy.pattern, editable, async (req, res) => {
    const version = versionOf(req)
    const parsed = parseStudyDetails(bodyOf(req))
    if (!parsed.ok) return renderDetailsForm(req, res, 400, parsed.errors, parsed.values)
    try {
      const outcome = await studyAdmin.updateDetails(actor(req), slugOf(req), version, parsed.value)
      saved(req, res, slugOf(req), outcome, 'Study details saved.')
    } catch (error) {
      if (error instanceof StaleStudyError) return renderDetailsForm(req, res, 409, [staleError])
      throw error
    }
  })

  async function renderCategoryForm(
    req: Request,
    res: Response,
    status: number,
    mode: 'add' | 'change',
    errors: FieldError[] = [],
    typed?: FormValues,
  ) {
    const { study, version, dataMap } = await studyAdmin.load(slugOf(req))
    const category = mode === 'change' ? dataMap.find((c) => c.key === keyOf(req)) : undefined
    if (mode === 'change' && !category) throw new NotFoundError()
    res.status(status).render('studies/category', {
      title: category ? `Change ${category.label}` : 'Add data to the data map',
      hasErrors: errors.length > 0,
      backLink: paths.staff.study({ slug: study.slug }),
      study,
      version,
      category,
      values: typed ?? (category ? categoryValues(category) : {}),
      errors,
      errorFor: errorsFor(errors),
      labels: categoryFieldLabels,
      lawfulBasisItems: lawfulBases.map((basis) => ({ value: basis, text: lawfulBasisLabels[basis] })),
      conditionItems: Object.entries(specialCategoryConditions).map(([value, text]) => ({ value, text })),
      action: category
        ? paths.staff.studyCategory({ slug: study.slug, key: category.key })
        : paths.staff.newStudyCategory({ slug: study.slug }),
      removeHref:
        category && category.key !== emailCategoryKey
          ? paths.staff.removeStudyCategory({ slug: study.slug, key: category.key })
          : undefined,
    })
  }

  router.get(paths.staff.newStudyCategory.pattern, editable, (req, res) =>
    renderCategoryForm(req, res, 200, 'add'),
  )

  router.post(paths.staff.newStudyCategory.pattern, editable, async (req, res) => {
    const version = versionOf(req)
    const parsed = parseNewCategory(bodyOf(req))
    if (!parsed.ok) return renderCategoryForm(req, res, 400, 'add', parsed.errors, parsed.values)
    try {
      const outcome = await studyAdmin.addCategory(actor(req), slugOf(req), version, parsed.value)
      saved(req, res, slugOf(req), outcome, `${parsed.value.label} added to the data map.`)
    } catch (error) {
      if (error instanceof ValidationError)
        return renderCategoryForm(req, res, 400, 'add', error.errors, parsed.values)
      if (error instanceof StaleStudyError)
        return renderCategoryForm(req, res, 409, 'add', [staleError], parsed.values)
      throw error
    }
  })

  router.get(paths.staff.studyCategory.pattern, editable, (req, res) =>
    renderCategoryForm(req, res, 200, 'change'),
  )

  router.post(paths.staff.studyCategory.pattern, editable, async (req, res) => {
    const version = versionOf(req)
    const parsed = parseCategory(bodyOf(req))
    if (!parsed.ok) return renderCategoryForm(req, res, 400, 'change', parsed.errors, parsed.values)
    try {
      const outcome = await studyAdmin.updateCategory(
        actor(req),
        slugOf(req),
        keyOf(req),
        version,
        parsed.value,
      )
      saved(req, res, slugOf(req), outcome, `${parsed.value.label} saved.`)
    } catch (error) {
      if (error instanceof StaleStudyError) return renderCategoryForm(req, res, 409, 'change', [staleError])
      throw error
    }
  })

  async function renderRemove(req: Request, res: Response, status: number, errors: FieldError[] = []) {
    const { study, version, dataMap } = await studyAdmin.load(slugOf(req))
    const category = dataMap.find((c) => c.key === keyOf(req))
    if (!category) throw new NotFoundError()
    res.status(status).render('studies/remove-category', {
      title: `Remove ${category.label}`,
      hasErrors: errors.length > 0,
      backLink: paths.staff.studyCategory({ slug: study.slug, key: category.key }),
      study,
      version,
      category,
      errors,
      removable: category.key !== emailCategoryKey,
      action: paths.staff.removeStudyCategory({ slug: study.slug, key: category.key }),
      cancel: paths.staff.study({ slug: study.slug }),
    })
  }

  router.get(paths.staff.removeStudyCategory.pattern, editable, (req, res) => renderRemove(req, res, 200))

  router.post(paths.staff.removeStudyCategory.pattern, editable, async (req, res) => {
    const version = versionOf(req)
    try {
      const removed = await studyAdmin.removeCategory(actor(req), slugOf(req), keyOf(req), version)
      req.session.flash = { kind: 'success', text: `${removed.label} removed from the data map.` }
      res.redirect(303, paths.staff.study({ slug: slugOf(req) }))
    } catch (error) {
      if (error instanceof ValidationError) return renderRemove(req, res, 400, error.errors)
      if (error instanceof StaleStudyError) return renderRemove(req, res, 409, [staleError])
      throw error
    }
  })

  return router
}
