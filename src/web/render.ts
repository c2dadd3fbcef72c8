import { readFileSync } from 'node:fs'
import path from 'node:path'
import ejs from 'ejs'
import type { NextFunction, Request, Response } from 'express'
import { viewsDir } from '../paths-on-disk.js'

type RenderCallback = (error: Error | null, html?: string) => void
type Locals = Record<string, unknown> & { layout?: string | false }

const layoutFile = path.join(viewsDir, 'layout.ejs')

/**
 * Express view engine: renders the page, then the layout around it with the same locals.
 * A page that is a whole document (an email preview, say) sets `layout: false`.
 */
export function ejsWithLayout(file: string, options: object, callback: RenderCallback): void {
  const locals = options as Locals
  ejs.renderFile(
    file,
    locals,
    { cache: locals.settings !== undefined && isCacheOn(locals) },
    (error, body) => {
      if (error) return callback(error)
      if (locals.layout === false) return callback(null, body)
      ejs.renderFile(
        typeof locals.layout === 'string' ? path.join(viewsDir, locals.layout) : layoutFile,
        { ...locals, body },
        { cache: isCacheOn(locals) },
        callback,
      )
    },
  )
}

function isCacheOn(locals: Locals): boolean {
  const settings = locals.settings as { 'view cache'?: boolean } | undefined
  return Boolean(settings?.['view cache'])
}

const components = new Map<string, ejs.TemplateFunction>()

/**
 * Renders a GOV.UK component partial with only the parameters given, like a Nunjucks macro:
 * unlike `include`, nothing leaks in from the page's own locals.
 */
export function component(name: string, params: Record<string, unknown> = {}): string {
  let render = components.get(name)
  if (!render) {
    const file = path.join(viewsDir, 'partials', `${name}.ejs`)
    render = ejs.compile(readFileSync(file, 'utf8'), { filename: file })
    components.set(name, render)
  }
  return render({ ...params, component })
}

/**
 * Staff pages use the whole window for dense tables; public pages keep the GOV.UK reading column,
 * even for a member of staff who is signed in. A page may still set `wide` itself.
 */
export function staffLayout(staffArea: string) {
  return (req: Request, res: Response, next: NextFunction) => {
    const underStaff = req.path === staffArea || req.path.startsWith(`${staffArea}/`)
    if (req.staffUser && underStaff) res.locals.staffLayout = true
    next()
  }
}
