/**
 * The intake benchmark's baseline: the least an Express server on the same stack can do for a
 * form. `GET /form` sends a fixed page; `POST /form` parses the body and stores it with one INSERT
 * through knex and sqlite3 (the portal's own connection settings), then answers 303.
 *
 *   PORT=3901 DATA_DIR=/tmp/x node --import tsx bench/lib/bare-intake.ts
 *
 * With DATABASE_URL set to a PostgreSQL database it stores there, through knex and pg, instead.
 */
import path from 'node:path'
import express from 'express'
import { createDb } from '../../src/db/knex.js'

const port = Number(process.env.PORT)
const dir = process.env.DATA_DIR
if (!port || !dir) throw new Error('PORT and DATA_DIR are required')

const url = process.env.DATABASE_URL
const db = url
  ? createDb({ client: 'postgres', connectionString: url })
  : createDb({ client: 'sqlite', filename: path.join(dir, 'bare.sqlite') })
await db.schema.dropTableIfExists('submissions')
await db.schema.createTable('submissions', (table) => {
  table.increments('id')
  table.string('email').notNullable()
  table.text('body').notNullable()
  table.string('created_at').notNullable()
})

const page = `<!doctype html><html lang="en"><head><title>Form</title></head><body><form method="post">
<input name="email"><button>Send</button></form></body></html>`

const app = express()
app.use(express.urlencoded({ extended: false, limit: '64kb' }))
app.get('/form', (_req, res) => {
  res.type('html').send(page)
})
app.post('/form', async (req, res) => {
  const body = req.body as Record<string, string>
  await db('submissions').insert({
    email: body.email ?? '',
    body: JSON.stringify(body),
    created_at: new Date().toISOString(),
  })
  res.redirect(303, '/form/sent')
})
const server = app.listen(port, '127.0.0.1', () => console.log('ready'))
process.on('SIGTERM', () => {
  server.close()
  void db.destroy()
})
