import path from 'node:path'
import ejs from 'ejs'
import { viewsDir } from '../paths-on-disk.js'
import { theStudyName } from '../domain/study-name.js'

export interface RenderedEmail {
  text: string
  html: string
}

const emailsDir = path.join(viewsDir, 'emails')

/** Each email has a text and an HTML template; both share the common locals. */
export async function renderEmail(template: string, given: Record<string, unknown>): Promise<RenderedEmail> {
  const locals = { theStudyName, ...given }
  const [text, body] = await Promise.all([
    ejs.renderFile(path.join(emailsDir, `${template}.txt.ejs`), locals, { async: false }),
    ejs.renderFile(path.join(emailsDir, `${template}.html.ejs`), locals, { async: false }),
  ])
  const html = await ejs.renderFile(path.join(emailsDir, 'layout.html.ejs'), { ...locals, body })
  return { text: text.replace(/\n{3,}/g, '\n\n').trim() + '\n', html }
}
