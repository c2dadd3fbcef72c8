/**
 * How long `npm start` takes when nothing changed (built and migrated): the time from spawning it
 * until the portal says it is ready (`/readyz`), alternating with the baseline of starting the built
 * server directly (`node dist/src/server.js`) on the same data folder.
 *
 *   npm run -s bench:start -- [rounds]     (rounds defaults to 5)
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, tmpdir } from 'node:os'
import path from 'node:path'
import { ensureBuilt, root } from './lib/processes.js'

const rounds = Number(process.argv[2] ?? 5)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('Usage: bench/start-up.ts [rounds]')

const port = 3900 + Math.floor(Math.random() * 90)

/** Spawns the command and resolves with the seconds until /readyz answers 200, then stops it. */
async function timeStart(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const started = process.hrtime.bigint()
  const child: ChildProcess = spawn(command, args, { cwd: root, env, stdio: 'ignore', detached: true })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  try {
    for (;;) {
      const answered = await fetch(`http://127.0.0.1:${port}/readyz`)
        .then((response) => response.status === 200)
        .catch(() => false)
      if (answered) return Number(process.hrtime.bigint() - started) / 1e9
      if (child.exitCode !== null) throw new Error(`${command} ${args.join(' ')} exited before answering`)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  } finally {
    // The whole group: `npm start` runs the server as a child of a shell.
    if (child.pid) process.kill(-child.pid, 'SIGTERM')
    await exited
  }
}

const dataDir = await mkdtemp(path.join(tmpdir(), 'start-bench-'))
try {
  // Built once if the sources changed, as `npm start` would: the timed starts find it built.
  ensureBuilt()
  const env = {
    ...process.env,
    NODE_ENV: 'development',
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
  }
  // The first start migrates the new database; every timed start finds it migrated.
  await timeStart('node', ['dist/src/server.js'], env)

  const product: number[] = []
  const baseline: number[] = []
  for (let round = 1; round <= rounds; round++) {
    product.push(await timeStart('npm', ['start', '--silent'], env))
    baseline.push(await timeStart('node', ['dist/src/server.js'], env))
    console.log(
      `round ${round}: npm start ${product.at(-1)?.toFixed(2)} s; node dist/src/server.js ${baseline.at(-1)?.toFixed(2)} s`,
    )
  }
  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number
  console.log(
    `Median: npm start ${median(product).toFixed(2)} s, node dist/src/server.js ${median(baseline).toFixed(2)} s; npm start takes ${(median(product) / median(baseline)).toFixed(2)}× the baseline`,
  )
  console.log(`Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}`)
} finally {
  await rm(dataDir, { recursive: true, force: true })
}
