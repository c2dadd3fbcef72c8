import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { projectRoot } from '../../src/paths-on-disk.js'

/**
 * The fault tests run the built server and CLI: build them first unless the build is up to date,
 * as `npm start` does (src/build-state.ts).
 */
export default function setup(): void {
  const buildState = path.join(projectRoot, 'dist', 'src', 'build-state.js')
  const upToDate = existsSync(buildState) && spawnSync(process.execPath, [buildState]).status === 0
  if (!upToDate) execFileSync('npm', ['run', '-s', 'build'], { cwd: projectRoot, stdio: 'inherit' })
}
