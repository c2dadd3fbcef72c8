import http from 'node:http'
import net from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import {
  logLines,
  portalFolder,
  sleep,
  startPortalProcess,
  stopProcess,
  waitFor,
  type PortalProcess,
} from '../helpers/processes.js'

/**
 * SIGTERM while clients keep connections busy: every response already begun is sent whole, no new
 * connection is taken, and the process exits 0 once the last one is answered.
 */

type Outcome =
  /** A whole response: its status and every byte its Content-Length promised. */
  | { kind: 'whole'; status: number; closing: boolean }
  /** Refused or closed before any of a response arrived: the request never began. */
  | { kind: 'not-taken'; code: string }
  /** A response begun and cut short: what must never happen. */
  | { kind: 'cut'; detail: string }

function get(agent: http.Agent, port: number, path: string): Promise<Outcome> {
  return new Promise((resolve) => {
    let begun = false
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      begun = true
      let bytes = 0
      res.on('data', (chunk: Buffer) => (bytes += chunk.length))
      res.on('aborted', () => resolve({ kind: 'cut', detail: `aborted after ${bytes} bytes` }))
      res.on('error', (error) => resolve({ kind: 'cut', detail: error.message }))
      res.on('end', () => {
        const expected = Number(res.headers['content-length'] ?? bytes)
        resolve(
          bytes === expected
            ? { kind: 'whole', status: res.statusCode ?? 0, closing: res.headers.connection === 'close' }
            : { kind: 'cut', detail: `${bytes} of ${expected} bytes` },
        )
      })
    })
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(
        begun
          ? { kind: 'cut', detail: error.message }
          : { kind: 'not-taken', code: error.code ?? error.message },
      ),
    )
  })
}

/** A request whose head is sent now and whose body only when the test says: in flight meanwhile. */
function slowRequest(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  let received = ''
  let closed = false
  socket.on('data', (chunk: string) => (received += chunk))
  socket.on('close', () => (closed = true))
  socket.on('error', () => undefined)
  socket.write(
    'GET / HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
      'Content-Length: 3\r\nExpect: 100-continue\r\n\r\n',
  )
  return {
    /** The server has read the head and waits for the body. */
    waiting: () => received.includes('100 Continue'),
    finish: () => socket.write('a=1'),
    /** The whole response, once the server has closed the connection after it. */
    response: async () => {
      await waitFor('the slow response', () => (closed ? true : undefined), { timeoutMs: 20_000 })
      const final = received.slice(received.lastIndexOf('HTTP/1.1 '))
      const [head = '', body = ''] = final.split('\r\n\r\n')
      return {
        status: Number(head.split(' ')[1]),
        closing: /\r\nconnection: close/i.test(head),
        whole: body.length === Number(/content-length: (\d+)/i.exec(head)?.[1] ?? -1),
      }
    },
  }
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1')
    socket.on('connect', () => {
      socket.destroy()
      resolve('connected')
    })
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
  })
}

let portal: PortalProcess | undefined
let folder: ReturnType<typeof portalFolder> | undefined

afterEach(async () => {
  await stopProcess(portal)
  folder?.remove()
  portal = folder = undefined
})

describe('SIGTERM under load', () => {
  it('finishes every response in flight, takes no new connection and exits 0', async () => {
    folder = portalFolder('sigterm')
    portal = await startPortalProcess(folder.env())
    const { port } = portal
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })
    const outcomes: { outcome: Outcome; afterStop: boolean; endedAfterStop: boolean }[] = []
    let stopSent = false
    let running = true
    const maxRequests = 4000
    const workers = Array.from({ length: 16 }, async (_, worker) => {
      const paths = ['/', '/privacy-notice', '/healthz', '/request/access']
      for (let i = 0; running && outcomes.length < maxRequests; i++) {
        const afterStop = stopSent
        const outcome = await get(agent, port, paths[(worker + i) % paths.length]!)
        outcomes.push({ outcome, afterStop, endedAfterStop: stopSent })
        // Once the portal stops taking connections, this client has nothing more to send.
        if (outcome.kind === 'not-taken' && stopSent) break
      }
    })

    // Requests still being sent when the signal comes: the server has their head, not their body.
    await waitFor('load to build up', () => (outcomes.length >= 200 ? true : undefined), {
      timeoutMs: 30_000,
    })
    const slow = Array.from({ length: 3 }, () => slowRequest(port))
    await waitFor('the slow requests to be read', () => (slow.every((s) => s.waiting()) ? true : undefined))

    const before = outcomes.length
    stopSent = true
    portal.child.kill('SIGTERM')
    await waitFor('the portal to stop listening', async () =>
      (await connectOutcome(port)) === 'ECONNREFUSED' ? true : undefined,
    )
    // Still running: it waits for the responses it has begun.
    expect(portal.child.exitCode).toBeNull()
    await sleep(200)
    for (const s of slow) s.finish()
    const slowAnswers = await Promise.all(slow.map((s) => s.response()))
    for (const answer of slowAnswers) expect(answer).toEqual({ status: 200, closing: true, whole: true })

    const exit = await portal.exited
    running = false
    await Promise.all(workers)
    agent.destroy()
    expect(exit).toEqual({ code: 0, signal: null })
    expect(logLines(portal.output()).map((l) => l.msg)).toEqual(
      expect.arrayContaining(['shutting down', 'stopped']),
    )

    expect(before, 'load was running when the signal came').toBeGreaterThanOrEqual(200)
    const cut = outcomes.filter((o) => o.outcome.kind === 'cut')
    expect(cut, 'no response was cut short').toEqual([])
    const whole = outcomes.flatMap((o) => (o.outcome.kind === 'whole' ? [o.outcome] : []))
    expect(whole.every((o) => o.status === 200)).toBe(true)
    // After the signal, what was not answered was never taken: refused, or its idle connection closed.
    const notTaken = outcomes.flatMap((o) => (o.outcome.kind === 'not-taken' ? [o.outcome.code] : []))
    for (const code of notTaken) expect(['ECONNREFUSED', 'ECONNRESET']).toContain(code)
    expect(outcomes.filter((o) => o.outcome.kind === 'not-taken' && !o.afterStop)).toEqual([])
    // Some of the load was in flight when the signal came, and was answered whole.
    const answeredWhileStopping = outcomes.filter(
      (o) => !o.afterStop && o.endedAfterStop && o.outcome.kind === 'whole',
    )
    expect(answeredWhileStopping.length).toBeGreaterThan(0)
    expect(await connectOutcome(port)).toBe('ECONNREFUSED')
  }, 60_000)
})
