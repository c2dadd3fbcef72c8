import { Writable } from 'node:stream'
import pino from 'pino'
import request from 'supertest'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { createServices } from '../../src/services.js'
import { csrfFrom, testSecret } from '../helpers/context.js'
import { freshDb, type TestDb } from '../helpers/db.js'

let testDb: TestDb
let lines: string[]
let app: ReturnType<typeof createApp>

beforeEach(async () => {
  testDb = await freshDb()
  lines = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'))
      done()
    },
  })
  const config = loadConfig({
    NODE_ENV: 'test',
    SECRET: testSecret,
    PUBLIC_URL: 'http://portal.test',
    DATA_DIR: '/tmp/rights-portal-test',
  })
  app = createApp(createServices({ db: testDb.db, config, log: pino({ level: 'info' }, stream) }))
  // As in production, where Express prints any error that reaches it last to stderr.
  app.set('env', 'production')
})
afterEach(async () => {
  vi.restoreAllMocks()
  await testDb.destroy()
})

/** The session id inside the signed cookie `s:<id>.<signature>`. */
function sessionIdFrom(setCookie: string[] | string | undefined): string {
  const cookie = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith('portal.sid='))
  const value = decodeURIComponent(cookie?.split(';')[0]?.slice('portal.sid='.length) ?? '')
  const id = /^s:([^.]+)\./.exec(value)?.[1]
  if (!id) throw new Error('No session cookie')
  return id
}

/** A visitor sends a request: the first thing that gives them a session. */
async function sendRequest(agent: ReturnType<typeof request.agent>) {
  const page = await agent.get('/request/access').expect(200)
  const token = csrfFrom(page.text)
  const sent = await agent
    .post('/request/access')
    .type('form')
    .send({ _csrf: token, email: 'sam@example.org' })
    .expect(303)
  return { token, setCookie: sent.headers['set-cookie'] }
}

const logged = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
const settle = () => new Promise((resolve) => setTimeout(resolve, 20))

describe('session store errors', () => {
  it('are one structured log line without the session id, token or data, and nothing on stderr', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    await testDb.db.schema.dropTable('sessions')
    const { token, setCookie } = await sendRequest(request.agent(app))
    const sid = sessionIdFrom(setCookie)
    await settle()

    expect(stderr).not.toHaveBeenCalled()
    expect(logged().find((line) => line.msg === 'session store error')).toMatchObject({
      level: 50,
      operation: 'set',
      code: expect.any(String) as string,
    })
    const everything = lines.join('')
    expect(everything).not.toContain(sid)
    expect(everything).not.toContain(token)
    expect(everything).not.toContain('submittedRequestId')
  })

  it('answer a session that cannot be read with the error page, logged without its id', async () => {
    const stderr = vi.spyOn(console, 'error').mockImplementation(() => undefined)
    const agent = request.agent(app)
    const { setCookie } = await sendRequest(agent)
    const sid = sessionIdFrom(setCookie)
    await testDb.db.schema.dropTable('sessions')
    await agent.get('/request/check-your-email').expect(500)
    await settle()

    expect(stderr).not.toHaveBeenCalled()
    expect(
      logged()
        .filter((line) => line.level === 50)
        .map((line) => line.msg),
    ).toEqual(expect.arrayContaining(['session store error', 'unhandled error']))
    expect(lines.join('')).not.toContain(sid)
  })
})
