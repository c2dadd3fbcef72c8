import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Whether the build in `dist/` and `public/` is up to date with its sources, so that `npm start`
 * builds only when something changed: exits 0 when it is, 1 when a build is needed. Run with
 * `--stamp` at the end of a build to record that it finished. Compiled to dist/src/build-state.js;
 * before the first build there is no such file, and `npm start` builds.
 */

// dist/src/build-state.js → the project root.
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const stamp = path.join(root, 'dist', '.built')
const inputs = [
  'src',
  'migrations',
  'public/javascripts-src',
  'package.json',
  'package-lock.json',
  'tsconfig.json',
  'tsconfig.build.json',
]

/** The newest modification time under a path, in milliseconds; 0 when it does not exist. */
function newest(target: string): number {
  if (!existsSync(target)) return 0
  const stat = statSync(target)
  if (!stat.isDirectory()) return stat.mtimeMs
  let latest = stat.mtimeMs
  for (const entry of readdirSync(target)) latest = Math.max(latest, newest(path.join(target, entry)))
  return latest
}

if (process.argv.includes('--stamp')) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`)
} else {
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0
  const changed = Math.max(...inputs.map((input) => newest(path.join(root, input))))
  process.exitCode = built > 0 && changed <= built ? 0 : 1
}
