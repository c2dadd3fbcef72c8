import pino from 'pino'
import { describe, expect, it } from 'vitest'
import { startScheduler } from '../../src/jobs/scheduler.js'

describe('the scheduler', () => {
  it('tells a running job to stop when the server stops, and waits for it to end', async () => {
    let sawStop = false
    let ended = false
    const scheduler = startScheduler(
      [
        {
          name: 'long',
          everySeconds: 3600,
          run: (signal) =>
            new Promise<void>((resolve) => {
              signal.addEventListener('abort', () => {
                sawStop = true
                setTimeout(() => {
                  ended = true
                  resolve()
                }, 10)
              })
            }),
        },
      ],
      pino({ level: 'silent' }),
    )
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(sawStop).toBe(false)
    await scheduler.stop()
    expect(sawStop).toBe(true)
    expect(ended).toBe(true)
  })
})
