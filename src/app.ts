import path from 'node:path'
import express, { type Express, type RequestHandler } from 'express'
import { accountRoutes } from './accounts/routes.js'
import { auditRoutes } from './audit/routes.js'
import { answerRoutes } from './answers/routes.js'
import { casesRoutes } from './cases/routes.js'
import { complaintPublicRoutes } from './complaints/public-routes.js'
import { complaintStaffRoutes } from './complaints/staff-routes.js'
import { recordsRoutes } from './records/routes.js'
import { studyRoutes } from './studies/routes.js'
import { reportsRoutes } from './reports/routes.js'
import { templateRoutes } from './templates/routes.js'
import { intakeRoutes } from './intake/routes.js'
import { paths } from './paths.js'
import { publicDir, viewsDir } from './paths-on-disk.js'
import { can } from './domain/roles.js'
import type { Services } from './services.js'
import { csrfProtection } from './web/csrf.js'
import { errorHandler, notFoundHandler } from './web/error-handler.js'
import { flashMessages } from './web/flash.js'
import { healthRoutes } from './web/health.js'
import { requestLogging } from './web/logging.js'
import { staticPages } from './web/pages.js'
import { component, ejsWithLayout, staffLayout } from './web/render.js'
import { cspNonce, securityHeaders } from './web/security-headers.js'
import { sessions } from './web/sessions.js'
import { loadStaffUser } from './web/staff-auth.js'
import { refuseNulCharacters } from './web/nul-guard.js'

export interface AppOptions {
  /** True once the process has begun to stop: readiness then fails. */
  stopping?: () => boolean
}

/**
 * Every file under `public/` has an extension, and no page's address does: a page is not looked for
 * on disk first.
 */
function publicFiles(serve: RequestHandler): RequestHandler {
  return (req, res, next) => (path.extname(req.path) ? serve(req, res, next) : next())
}

/** The only place the middleware order is defined. */
export function createApp(services: Services, options: AppOptions = {}): Express {
  const { config, log } = services
  const app = express()
  app.disable('x-powered-by')
  app.set('trust proxy', config.trustProxy)
  app.engine('ejs', ejsWithLayout)
  app.set('view engine', 'ejs')
  app.set('views', viewsDir)
  if (config.env === 'production') app.set('view cache', true)
  Object.assign(app.locals, {
    serviceName: services.serviceName,
    serviceUrl: paths.home(),
    paths,
    component,
    can,
    org: {
      name: services.organisationName,
      dpoEmail: config.organisation.dpoEmail,
      feedbackUrl: config.feedbackUrl,
    },
  })

  app.use(
    healthRoutes(services.db, {
      log,
      stopping: options.stopping ?? (() => false),
    }),
  )
  app.use(cspNonce())
  app.use(securityHeaders({ secure: config.secureCookies }))
  app.use(requestLogging(log))
  app.use(
    publicFiles(express.static(publicDir, { index: false, maxAge: config.env === 'production' ? '1d' : 0 })),
  )
  app.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }))
  app.use(refuseNulCharacters())
  app.use(sessions(services.sessionStore, config))
  app.use(flashMessages())
  app.use(loadStaffUser(services.accounts, services.settings, services.now))
  app.use(staffLayout(paths.staff.home()))
  app.use(csrfProtection({ secret: config.secret, secureCookies: config.secureCookies }))
  app.use(staticPages())
  app.use(intakeRoutes(services))
  app.use(complaintPublicRoutes(services))
  app.use(answerRoutes(services))
  app.use(accountRoutes(services))
  app.use(casesRoutes(services))
  app.use(complaintStaffRoutes(services))
  app.use(templateRoutes(services))
  app.use(recordsRoutes(services))
  app.use(studyRoutes(services))
  app.use(reportsRoutes(services))
  app.use(auditRoutes(services))
  app.use(notFoundHandler())
  app.use(errorHandler(log, { showDetail: config.showErrorDetails }))
  return app
}
