/**
 * The public side under load: the built portal (`node dist/src/server.js`, NODE_ENV=production, on
 * a new SQLite file) against a bare Express server on the same stack (`bench/lib/bare-intake.ts`),
 * alternating, both driven by the same 20 kept-alive clients in this process.
 *
 * - Form GET: `/request/access` against a fixed page.
 * - Intake POST: a valid access request (each client opened the form once, for its token and
 *   cookie, untimed; every submission has its own address and network address, so no limit
 *   refuses it) against one INSERT and a 303.
 *
 * Besides requests per second it reports the CPU time each server spent per request answered
 * (from /proc), which a busy machine disturbs far less than throughput. It also counts the session
 * rows left after the GET rounds: a visitor who only reads a form has none.
 *
 *   npm run -s bench:intake -- [seconds per round] [rounds]     (defaults 5 and 3)
 *   BENCH_DATABASE=postgres npm run -s bench:intake              (both on a new PostgreSQL database)
 *   BENCH_PROFILE_DIR=/tmp/prof npm run -s bench:intake        (and a CPU profile of the portal)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { cpus, loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { benchDatabase } from './lib/generate.js'
import { agentFor, Client, runLoad, type LoadResult } from './lib/http-load.js'
import { cpuMilliseconds, ensureBuilt, startServer, type Started } from './lib/processes.js'

const seconds = Number(process.argv[2] ?? 5)
const rounds = Number(process.argv[3] ?? 3)
if (!(seconds > 0) || !Number.isInteger(rounds) || rounds < 1)
  throw new Error('Usage: bench/intake.ts [seconds per round] [rounds]')

const connections = 20
const portalPort = 3800 + Math.floor(Math.random() * 50)
const barePort = portalPort + 50

ensureBuilt()
const dir = await mkdtemp(path.join(tmpdir(), 'intake-bench-'))
// The portal's database, made and migrated here so this process can count its rows; on
// PostgreSQL the baseline's table goes in the same database.
const database = await benchDatabase('intake', dir)
const databaseUrl = database.server && new URL(`/${database.database}`, database.server).toString()
const env = {
  ...process.env,
  DATA_DIR: dir,
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
}
// BENCH_PROFILE_DIR=dir writes a CPU profile of the portal there when it stops.
const profile = process.env.BENCH_PROFILE_DIR
const portal = await startServer(
  'node',
  [...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []), 'dist/src/server.js'],
  {
    ...env,
    NODE_ENV: 'production',
    PORT: String(portalPort),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://127.0.0.1:${portalPort}`,
    SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    // Each submission comes from its own address (X-Forwarded-For), as from many people.
    TRUST_PROXY: 'loopback',
  },
  portalPort,
  '/readyz',
)
const bare = await startServer(
  'node',
  ['--import', 'tsx', 'bench/lib/bare-intake.ts'],
  { ...env, NODE_ENV: 'production', PORT: String(barePort) },
  barePort,
  '/form',
)

try {
  const portalAgent = agentFor(connections)
  const bareAgent = agentFor(connections)
  const portalClients = Array.from({ length: connections }, (_, i) => ({
    client: new Client(portalPort, portalAgent),
    state: { worker: i, token: '' },
  }))
  const bareClients = Array.from({ length: connections }, (_, i) => ({
    client: new Client(barePort, bareAgent),
    state: { worker: i, token: '' },
  }))
  let submitted = 0
  const address = (n: number) => `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`
  const accessForm = (worker: number, n: number) =>
    new URLSearchParams({
      email: `bench-${worker}-${n}-${submitted++}@example.org`,
      name: 'Sam Example',
      description: 'Everything you hold about me, please.',
    })

  type Measured = LoadResult & { cpuMs: number }
  /** The load, with the CPU time the server spent on each request answered. */
  const measured = async (server: Started, load: Promise<LoadResult>): Promise<Measured> => {
    const before = cpuMilliseconds(server.child.pid)
    const result = await load
    return { ...result, cpuMs: (cpuMilliseconds(server.child.pid) - before) / result.requests }
  }
  const results: Record<string, Measured[]> = {
    'portal GET': [],
    'bare GET': [],
    'portal POST': [],
    'bare POST': [],
  }
  const sessionsDb = database.db
  let sessionsAfterGets = 0
  for (let round = 1; round <= rounds; round++) {
    results['portal GET']?.push(
      await measured(
        portal,
        runLoad({
          clients: portalClients,
          seconds,
          expected: 200,
          next: () => ({ method: 'GET', path: '/request/access' }),
        }),
      ),
    )
    if (round === 1) {
      const row = await sessionsDb('sessions').count<{ n: number }[]>({ n: '*' }).first()
      sessionsAfterGets = Number(row?.n ?? 0)
    }
    results['bare GET']?.push(
      await measured(
        bare,
        runLoad({
          clients: bareClients,
          seconds,
          expected: 200,
          next: () => ({ method: 'GET', path: '/form' }),
        }),
      ),
    )
    for (const { client, state } of portalClients) {
      const page = await client.send({ method: 'GET', path: '/request/access' })
      state.token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? ''
    }
    results['portal POST']?.push(
      await measured(
        portal,
        runLoad({
          clients: portalClients,
          seconds,
          expected: 303,
          next: (state, n) => ({
            method: 'POST',
            path: '/request/access',
            headers: { 'x-forwarded-for': address(submitted) },
            body: `_csrf=${encodeURIComponent(state.token)}&${accessForm(state.worker, n).toString()}`,
          }),
        }),
      ),
    )
    results['bare POST']?.push(
      await measured(
        bare,
        runLoad({
          clients: bareClients,
          seconds,
          expected: 303,
          next: (state, n) => ({
            method: 'POST',
            path: '/form',
            body: accessForm(state.worker, n).toString(),
          }),
        }),
      ),
    )
    const line = Object.entries(results)
      .map(([name, runs]) => {
        const run = runs.at(-1) as Measured
        return `${name} ${run.perSecond.toFixed(0)}/s (p99 ${run.p99.toFixed(0)} ms, CPU ${run.cpuMs.toFixed(2)} ms each${run.unexpected ? `, ${run.unexpected} unexpected` : ''})`
      })
      .join('; ')
    console.log(`round ${round}: ${line}`)
  }
  const stored = await sessionsDb('rights_requests').count<{ n: number }[]>({ n: '*' }).first()

  const median = (runs: Measured[] | undefined) => {
    const sorted = [...(runs ?? [])].sort((a, b) => a.perSecond - b.perSecond)
    return sorted[Math.floor(sorted.length / 2)] as Measured
  }
  const getP = median(results['portal GET'])
  const getB = median(results['bare GET'])
  const postP = median(results['portal POST'])
  const postB = median(results['bare POST'])
  const unexpected = Object.values(results)
    .flat()
    .reduce((sum, run) => sum + run.unexpected, 0)
  console.log(
    `Form GET: portal ${getP.perSecond.toFixed(0)}/s (p50 ${getP.p50.toFixed(1)} ms, p99 ${getP.p99.toFixed(1)} ms), bare ${getB.perSecond.toFixed(0)}/s: ${(getP.perSecond / getB.perSecond).toFixed(2)}×; server CPU per request ${getP.cpuMs.toFixed(2)} ms against ${getB.cpuMs.toFixed(2)} ms`,
  )
  console.log(
    `Intake POST: portal ${postP.perSecond.toFixed(0)}/s (p50 ${postP.p50.toFixed(1)} ms, p99 ${postP.p99.toFixed(1)} ms), bare one-INSERT ${postB.perSecond.toFixed(0)}/s: ${(postP.perSecond / postB.perSecond).toFixed(2)}×; server CPU per request ${postP.cpuMs.toFixed(2)} ms against ${postB.cpuMs.toFixed(2)} ms`,
  )
  console.log(
    `Session rows after the first round of form GETs: ${sessionsAfterGets}; requests stored: ${Number(stored?.n ?? 0)}; unexpected answers: ${unexpected}`,
  )
  console.log(
    `${database.kind}. Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, load ${loadavg()[0]?.toFixed(2)}, Node ${process.version}, ${connections} connections, ${seconds} s rounds`,
  )
  if (unexpected > 0) process.exitCode = 1
} finally {
  await portal.stop()
  await bare.stop()
  await database.close()
  await rm(dir, { recursive: true, force: true })
}
