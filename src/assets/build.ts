import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { NodePackageImporter, compile } from 'sass'

/**
 * Builds public/stylesheets, public/javascripts and public/assets (all git-ignored) from
 * src/assets/application.scss, public/javascripts-src and GOV.UK Frontend. Safe to run again.
 */

// GOV.UK's crown, crest, icons and favicons identify GOV.UK services: we are not one.
const govukBranded = /crown|crest|govuk-|favicon|opengraph/i

function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url))
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir)
    if (parent === dir)
      throw new Error('Cannot find the project root (no package.json above the build script)')
    dir = parent
  }
  return dir
}

const started = Date.now()
const root = projectRoot()
const require = createRequire(path.join(root, 'package.json'))
const frontendDist = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist/govuk')
const publicDir = path.join(root, 'public')
const out = (relative: string) => path.join(publicDir, relative)

const { css } = compile(path.join(root, 'src/assets/application.scss'), {
  importers: [new NodePackageImporter(root)],
  style: 'compressed',
  quietDeps: true,
})
mkdirSync(out('stylesheets'), { recursive: true })
writeFileSync(out('stylesheets/application.css'), css)

mkdirSync(out('javascripts'), { recursive: true })
copyFileSync(path.join(frontendDist, 'govuk-frontend.min.js'), out('javascripts/govuk-frontend.min.js'))
copyFileSync(path.join(publicDir, 'javascripts-src/application.js'), out('javascripts/application.js'))

// Copy only the images the stylesheet refers to, and none of GOV.UK's own branding.
const referenced = new Set(
  [...css.matchAll(/url\("?\/assets\/images\/([^")]+)"?\)/g)].map((m) => m[1] as string),
)
const available = new Set(readdirSync(path.join(frontendDist, 'assets/images')))
const images = [...referenced].filter((name) => available.has(name) && !govukBranded.test(name))
rmSync(out('assets/images'), { recursive: true, force: true })
mkdirSync(out('assets/images'), { recursive: true })
for (const name of images) {
  copyFileSync(path.join(frontendDist, 'assets/images', name), out(`assets/images/${name}`))
}

const kib = (css.length / 1024).toFixed(0)
console.log(
  `Assets built in ${Date.now() - started} ms: application.css (${kib} KiB), 2 scripts, ` +
    `${images.length} image(s), ${referenced.size - images.length} GOV.UK-branded image(s) left out`,
)
