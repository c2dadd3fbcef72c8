import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { ChainSource } from './repo.js'
import type { RangeTask } from './verify-worker.js'
import {
  joinRanges,
  markedSeqs,
  type ChainVerification,
  type RangeSummary,
  type VerifyOptions,
} from './verify.js'

export interface ParallelOptions {
  /** Trails spanning fewer seqs are walked in one piece: starting threads would cost more. */
  minEvents?: number
  /** How many stretches, each read and checked by a thread of its own; the cores (up to 4) by default. */
  threads?: number
  pageSize?: number
}

export const defaultMinEvents = 50_000

/**
 * A SQLite thread's queries run on libuv's four worker threads, shared by the whole process; and
 * on PostgreSQL each thread holds a connection of its own beside the pool's.
 */
const maxThreads = 4

/** Small pages: fewer rows outlive the young generation, so less time goes on collecting garbage. */
const defaultPageSize = 1000

/**
 * Verifies a long trail in stretches of `seq`, one thread each, reading through connections of
 * their own, and joins the stretches at their ends. Returns the verification only when the whole
 * trail is intact; null when it is not, or cannot be read this way (a database in memory, no
 * second core, a thread that failed): then the single walk of `verifyChain` is the one to say
 * what is wrong, exactly as it always has.
 */
export async function verifyInParallel(
  source: ChainSource | null,
  seqs: { first: number; through: number } | null,
  options: Pick<VerifyOptions, 'anchor' | 'signedHeads'>,
  parallel: ParallelOptions = {},
): Promise<ChainVerification | null> {
  const threads = parallel.threads ?? Math.min(availableParallelism(), maxThreads)
  if (!source || !seqs || threads < 2) return null
  // The single walk reads the events with 0 < seq <= through, and so do the stretches together.
  const span = seqs.through - Math.max(1, seqs.first) + 1
  if (span < (parallel.minEvents ?? defaultMinEvents) || span < threads) return null
  const marked = markedSeqs(options)
  const tasks: RangeTask[] = stretches(Math.max(0, seqs.first - 1), seqs.through, threads).map(
    ([from, through]) => ({
      source,
      from,
      through,
      marked: marked.filter((seq) => seq > from && seq <= through),
      pageSize: parallel.pageSize ?? defaultPageSize,
    }),
  )
  const workers: Worker[] = []
  try {
    const summaries = await Promise.all(tasks.map((task) => inThread(task, workers)))
    return joinRanges(summaries, options)
  } catch {
    // A stretch is beyond checking here: the others' answers no longer matter.
    await Promise.all(workers.map((worker) => worker.terminate()))
    return null
  }
}

/** `(from, through]` cut into `parts` stretches of near equal length, in order. */
export function stretches(from: number, through: number, parts: number): [number, number][] {
  const length = Math.ceil((through - from) / parts)
  const cuts: [number, number][] = []
  for (let start = from; start < through; start += length)
    cuts.push([start, Math.min(through, start + length)])
  return cuts
}

const fromSource = import.meta.url.endsWith('.ts')

/**
 * The thread's code: the built module next to this one; or, run from the TypeScript source
 * (tests, `tsx`), a few lines that load the source through tsx, as a thread starts without it.
 */
let located: { script: string | URL; eval: boolean } | undefined
function workerScript(): { script: string | URL; eval: boolean } {
  located ??= locateWorker()
  return located
}

function locateWorker(): { script: string | URL; eval: boolean } {
  if (!fromSource) return { script: new URL('./verify-worker.js', import.meta.url), eval: false }
  const require = createRequire(import.meta.url)
  const manifest = require.resolve('tsx/package.json')
  const { exports } = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: { './esm/api': { import: { default: string } } }
  }
  const api = pathToFileURL(path.join(path.dirname(manifest), exports['./esm/api'].import.default)).href
  const source = new URL('./verify-worker.ts', import.meta.url).href
  return {
    script: `import(${JSON.stringify(api)}).then((tsx) => tsx.tsImport(${JSON.stringify(source)}, ${JSON.stringify(source)}))`,
    eval: true,
  }
}

function inThread(task: RangeTask, started: Worker[]): Promise<RangeSummary> {
  return new Promise((resolve, reject) => {
    const { script, eval: evaluate } = workerScript()
    const worker = new Worker(script, { eval: evaluate, workerData: task })
    started.push(worker)
    let settled = false
    worker.once('message', (message: { summary?: RangeSummary; error?: string }) => {
      settled = true
      if (message.summary) resolve(message.summary)
      else reject(new Error(message.error ?? 'The thread checking a stretch of the trail failed'))
    })
    worker.once('error', (error) => {
      settled = true
      reject(error)
    })
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`The thread checking a stretch of the trail stopped (${code})`))
    })
  })
}
