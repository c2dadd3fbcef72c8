import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodePackageImporter, compile } from 'sass'

/** Compiles the stylesheet and copies GOV.UK Frontend's script into public/. */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir)
  return dir
}

const root = projectRoot()
const require = createRequire(path.join(root, 'package.json'))
const frontendDist = path.dirname(require.resolve('govuk-frontend/package.json')) + '/dist/govuk'
const publicDir = path.join(root, 'public')

const started = Date.now()
const css = compile(path.join(root, 'src/assets/application.scss'), {
  importers: [new NodePackageImporter(root)],
  style: 'compressed',
  quietDeps: true,
  silenceDeprecations: ['import'],
})
mkdirSync(path.join(publicDir, 'stylesheets'), { recursive: true })
writeFileSync(path.join(publicDir, 'stylesheets/application.css'), css.css)

mkdirSync(path.join(publicDir, 'javascripts'), { recursive: true })
copyFileSync(
  path.join(frontendDist, 'govuk-frontend.min.js'),
  path.join(publicDir, 'javascripts/govuk-frontend.min.js'),
)
copyFileSync(
  path.join(root, 'public/javascripts-src/application.js'),
  path.join(publicDir, 'javascripts/application.js'),
)

console.log(`Assets built in ${Date.now() - started} ms: stylesheets/application.css, javascripts/*.js`)
