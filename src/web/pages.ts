import { Router } from 'express'
import { paths } from '../paths.js'

export function staticPages(): Router {
  const router = Router()
  router.get(paths.accessibility.pattern, (_req, res) => {
    res.render('pages/accessibility', { title: 'Accessibility statement' })
  })
  return router
}
