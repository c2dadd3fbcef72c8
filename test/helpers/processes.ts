import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createDb, type Db } from '../../src/db/knex.js'
import { projectRoot } from '../../src/paths-on-disk.js'
import { testSecret } from './context.js'

/** The built entry points, as `npm start` and an operator run them. */
export const serverEntry = path.join(projectRoot, 'dist', 'src', 'server.js')
export const cliEntry = path.join(projectRoot, 'dist', 'src', 'cli.js')

/** A port nothing listens on, from the system: free when returned, unless something takes it first. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo
      probe.close(() => resolve(port))
    })
  })
}

/** A data folder of its own, with the SQLite file every process of one test shares. */
export function portalFolder(prefix: string) {
  const dataDir = mkdtempSync(path.join(tmpdir(), `portal-fault-${prefix}-`))
  const databaseFile = path.join(dataDir, 'portal.sqlite')
  return {
    dataDir,
    databaseFile,
    /** The environment of a portal process on this folder, jobs off unless asked for. */
    env(extra: Record<string, string> = {}): Record<string, string> {
      return {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dataDir,
        NODE_ENV: 'test',
        SECRET: testSecret,
        PUBLIC_URL: 'http://portal.test',
        DATA_DIR: dataDir,
        DATABASE_URL: `sqlite:${databaseFile}`,
        LOG_LEVEL: 'info',
        JOBS: 'off',
        ...extra,
      }
    },
    /** A connection of the test's own, to look at what the processes wrote. */
    db(): Db {
      return createDb({ client: 'sqlite', filename: databaseFile })
    },
    remove() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface NodeProcess {
  child: ChildProcess
  /** What it wrote to stdout and stderr so far. */
  output(): string
  exited: Promise<Exit>
}

function spawnNode(entry: string, args: string[], env: Record<string, string>, input?: string): NodeProcess {
  const child = spawn(process.execPath, [entry, ...args], { env, cwd: projectRoot, stdio: 'pipe' })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  if (input === undefined) child.stdin.end()
  else child.stdin.end(input)
  const exited = new Promise<Exit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, output: () => output, exited }
}

/** Starts an operator command; `exited` says how it ended. */
export function startCli(args: string[], env: Record<string, string>, input?: string): NodeProcess {
  return spawnNode(cliEntry, args, env, input)
}

/** Runs an operator command to its end. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<Exit & { output: string }> {
  const cli = startCli(args, env, input)
  const exit = await cli.exited
  return { ...exit, output: cli.output() }
}

export interface PortalProcess extends NodeProcess {
  port: number
  url: string
}

/** Starts the built server and resolves once it listens; fails if it exits or is silent for 30 s. */
export async function startPortalProcess(env: Record<string, string>): Promise<PortalProcess> {
  const port = Number(env.PORT ?? (await freePort()))
  const started = spawnNode(serverEntry, [], { ...env, PORT: String(port) })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (/portal listening on \S+ port/.test(started.output())) break
    const exit = await Promise.race([started.exited, sleep(50).then(() => undefined)])
    if (exit)
      throw new Error(
        `The portal exited (${exit.code ?? exit.signal}) before listening:\n${started.output()}`,
      )
    if (Date.now() > deadline) {
      started.child.kill('SIGKILL')
      throw new Error(`The portal did not start within 30 s:\n${started.output()}`)
    }
  }
  return { ...started, port, url: `http://127.0.0.1:${port}` }
}

/** Stops a process that is still running, and waits for it. */
export async function stopProcess(proc: NodeProcess | undefined): Promise<void> {
  if (!proc || proc.child.exitCode !== null || proc.child.signalCode !== null) return
  proc.child.kill('SIGKILL')
  await proc.exited
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls until `check` returns a value, or fails after the timeout with what it last saw. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  options: { timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000)
  for (;;) {
    const found = await check()
    if (found !== undefined) return found
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`)
    await sleep(options.everyMs ?? 50)
  }
}

/** The JSON log lines a portal process wrote, parsed; other lines are skipped. */
export function logLines(output: string): { msg?: string; [key: string]: unknown }[] {
  return output.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return []
    try {
      return [JSON.parse(line) as { msg?: string }]
    } catch {
      return []
    }
  })
}
