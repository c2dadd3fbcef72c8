/** Starting the built portal, and other servers, for the benchmarks that measure it over HTTP. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'

export const root = path.resolve(import.meta.dirname, '../..')

/** Builds the portal if its sources changed since the last build, as `npm start` would. */
export function ensureBuilt(): void {
  const current = spawnSync('node', ['dist/src/build-state.js'], { cwd: root, stdio: 'ignore' })
  if (current.status === 0) return
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: root, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('The build failed')
}

export interface Started {
  child: ChildProcess
  stop(): Promise<void>
}

/** Spawns a server and resolves once `readyPath` on `port` answers 200. */
export async function startServer(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  port: number,
  readyPath: string,
): Promise<Started> {
  const child = spawn(command, args, { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM')
    await exited
  }
  for (;;) {
    const answered = await fetch(`http://127.0.0.1:${port}${readyPath}`)
      .then((response) => response.status === 200)
      .catch(() => false)
    if (answered) return { child, stop }
    if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited before answering`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** CPU time (user + system) a process has used so far, in milliseconds; Linux only. */
export function cpuMilliseconds(pid: number | undefined): number {
  if (!pid) return Number.NaN
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticksPerSecond = 100
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond
}
