import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import knexFactory from 'knex'
import pino from 'pino'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { startPortal, type RunningPortal } from '../../src/portal.js'
import { testSecret } from '../helpers/context.js'
import { postgresUrl, usingPostgres } from '../helpers/db.js'

let dataDir: string
let databaseUrl: string
let dropSchema: () => Promise<void> = async () => {}

beforeEach(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'portal-stop-'))
  if (usingPostgres) {
    const schema = `t_${randomBytes(6).toString('hex')}`
    const admin = knexFactory({ client: 'pg', connection: postgresUrl, pool: { min: 0, max: 1 } })
    await admin.raw('create schema ??', [schema])
    databaseUrl = `${postgresUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`
    dropSchema = async () => {
      await admin.raw('drop schema ?? cascade', [schema])
      await admin.destroy()
    }
  } else {
    databaseUrl = `sqlite:${path.join(dataDir, 'portal.sqlite')}`
  }
})
afterEach(async () => {
  await dropSchema()
  rmSync(dataDir, { recursive: true, force: true })
})

async function startTestPortal(): Promise<RunningPortal> {
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: testSecret,
    PUBLIC_URL: 'http://portal.test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'silent',
    JOBS: 'off',
  })
  return startPortal(config, pino({ level: 'silent' }), { port: 0 })
}

interface RawResponse {
  status: number
  headers: Record<string, string>
  body: string
}

/** An HTTP/1.1 client on one socket, so the test decides when each byte is sent. */
function rawConnection(port: number) {
  const socket = net.connect(port, '127.0.0.1')
  socket.setEncoding('latin1')
  let received = ''
  let closed = false
  let wake: () => void = () => {}
  socket.on('data', (chunk: string) => {
    received += chunk
    wake()
  })
  socket.on('close', () => {
    closed = true
    wake()
  })

  async function until<T>(take: () => T | undefined, what: string): Promise<T> {
    for (;;) {
      const taken = take()
      if (taken !== undefined) return taken
      if (closed) throw new Error(`The connection closed before ${what}`)
      await new Promise<void>((resolve) => (wake = resolve))
    }
  }

  return {
    write: (text: string) => socket.write(text),
    /** Resolves once the server has read the request's head: it asked for the body. */
    continued: () =>
      until(() => {
        const interim = 'HTTP/1.1 100 Continue\r\n\r\n'
        if (!received.startsWith(interim)) return undefined
        received = received.slice(interim.length)
        return true
      }, '100 Continue'),
    response: () =>
      until((): RawResponse | undefined => {
        const end = received.indexOf('\r\n\r\n')
        if (end < 0) return undefined
        const [statusLine = '', ...lines] = received.slice(0, end).split('\r\n')
        const headers = Object.fromEntries(
          lines.map((line) => [
            line.slice(0, line.indexOf(':')).toLowerCase(),
            line.slice(line.indexOf(':') + 1).trim(),
          ]),
        )
        const length = Number(headers['content-length'] ?? 0)
        if (received.length < end + 4 + length) return undefined
        const body = received.slice(end + 4, end + 4 + length)
        received = received.slice(end + 4 + length)
        return { status: Number(statusLine.split(' ')[1]), headers, body }
      }, 'a whole response'),
    closedByServer: () => until(() => (closed ? true : undefined), 'being closed'),
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

describe('stopping the portal', () => {
  it('answers the request in flight, closes keep-alive connections after it and accepts no new one', async () => {
    const portal = await startTestPortal()
    const busy = rawConnection(portal.port)
    const idle = rawConnection(portal.port)
    for (const connection of [busy, idle]) {
      connection.write('GET /healthz HTTP/1.1\r\nHost: portal.test\r\n\r\n')
      expect((await connection.response()).headers.connection).toBe('keep-alive')
    }

    // A client still sending its request when the stop comes: the server has its head, not its body.
    busy.write(
      'GET / HTTP/1.1\r\nHost: portal.test\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 3\r\nExpect: 100-continue\r\n\r\n',
    )
    await busy.continued()

    let stopped = false
    const stopping = portal.close().then(() => (stopped = true))
    await idle.closedByServer()
    expect(await connectOutcome(portal.port)).toBe('ECONNREFUSED')
    expect(stopped).toBe(false)

    busy.write('a=1')
    const answer = await busy.response()
    expect(answer.status).toBe(200)
    expect(answer.body).toContain('Exercise your data rights')
    expect(answer.headers.connection).toBe('close')
    await busy.closedByServer()
    await stopping
    expect(stopped).toBe(true)
  })
})
