import type { Logger } from 'pino'

export interface ScheduledJob {
  name: string
  everySeconds: number
  /** `signal` is aborted when the server stops: a long job ends at its next safe point. */
  run: (signal: AbortSignal) => Promise<unknown>
}

/**
 * Runs each job at its interval, never two runs of the same job at once in this process.
 * Jobs themselves are safe to run concurrently across processes.
 */
export function startScheduler(jobs: ScheduledJob[], log: Logger) {
  const running = new Map<string, Promise<void>>()
  const timers: NodeJS.Timeout[] = []
  const stopping = new AbortController()
  let stopped = false

  function trigger(job: ScheduledJob) {
    if (stopped || running.has(job.name)) return
    const run = job
      .run(stopping.signal)
      .then((result) => {
        if (result && typeof result === 'object' && Object.values(result).some((v) => v !== 0)) {
          log.info({ job: job.name, result }, 'job finished')
        }
      })
      .catch((error: unknown) => log.error({ job: job.name, err: error }, 'job failed'))
      .finally(() => running.delete(job.name))
    running.set(job.name, run)
  }

  for (const job of jobs) {
    trigger(job)
    const timer = setInterval(() => trigger(job), job.everySeconds * 1000)
    timer.unref()
    timers.push(timer)
  }

  return {
    async stop(): Promise<void> {
      stopped = true
      stopping.abort()
      for (const timer of timers) clearInterval(timer)
      await Promise.allSettled(running.values())
    },
  }
}
