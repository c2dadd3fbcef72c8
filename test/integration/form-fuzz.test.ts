import { Readable } from 'node:stream'
import { fileConfirmedComplaint } from '../helpers/complaints.js'
import { generateSync } from 'otplib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isPostgres, type Db } from '../../src/db/knex.js'
import type { RequestType } from '../../src/domain/request-types.js'
import type { StaffUser } from '../../src/domain/staff-user.js'
import { formFields } from '../../src/intake/validation.js'
import { importEmailRecords } from '../../src/records/import.js'
import { createTestContext, csrfFrom, linkIn, testSecret, type TestContext } from '../helpers/context.js'
import { fileConfirmedRequest } from '../helpers/requests.js'
import { createStaff, signedInAgent, staffPassword } from '../helpers/staff.js'

/**
 * Every form the portal accepts, sent hostile values: each case asserts that the answer is a
 * clear page (a 4xx with the GOV.UK layout, or a redirect only where the value is a legitimate
 * one), never a 5xx, a stack trace or SQL, and that a rejected form stored nothing.
 */

type Agent = ReturnType<TestContext['agent']>

let ctx: TestContext
const db = (): Db => ctx.services.db

// ---------------------------------------------------------------------------------------------
// The hostile values, written as the raw (already encoded) pairs of a urlencoded body.

const enc = encodeURIComponent

interface Hostile {
  name: string
  /** The body pairs that put this value into one field. */
  pairs: (field: string) => string[]
}

const value = <Name extends string>(name: Name, raw: string) => ({
  name,
  pairs: (f: string) => [`${enc(f)}=${raw}`],
})

const sqlPayload = "x'); DROP TABLE events; -- ' OR '1'='1"
const htmlPayload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
const csvPayload = '=HYPERLINK("http://attacker.example","click")'

const hostileValues = [
  value('a 100,000-character value', 'x'.repeat(100_000)),
  value('a 6,000-character value', 'y'.repeat(6000)),
  value('a NUL byte', 'before%00after'),
  value('control characters', 'bell%07escape%1Bdelete%7F'),
  // Bytes sent as they are: the parser reads each as U+FFFD.
  value('invalid UTF-8 and a lone surrogate', 'caf\xc3\x28\xff\xfe\xed\xa0\x80'),
  value('whitespace only', '%20%20%09%20'),
  { name: 'a repeated field', pairs: (f) => [`${enc(f)}=one`, `${enc(f)}=two`] },
  { name: 'nested keys', pairs: (f) => [`${enc(f)}%5B%5D=one`, `${enc(f)}%5Bkey%5D=two`] },
  value('a number out of range', '99999999999999999999999'),
  value('a negative number', '-1'),
  value('an impossible date', '2026-02-30'),
  value('a five-digit year', '99999-01-01'),
  value('SQL', enc(sqlPayload)),
  value('HTML and script', enc(htmlPayload)),
  value('a CSV formula', enc(csvPayload)),
] as const satisfies readonly Hostile[]

type HostileName = (typeof hostileValues)[number]['name'] | 'no fields at all'

/** Keys that name Object.prototype's members, sent beside otherwise valid fields. */
const prototypeKeys = ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__[x]']

/** Free text that takes any printable value: SQL, HTML and formulas are words like any other. */
const printable: HostileName[] = ['SQL', 'HTML and script', 'a CSV formula']
const numbersAsText: HostileName[] = [
  'a number out of range',
  'a negative number',
  'an impossible date',
  'a five-digit year',
]
/** What a form whose fields are all free text must accept. */
const anyText: HostileName[] = [...printable, ...numbersAsText]
/**
 * Staff letters, notes and tasks, and the person's reply on the status page, keep control
 * characters and U+FFFD as sent (only the request forms refuse them), at any length a post allows.
 */
const keptAsSent: HostileName[] = [
  ...anyText,
  'a 6,000-character value',
  'control characters',
  'invalid UTF-8 and a lone surrogate',
]
/** A password is taken as typed, whatever it holds, once it is strong enough. */
const anyPassword: HostileName[] = [...printable, 'control characters']

// ---------------------------------------------------------------------------------------------
// What a response may look like.

/** Internals that must never reach a page: stacks, source paths, database errors and statements. */
const leaks = [
  /\bat [\w$.<>]+ \([^)]*:\d+:\d+\)/,
  /node_modules/,
  /\.[cm]?[jt]s:\d+/,
  /SQLITE_[A-Z]+/,
  /\bknex\b/i,
  /\b(select|delete)\s+[\w"`*.,\s]{1,80}\s+from\s+["`]?[a-z_]+["`]?\s+(where|order|limit)\b/i,
  /\binsert into\s+["`]?[a-z_]+/i,
  /\bupdate\s+["`]?[a-z_]+["`]?\s+set\b/i,
  /no such (table|column)|violates .* constraint|invalid input syntax|invalid byte sequence|out of range for type/i,
  /\b(TypeError|ReferenceError|RangeError|SyntaxError)\b/,
]

function expectCleanPage(res: { status: number; text: string; headers: Record<string, string> }) {
  expect(res.status, 'no server error').toBeLessThan(500)
  const body = res.text ?? ''
  for (const leak of leaks) expect(body, `leaks ${String(leak)}`).not.toMatch(leak)
  // A payload shown again is escaped, never markup.
  expect(body).not.toContain('<script>alert(1)')
  expect(body).not.toMatch(/<img src=x onerror/i)
  if (res.status === 303) {
    expect(res.headers.location, 'a redirect stays on the portal').toMatch(/^\/(?!\/)/)
  } else if (res.status >= 400) {
    expect(body, 'an error page in the portal’s layout').toContain('govuk-')
  }
}

// ---------------------------------------------------------------------------------------------
// What the database holds: row counts, and the versions and update times of changeable rows.

/** Tables a rejected form may still change: throttling counters and session bookkeeping. */
const bookkeeping = new Set(['sessions', 'rate_limit_counters', 'knex_migrations', 'knex_migrations_lock'])
let tableShapes: { table: string; version: boolean; updatedAt: boolean }[] = []

async function loadTableShapes() {
  const names: string[] = isPostgres(db())
    ? (
        await db().raw<{ rows: { table_name: string }[] }>(
          'select table_name from information_schema.tables where table_schema = current_schema()',
        )
      ).rows.map((r) => r.table_name)
    : (
        await db().raw<{ name: string }[]>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'",
        )
      ).map((r) => r.name)
  tableShapes = []
  for (const table of names.filter((n) => !bookkeeping.has(n)).sort()) {
    const columns = await db()(table).columnInfo()
    tableShapes.push({ table, version: 'version' in columns, updatedAt: 'updated_at' in columns })
  }
}

interface Writes {
  /** Tables the rejected form may write, such as the failed sign-ins. */
  tables?: string[]
  /** Event kinds the rejected form records, such as a failed sign-in. */
  eventKinds?: string[]
}

async function fingerprint(writes: Writes = {}): Promise<Record<string, unknown>> {
  const columns: string[] = []
  const bindings: string[] = []
  for (const { table, version, updatedAt } of tableShapes) {
    if (writes.tables?.includes(table)) continue
    const kinds = table === 'events' && writes.eventKinds ? writes.eventKinds : []
    const where = kinds.length ? ` where kind not in (${kinds.map(() => '?').join(', ')})` : ''
    const of = (expression: string, alias: string) => {
      columns.push(`(select ${expression} from ?? t${where}) as ??`)
      bindings.push(table, ...kinds, `${table}__${alias}`)
    }
    of('count(*)', 'rows')
    if (version) of('coalesce(sum(version), 0)', 'versions')
    if (updatedAt) of('max(updated_at)', 'updated')
  }
  const result = await db().raw(`select ${columns.join(', ')}`, bindings)
  const row = (
    isPostgres(db()) ? (result as { rows: unknown[] }).rows[0] : (result as unknown[])[0]
  ) as Record<string, unknown>
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      v === null || v === undefined ? '' : String(v as string | number),
    ]),
  )
}

// ---------------------------------------------------------------------------------------------
// The forms.

interface Target {
  path: string
  agent: Agent
  csrf: string
  /** Fields the page carries hidden, such as the version it was opened at. */
  hidden?: Record<string, string>
  /** The case the form acts on, if any. */
  requestId?: string
}

interface FormRoute {
  name: string
  /** Each field the form sends, with a value it accepts. */
  fields: Record<string, string>
  /** Where to send one case: called for every case, so one that changes state leaves the next alone. */
  target: () => Promise<Target>
  /** Hostile values the form may legitimately accept: a redirect, not a rejection. */
  accepts?: readonly HostileName[]
  /** What the form answers when valid: a redirect, or the download itself. */
  validStatus?: number
  /** What a rejected form answers: the queue's bulk actions go back to the queue with a message. */
  rejectStatus?: number
  writes?: Writes
  /** The form carries the version it was opened at, and refuses a stale one with a 409. */
  versioned?: boolean
  /** No value can make the form valid: a link already used, say. */
  noValidCase?: boolean
  /** The form can be sent again to the same target once accepted: only its version moves on. */
  reuse?: (target: Target) => Promise<Target>
}

interface FormCase {
  name: string
  body: (target: Target) => string
  expect: 'valid' | 'reject' | 'stale' | 'forbidden'
}

function pairsOf(fields: Record<string, string>): string[] {
  return Object.entries(fields).map(([k, v]) => `${enc(k)}=${enc(v)}`)
}

function casesFor(route: FormRoute): FormCase[] {
  const names = Object.keys(route.fields)
  const base = (t: Target) => [`_csrf=${enc(t.csrf)}`, ...pairsOf(t.hidden ?? {})]
  const accepted = (name: HostileName) => route.accepts?.includes(name) ?? false
  // Where every field is free text, numbers and dates are words like the first of them.
  const allText = numbersAsText.every(accepted)
  const hostile = hostileValues.filter((h) => !allText || !numbersAsText.slice(1).includes(h.name))
  const cases: FormCase[] = [
    {
      name: 'valid fields with a wrong CSRF token',
      body: (t) =>
        [`_csrf=${enc(`${t.csrf}x`)}`, ...pairsOf(t.hidden ?? {}), ...pairsOf(route.fields)].join('&'),
      expect: 'forbidden',
    },
    {
      name: 'valid fields with the CSRF token sent twice',
      body: (t) => [...base(t), `_csrf=${enc(t.csrf)}`, ...pairsOf(route.fields)].join('&'),
      expect: 'forbidden',
    },
  ]
  if (route.versioned) {
    const withVersion = (t: Target, version: string) =>
      [
        `_csrf=${enc(t.csrf)}`,
        ...pairsOf({ ...t.hidden, version }).filter((p) => version !== '' || !p.startsWith('version=')),
        ...pairsOf(route.fields),
      ].join('&')
    const current = (t: Target) => Number(t.hidden?.version ?? '1')
    cases.push({
      name: 'a stale version',
      body: (t) => withVersion(t, String(current(t) > 1 ? current(t) - 1 : current(t) + 1)),
      expect: 'stale',
    })
    for (const [name, raw, expected] of [
      ['a version out of range', '99999999999999999999999', 'stale'],
      ['a version that is not a number', 'abc', 'reject'],
      ['no version', '', 'reject'],
    ] as const) {
      cases.push({ name, body: (t) => withVersion(t, raw), expect: expected })
    }
  }
  if (names.length > 0) {
    const valueCases: FormCase[] = hostile.map((h) => ({
      name: `every field as ${h.name}`,
      body: (t) => [...base(t), ...names.flatMap((f) => h.pairs(f))].join('&'),
      expect: accepted(h.name) ? 'valid' : 'reject',
    }))
    valueCases.push({
      name: 'no fields at all',
      body: (t) => base(t).join('&'),
      expect: accepted('no fields at all') ? 'valid' : 'reject',
    })
    // The rejected first: they leave the target as it was for the next.
    cases.push(
      ...valueCases.filter((c) => c.expect === 'reject'),
      ...valueCases.filter((c) => c.expect === 'valid'),
    )
  }
  cases.push({
    name: 'valid fields beside prototype keys',
    body: (t) =>
      [...base(t), ...pairsOf(route.fields), ...prototypeKeys.map((k) => `${enc(k)}=polluted`)].join('&'),
    expect: 'valid',
  })
  if (!route.noValidCase) {
    // Last: a valid form may use up what the target offers (a link, an invitation, an open case).
    cases.push({
      name: 'valid fields',
      body: (t) => [...base(t), ...pairsOf(route.fields)].join('&'),
      expect: 'valid',
    })
  }
  return cases
}

/** The target of each route's last case, kept while the cases store nothing. */
const targets = new Map<FormRoute, Target>()

async function runCase(route: FormRoute, formCase: FormCase) {
  // Each case tests the form, not the throttles a run of cases would trip.
  await db()('rate_limit_counters').del()
  await db()('staff_sign_in_failures').del()
  const target = targets.get(route) ?? (await route.target())
  targets.delete(route)
  const before = await fingerprint(route.writes)
  const res = await target.agent
    .post(target.path)
    .set('Content-Type', 'application/x-www-form-urlencoded')
    // Sent as bytes, unserialised: the body is already encoded, with raw bytes where a case needs them.
    .serialize((bytes: unknown) => bytes as string)
    .send(Buffer.from(formCase.body(target), 'latin1'))
  if (process.env.FUZZ_REPORT) console.log(`FUZZ | ${route.name} | ${formCase.name} | ${res.status}`)
  expectCleanPage(res)
  const problem = `${formCase.expect}: ${res.status} ${/govuk-error-summary__list[\s\S]{0,300}/.exec(res.text)?.[0] ?? res.headers.location ?? ''}`
  const valid = formCase.expect === 'valid'
  if (valid) expect(res.status, problem).toBe(route.validStatus ?? 303)
  else if (formCase.expect === 'forbidden') {
    expect(res.status, problem).toBe(403)
    expect(res.text).toContain('Your form could not be sent')
  } else if (formCase.expect === 'stale') expect(res.status, problem).toBe(409)
  else if (route.rejectStatus && res.status < 400) expect(res.status, problem).toBe(route.rejectStatus)
  else {
    expect(res.status, problem).toBeGreaterThanOrEqual(400)
    expect(res.status, problem).toBeLessThan(500)
  }
  const after = await fingerprint(route.writes)
  const changed = Object.keys(after).filter((key) => after[key] !== before[key])
  // Only a case that changed nothing leaves its target for the next: a form accepted has used it.
  if (changed.length === 0 && res.status >= 400) targets.set(route, target)
  else if (route.reuse) targets.set(route, await route.reuse(target))
  if (!valid) expect(changed, 'nothing stored').toEqual([])
  else if (res.status === 303) {
    // What was stored shows safely on the page the form leads to.
    expectCleanPage(await target.agent.get(res.headers.location as string))
  }
}

// ---------------------------------------------------------------------------------------------
// Fixtures: a study with email records, staff of each role, and requests made as needed.

const startedAt = '2026-03-02T10:00:00Z'
let admin: { agent: Agent; user: StaffUser; csrf: string }
let dpo: { agent: Agent; user: StaffUser; csrf: string }
let studySlug: string
let dataMap: { key: string; lawfulBasis: string }[]
let consentKey: string
let objectionValue: string
let addressCount = 0
const nextAddress = () => `holder${++addressCount}@example.org`
const recordAddresses = 800

async function csrfOf(agent: Agent, path: string): Promise<string> {
  const page = await agent.get(path)
  expect(page.status, `${path} opens`).toBe(200)
  return csrfFrom(page.text)
}

async function staffAgent(role: 'admin' | 'dpo' | 'auditor', email: string) {
  const { agent, user } = await signedInAgent(ctx, role, email)
  return { agent, user, csrf: await csrfOf(agent, '/staff/account') }
}

async function versionOf(requestId: string): Promise<string> {
  const row = await db()('rights_requests').where({ id: requestId }).first<{ version: number }>('version')
  return String(row.version)
}

/** A confirmed request of the type, from an address the study holds a record for. */
async function openCase(type: RequestType, details?: Record<string, unknown>) {
  const { requestId, statusToken } = await fileConfirmedRequest(ctx, {
    type,
    email: nextAddress(),
    details: {
      type,
      ...detailsOf[type],
      ...(type === 'withdraw_consent' ? { consent: consentKey } : {}),
      ...details,
    } as never,
  })
  return { requestId, statusToken }
}

/** One of a complaint's staff forms, on a complaint confirmed (and acknowledged) for each case. */
function complaintAction(
  action: string,
  fields: Record<string, string>,
  options: Partial<FormRoute> & { versioned?: boolean } = {},
): FormRoute {
  return {
    name: `complaint action ${action}`,
    fields,
    versioned: options.versioned ?? true,
    async target() {
      const { complaintId } = await fileConfirmedComplaint(ctx, { email: nextAddress() })
      const complaint = await ctx.services.complaintRows.findById(complaintId)
      return {
        path: `/staff/complaints/${complaintId}/${action}`,
        agent: dpo.agent,
        csrf: dpo.csrf,
        ...(options.versioned === false ? {} : { hidden: { version: String(complaint?.version ?? '') } }),
      }
    },
    ...options,
  }
}

function caseAction(
  type: RequestType,
  action: string,
  fields: Record<string, string>,
  options: Partial<FormRoute> & {
    details?: Record<string, unknown>
    /** Brings the case to where the action applies; may name the path's last segments. */
    prepare?: (this: FormRoute, requestId: string) => Promise<string | void> | void
    /** The action can be taken again on the same case (a note, a message): no new case each time. */
    repeatable?: boolean
  } = {},
): FormRoute {
  const { details, prepare, repeatable, ...rest } = options
  const route: FormRoute = {
    name: `case action ${action} (${type})`,
    fields,
    versioned: true,
    async target() {
      const { requestId } = await openCase(type, details)
      const suffix = (await prepare?.call(route, requestId)) ?? action
      return {
        path: `/staff/requests/${requestId}/${suffix}`,
        agent: dpo.agent,
        csrf: dpo.csrf,
        hidden: { version: await versionOf(requestId) },
        requestId,
      }
    },
    ...(repeatable
      ? {
          reuse: async (target: Target) => ({
            ...target,
            hidden: { version: await versionOf(target.requestId as string) },
          }),
        }
      : {}),
    ...rest,
  }
  return route
}

/** What the person's form would have said, so each case is one the portal could hold. */
const detailsOf: Partial<Record<RequestType, Record<string, unknown>>> = {
  restriction: { ground: 'accuracy' },
  rectification: { inaccurate: 'My name', correction: 'Jo Bloggs' },
  objection: { processing: 'direct_marketing' },
}

const handling = () => ctx.services.caseHandling

/** Valid values for the fields of the public request forms. */
function requestFormValues(type: RequestType): Record<string, string> {
  const samples: Record<string, string> = {
    description: 'Please send me a copy',
    email: 'jo.bloggs@example.org',
    name: 'Jo Bloggs',
    inaccurate: 'My name is spelt wrongly',
    correction: 'Jo Bloggs',
    statement: 'My name has always been Jo',
    reason: 'I no longer want to take part',
    ground: 'accuracy',
    processing: objectionValue,
    consent: consentKey,
    categories: dataMap[0]?.key ?? '',
    askRecipients: 'yes',
  }
  return Object.fromEntries(formFields[type].map((f) => [f, samples[f] ?? 'A value']))
}

const requestTypesAll: RequestType[] = [
  'access',
  'rectification',
  'erasure',
  'restriction',
  'objection',
  'portability',
  'withdraw_consent',
]

function publicRoutes(): FormRoute[] {
  const visitor = async (path: string, form: string) => {
    const agent = ctx.agent()
    return { path, agent, csrf: await csrfOf(agent, form) }
  }
  const routes: FormRoute[] = [
    {
      name: 'choose a right',
      fields: { type: 'access' },
      target: () => visitor('/request', '/request'),
    },
  ]
  for (const type of requestTypesAll) {
    const segment = type.replace(/_/g, '-')
    routes.push({
      name: `public ${type} request form`,
      fields: Object.fromEntries(formFields[type].map((f) => [f, ''])),
      async target() {
        this.fields = requestFormValues(type)
        return visitor(`/request/${segment}`, `/request/${segment}`)
      },
    })
  }
  for (const type of ['rectification', 'objection'] as const) {
    routes.push({
      name: `public ${type} request, checking the answers`,
      fields: Object.fromEntries(formFields[type].map((f) => [f, ''])),
      validStatus: 200,
      async target() {
        this.fields = requestFormValues(type)
        return visitor(`/request/${type}/check`, `/request/${type}`)
      },
    })
  }
  routes.push(
    {
      name: 'public complaint form',
      fields: {
        subject: 'data_use',
        whatHappened: 'You kept my data after I asked you to delete it',
        desiredOutcome: 'Delete it and tell me when',
        email: 'jo.bloggs@example.org',
        name: 'Jo Bloggs',
      },
      target: () => visitor('/complaint/form', '/complaint/form'),
    },
    {
      name: 'resend the confirmation email',
      fields: {},
      target: () => visitor('/request/check-your-email/resend', '/request/access'),
    },
    {
      name: 'confirm a request',
      fields: {},
      async target() {
        const { requestId } = await ctx.services.intake.submit({
          study: (await ctx.services.studies.listAccepting())[0]!,
          type: 'access',
          details: { type: 'access' },
          email: nextAddress(),
          name: null,
        })
        const mail = (await ctx.outbox()).filter((m) => m.request_id === requestId).at(-1)
        const link = linkIn(mail?.text_body ?? null, 'confirm')
        return visitor(link, link)
      },
    },
    {
      name: 'reply on the status page',
      fields: { reply: 'I meant the voucher emails' },
      accepts: keptAsSent.filter((name) => name !== 'a 6,000-character value'),
      async target() {
        const { requestId, statusToken } = await openCase('access')
        await handling().ask(
          dpo.user,
          requestId,
          Number(await versionOf(requestId)),
          'clarification',
          'Which?',
        )
        return visitor(`/status/${statusToken}/reply`, `/status/${statusToken}`)
      },
    },
    {
      name: 'withdraw on the status page',
      fields: {},
      async target() {
        const { statusToken } = await openCase('access')
        return visitor(`/status/${statusToken}/withdraw`, `/status/${statusToken}/withdraw`)
      },
    },
  )
  return routes
}

let totpUser: { user: StaffUser; secret: string } | undefined
const codeFor = (secret: string) => generateSync({ secret, epoch: Math.floor(ctx.now().getTime() / 1000) })

/** A staff account with two-factor sign-in on, and an agent signed in to it. */
async function twoFactorAgent(email: string) {
  const staff = await staffAgent('dpo', email)
  const page = await staff.agent.get('/staff/account')
  const secret = /class="app-secret">([A-Z2-7]+)</.exec(page.text)?.[1] as string
  await staff.agent
    .post('/staff/account/two-factor')
    .type('form')
    .send({ _csrf: staff.csrf, code: codeFor(secret) })
    .expect(303)
  return { ...staff, secret }
}

let accountCount = 0
const nextStaffEmail = (what: string) => `${what}${++accountCount}@portal.test`

function accountRoutes(): FormRoute[] {
  // A wrong password or code is recorded, for the lockout and the audit trail.
  const loginWrites: Writes = {
    tables: ['staff_sign_in_failures'],
    eventKinds: ['staff.login_failed', 'staff.locked_out', 'staff.two_factor_failed'],
  }
  return [
    {
      name: 'staff sign-in',
      fields: { email: 'dpo@portal.test', password: staffPassword },
      writes: loginWrites,
      async target() {
        const agent = ctx.agent()
        return { path: '/staff/login', agent, csrf: await csrfOf(agent, '/staff/login') }
      },
    },
    {
      name: 'staff sign-in code',
      fields: { code: '000000' },
      writes: loginWrites,
      async target() {
        totpUser ??= await (async () => {
          const made = await twoFactorAgent('totp@portal.test')
          return { user: made.user, secret: made.secret }
        })()
        const agent = ctx.agent()
        const csrf = await csrfOf(agent, '/staff/login')
        await agent
          .post('/staff/login')
          .type('form')
          .send({ _csrf: csrf, email: 'totp@portal.test', password: staffPassword })
          .expect(303)
        this.fields.code = codeFor(totpUser.secret)
        // Each valid code is used once: the clock moves on to the next one.
        ctx.setNow(new Date(ctx.now().getTime() + 30_000))
        this.fields.code = codeFor(totpUser.secret)
        return { path: '/staff/login/code', agent, csrf: await csrfOf(agent, '/staff/login/code') }
      },
    },
    {
      name: 'turn on two-factor sign-in',
      fields: { code: '000000' },
      async target() {
        const staff = await staffAgent('dpo', nextStaffEmail('enable'))
        const page = await staff.agent.get('/staff/account')
        const secret = /class="app-secret">([A-Z2-7]+)</.exec(page.text)?.[1] as string
        this.fields.code = codeFor(secret)
        return { path: '/staff/account/two-factor', agent: staff.agent, csrf: csrfFrom(page.text) }
      },
    },
    {
      name: 'turn off two-factor sign-in',
      fields: { code: '000000' },
      writes: loginWrites,
      async target() {
        const staff = await twoFactorAgent(nextStaffEmail('disable'))
        ctx.setNow(new Date(ctx.now().getTime() + 30_000))
        this.fields.code = codeFor(staff.secret)
        return { path: '/staff/account/two-factor/disable', agent: staff.agent, csrf: staff.csrf }
      },
    },
    {
      name: 'settings',
      fields: { requireAdminTwoFactor: 'no' },
      // A checkbox: anything but "yes" leaves it off.
      accepts: [
        ...hostileValues
          .map((h) => h.name)
          .filter((n) => n !== 'a 100,000-character value' && n !== 'a NUL byte'),
        'no fields at all',
      ],
      target: () => Promise.resolve({ path: '/staff/settings', agent: admin.agent, csrf: admin.csrf }),
    },
    {
      name: 'sign out',
      fields: {},
      async target() {
        const staff = await staffAgent('auditor', nextStaffEmail('leaving'))
        return { path: '/staff/logout', agent: staff.agent, csrf: staff.csrf }
      },
    },
    {
      name: 'accept an invitation',
      fields: { password: 'a long passphrase nobody would guess 42' },
      accepts: anyPassword,
      async target() {
        await ctx.services.accounts.invite(admin.user, {
          email: nextStaffEmail('invited'),
          displayName: 'Invited Colleague',
          role: 'dpo',
        })
        const mail = (await ctx.outbox()).filter((m) => m.kind === 'staff-invite').at(-1)
        const path = /http:\/\/portal\.test(\/staff\/invite\/[A-Za-z0-9_-]+)/.exec(mail?.text_body ?? '')?.[1]
        if (!path) throw new Error('No invitation link')
        const agent = ctx.agent()
        return { path, agent, csrf: await csrfOf(agent, path) }
      },
    },
    {
      name: 'set a new password from an emailed link',
      fields: { password: 'a long passphrase nobody would guess 42' },
      accepts: anyPassword,
      async target() {
        const user = await createStaff(ctx, 'dpo', nextStaffEmail('forgetful'))
        await ctx.services.accounts.sendPasswordLink(admin.user, user.id)
        const mail = (await ctx.outbox()).filter((m) => m.kind === 'staff-password-link').at(-1)
        const path = /http:\/\/portal\.test(\/staff\/password\/[A-Za-z0-9_-]+)/.exec(
          mail?.text_body ?? '',
        )?.[1]
        if (!path) throw new Error('No link to set a new password')
        const agent = ctx.agent()
        return { path, agent, csrf: await csrfOf(agent, path) }
      },
    },
    {
      name: 'invite a colleague',
      fields: { displayName: 'New Colleague', email: 'colleague@portal.test', role: 'auditor' },
      target() {
        this.fields.email = nextStaffEmail('colleague')
        return Promise.resolve({ path: '/staff/users/new', agent: admin.agent, csrf: admin.csrf })
      },
    },
    ...(
      [
        ['change a role', 'role', { role: 'auditor' }],
        ['disable an account', 'disable', {}],
        ['enable an account', 'enable', {}],
        ['reset two-factor sign-in', 'reset-two-factor', {}],
        ['clear failed sign-ins', 'reset-lockout', {}],
        ['send a link to set a new password', 'password-link', {}],
      ] as const
    ).map(([name, action, fields]): FormRoute => ({
      name,
      fields,
      async target() {
        const user = await createStaff(ctx, 'dpo', nextStaffEmail('managed'))
        return { path: `/staff/users/${user.id}/${action}`, agent: admin.agent, csrf: admin.csrf }
      },
    })),
  ]
}

function caseRoutes(): FormRoute[] {
  const today = '2026-03-02'
  return [
    complaintAction(
      'update',
      { letter: 'We have asked the study team and will write again next week.' },
      { accepts: keptAsSent },
    ),
    complaintAction('close', {
      outcome: 'partly_upheld',
      changes: 'Searches now include the voucher mailbox.',
      letter: 'We looked into it.',
    }),
    complaintAction('note', { note: 'Rang the study team' }, { versioned: false, accepts: keptAsSent }),
    caseAction(
      'access',
      'assign',
      { assignee: '' },
      {
        // The case page reads a field that is not one string as empty, which here means unassigned.
        accepts: ['no fields at all', 'nested keys', 'a repeated field'],
        repeatable: true,
        prepare() {
          this.fields.assignee = dpo.user.id
        },
      },
    ),
    caseAction('access', 'ask', { kind: 'clarification', body: 'Which data do you mean?' }),
    caseAction(
      'access',
      'arrival',
      { arrivedOn: today, note: 'Passport copy by post' },
      {
        async prepare(requestId) {
          await handling().ask(dpo.user, requestId, Number(await versionOf(requestId)), 'identity', 'Proof?')
        },
      },
    ),
    caseAction(
      'access',
      'extend',
      { letter: 'We need more time because the request is complex.' },
      { accepts: keptAsSent },
    ),
    caseAction(
      'access',
      'message',
      { body: 'We are working on it.' },
      { accepts: keptAsSent, repeatable: true },
    ),
    caseAction('access', 'refuse', { ground: 'manifestly_excessive', letter: 'A repeat request.' }),
    caseAction(
      'objection',
      'complete',
      { letter: 'We have stopped.' },
      {
        details: { processing: 'direct_marketing' },
        async prepare(requestId) {
          await handling().decideObjection(
            dpo.user,
            requestId,
            Number(await versionOf(requestId)),
            'stopped',
            '',
          )
        },
        accepts: keptAsSent,
      },
    ),
    caseAction('access', 'decide', {
      part: 'survey_answers',
      ground: 'research_statistics',
      reasoning: 'Held only for the research.',
    }),
    caseAction('access', 'searches', {
      place: 'Survey platform',
      searchedOn: today,
      found: 'Nothing linked to the address',
      limit: 'The anonymised archive holds no addresses',
    }),
    caseAction(
      'access',
      'decide/withdraw',
      { part: 'survey_answers' },
      {
        async prepare(requestId) {
          await handling().decidePart(dpo.user, requestId, Number(await versionOf(requestId)), {
            part: 'survey_answers',
            ground: 'research_statistics',
            reasoning: 'Held only for the research.',
          })
        },
      },
    ),
    caseAction(
      'access',
      'close',
      { as: 'withdrawn', note: 'Withdrawn by phone', duplicateOf: '', confirm: 'yes' },
      { rejectStatus: 200 },
    ),
    caseAction(
      'access',
      'reopen',
      { reopenReason: 'Closed on the wrong case' },
      {
        accepts: keptAsSent,
        async prepare(requestId) {
          await handling().close(
            dpo.user,
            requestId,
            Number(await versionOf(requestId)),
            'withdrawn',
            'By phone',
            '',
          )
        },
      },
    ),
    // Anything but a confirmation shows the confirmation page again, and changes nothing.
    caseAction('erasure', 'erase-record', { confirm: 'yes' }, { rejectStatus: 200 }),
    caseAction('restriction', 'restrict-record', { restrictionGround: 'accuracy', reviewOn: '2026-06-02' }),
    caseAction(
      'restriction',
      'restriction-lift-notice',
      {
        'lift-letter': 'Your data is accurate, so we will lift the restriction.',
      },
      {
        accepts: keptAsSent,
        async prepare(requestId) {
          await handling().restrictRecord(
            dpo.user,
            requestId,
            Number(await versionOf(requestId)),
            'accuracy',
            '2026-06-02',
          )
        },
      },
    ),
    caseAction(
      'restriction',
      'lift-restriction',
      { 'lift-agreed': 'yes', 'lift-agreed-how': 'By phone on 2 March' },
      {
        async prepare(requestId) {
          await handling().restrictRecord(
            dpo.user,
            requestId,
            Number(await versionOf(requestId)),
            'accuracy',
            '2026-06-02',
          )
          await handling().noticeRestrictionLift(
            dpo.user,
            requestId,
            Number(await versionOf(requestId)),
            'Your data is accurate, so we will lift the restriction.',
          )
        },
      },
    ),
    caseAction(
      'rectification',
      'rectify-address',
      { correctedEmail: 'corrected@example.org' },
      {
        details: { inaccurate: 'My email address', correction: 'corrected@example.org' },
        prepare() {
          this.fields.correctedEmail = `corrected${++addressCount}@example.org`
        },
      },
    ),
    caseAction('withdraw_consent', 'withdraw-consent', {}, {}),
    caseAction(
      'objection',
      'decide-objection',
      { objectionDecision: 'stopped', objectionGrounds: '' },
      {
        details: { processing: 'direct_marketing' },
      },
    ),
    // The values are optional, and one that is not a single string is left out as if not given.
    caseAction(
      'portability',
      'prepare-answer',
      { 'value-ethnicity': 'Prefer not to say' },
      {
        accepts: (
          [
            ...keptAsSent,
            'whitespace only',
            'a repeated field',
            'nested keys',
            'no fields at all',
          ] as HostileName[]
        ).filter((name) => name !== 'a 6,000-character value'),
        repeatable: true,
      },
    ),
    // Notes and tasks belong to the case whatever its state: they carry no version.
    caseAction(
      'access',
      'notes',
      { note: 'Called the platform' },
      {
        accepts: keptAsSent,
        versioned: false,
        repeatable: true,
      },
    ),
    caseAction(
      'access',
      'tasks',
      { title: 'Ask the platform' },
      {
        accepts: keptAsSent.filter((name) => name !== 'a 6,000-character value'),
        versioned: false,
        repeatable: true,
      },
    ),
    caseAction(
      'access',
      'tasks/:task/done',
      { taskNote: 'Done by the platform admin' },
      {
        accepts: keptAsSent.filter((name) => name !== 'a 6,000-character value'),
        versioned: false,
        async prepare(requestId) {
          await handling().addTask(dpo.user, requestId, 'Ask the platform')
          const task = await db()('request_tasks')
            .where({ request_id: requestId })
            .first<{ id: string }>('id')
          return `tasks/${task.id}/done`
        },
      },
    ),
  ]
}

/** Staff logging a request that came by post or email, confirming identity, and the queue's bulk actions. */
function loggingRoutes(): FormRoute[] {
  const logged = (type: RequestType): Record<string, string> => ({
    ...requestFormValues(type),
    channel: 'email',
    receivedOn: '2026-03-01',
    identity: 'established',
    identityNote: 'Known to us from the study',
  })
  const routes: FormRoute[] = [
    {
      name: 'choose what to log',
      fields: { type: 'access', study: '' },
      target() {
        this.fields.study = studySlug
        return Promise.resolve({ path: '/staff/requests/new', agent: dpo.agent, csrf: dpo.csrf })
      },
    },
  ]
  for (const type of requestTypesAll) {
    routes.push({
      name: `log a ${type} request`,
      fields: Object.fromEntries(
        [...formFields[type], 'channel', 'receivedOn', 'identity', 'identityNote'].map((f) => [f, '']),
      ),
      target() {
        this.fields = logged(type)
        return Promise.resolve({
          path: `/staff/requests/new/${type.replace(/_/g, '-')}?study=${studySlug}`,
          agent: dpo.agent,
          csrf: dpo.csrf,
        })
      },
    })
  }
  routes.push(
    {
      name: 'record how identity was established',
      fields: { identityNote: 'Passport seen in person' },
      accepts: keptAsSent,
      async target() {
        const res = await dpo.agent
          .post(`/staff/requests/new/access?study=${studySlug}`)
          .type('form')
          .send({
            _csrf: dpo.csrf,
            ...logged('access'),
            identity: 'send_link',
            identityNote: '',
            email: nextAddress(),
          })
          .expect(303)
        return { path: `${res.headers.location as string}/verify`, agent: dpo.agent, csrf: dpo.csrf }
      },
    },
    {
      name: 'bulk actions on the queue',
      fields: {
        ids: '',
        action: 'assign',
        bulkAssignee: '',
        bulkDuplicateOf: '',
        returnTo: '/staff/requests?tab=open',
      },
      // The queue takes every choice back to itself, with a message saying what was done or not.
      rejectStatus: 303,
      async target() {
        const { requestId } = await openCase('access')
        Object.assign(this.fields, { ids: requestId, bulkAssignee: dpo.user.id })
        return { path: '/staff/requests/bulk', agent: dpo.agent, csrf: dpo.csrf }
      },
    },
  )
  return routes
}

async function studyForm(path: string) {
  const page = await admin.agent.get(path)
  expect(page.status, `${path} opens`).toBe(200)
  const version = /name="version" value="([^"]*)"/.exec(page.text)?.[1] ?? ''
  return { path, agent: admin.agent, csrf: csrfFrom(page.text), hidden: { version } }
}

function categoryValues(category: {
  label: string
  purpose: string
  lawfulBasis: string
  specialCategory: boolean
  specialCategoryCondition?: string | null
  heldIn: string
  retentionRule: string
  linkedAfterExtraction: boolean
}): Record<string, string> {
  return {
    label: category.label,
    purpose: category.purpose,
    lawfulBasis: category.lawfulBasis,
    specialCategory: category.specialCategory ? 'yes' : 'no',
    specialCategoryCondition: category.specialCategoryCondition ?? '',
    heldIn: category.heldIn,
    retentionRule: category.retentionRule,
    linkedAfterExtraction: category.linkedAfterExtraction ? 'yes' : 'no',
  }
}

let categoryCount = 0

/** Studies and their data maps, letter templates, records, exports and the audit trail. */
function adminRoutes(): FormRoute[] {
  const newCategory = () => ({
    label: `Fuzzed data ${++categoryCount}`,
    purpose: 'To test the form',
    lawfulBasis: 'public_task',
    specialCategory: 'no',
    specialCategoryCondition: '',
    heldIn: 'The survey platform',
    retentionRule: 'Two years',
    linkedAfterExtraction: 'no',
  })
  return [
    {
      name: 'change the study details',
      fields: {
        title: '',
        controllerName: '',
        controllerAddress: '',
        dpoEmail: '',
        privacyNoticeText: '',
        privacyNoticeDate: '',
        surveyClosesOn: '',
        surveyExtensionMonths: '',
        platformRetentionMonths: '',
        voucherRetentionMonths: '',
        acceptingRequests: '',
        recipients: '',
        internationalTransfers: '',
      },
      versioned: true,
      async target() {
        const study = (await ctx.services.studies.findBySlug(studySlug))!
        Object.assign(this.fields, {
          title: study.title,
          controllerName: study.controllerName,
          controllerAddress: study.controllerAddress,
          dpoEmail: study.dpoEmail,
          privacyNoticeText: study.privacyNoticeText,
          privacyNoticeDate: study.privacyNoticeDate,
          surveyClosesOn: study.surveyClosesOn,
          surveyExtensionMonths: String(study.surveyExtensionMonths),
          platformRetentionMonths: String(study.platformRetentionMonths),
          voucherRetentionMonths: String(study.voucherRetentionMonths),
          acceptingRequests: study.acceptingRequests ? 'yes' : 'no',
          recipients: study.recipients,
          internationalTransfers: study.internationalTransfers,
        })
        return studyForm(`/staff/studies/${studySlug}/edit`)
      },
    },
    {
      name: 'add to the data map',
      fields: newCategory(),
      versioned: true,
      async target() {
        this.fields = newCategory()
        return studyForm(`/staff/studies/${studySlug}/new-category`)
      },
    },
    {
      name: 'change a data map entry',
      fields: newCategory(),
      versioned: true,
      async target() {
        const category = (
          await ctx.services.studies.dataMap((await ctx.services.studies.findBySlug(studySlug))!.id)
        ).find((c) => c.key === 'occupation')!
        this.fields = categoryValues(category)
        return studyForm(`/staff/studies/${studySlug}/categories/occupation`)
      },
    },
    {
      name: 'remove a data map entry',
      fields: {},
      versioned: true,
      async target() {
        const added = await studyForm(`/staff/studies/${studySlug}/new-category`)
        const fields = newCategory()
        await admin.agent
          .post(added.path)
          .type('form')
          .send({ _csrf: added.csrf, ...added.hidden, ...fields })
          .expect(303)
        const key = fields.label.toLowerCase().replace(/[^a-z0-9]+/g, '_')
        return studyForm(`/staff/studies/${studySlug}/categories/${key}/remove`)
      },
    },
    {
      name: 'change a letter template',
      fields: { body: 'Dear {name}, we are writing about {reference}.' },
      accepts: keptAsSent,
      target: () =>
        Promise.resolve({ path: '/staff/templates/message', agent: admin.agent, csrf: admin.csrf }),
    },
    {
      name: 'reset a letter template',
      fields: {},
      target: () =>
        Promise.resolve({ path: '/staff/templates/message/reset', agent: admin.agent, csrf: admin.csrf }),
    },
    {
      name: 'tick off a deletion task',
      fields: { note: 'Deleted from the platform' },
      accepts: keptAsSent,
      async target() {
        const { requestId } = await openCase('erasure')
        await handling().eraseRecordNow(dpo.user, requestId, Number(await versionOf(requestId)))
        const task = await db()('record_tasks')
          .whereNull('done_at')
          .orderBy('created_at', 'desc')
          .first<{ id: string }>('id')
        return { path: `/staff/records/tasks/${task.id}/done`, agent: dpo.agent, csrf: dpo.csrf }
      },
    },
    {
      name: 'export the request log',
      fields: {
        from: '',
        to: '',
        type: '',
        study: '',
        outcome: '',
        status: '',
        format: 'csv',
        identities: '',
        reason: '',
      },
      validStatus: 200,
      target: () => Promise.resolve({ path: '/staff/exports/requests', agent: dpo.agent, csrf: dpo.csrf }),
    },
    {
      name: 'export the request log with identities',
      fields: { format: 'ndjson', identities: 'yes', reason: 'The ICO asked for the log of this case' },
      validStatus: 200,
      target: () => Promise.resolve({ path: '/staff/exports/requests', agent: dpo.agent, csrf: dpo.csrf }),
    },
    {
      name: 'verify the audit trail',
      fields: {},
      target: () => Promise.resolve({ path: '/staff/audit/verify', agent: admin.agent, csrf: admin.csrf }),
    },
  ]
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  ctx = await createTestContext({ now: startedAt })
  await loadTableShapes()
  const study = (await ctx.services.studies.listAccepting())[0]!
  studySlug = study.slug
  dataMap = await ctx.services.studies.dataMap(study.id)
  consentKey = dataMap.find((c) => c.lawfulBasis === 'consent')?.key ?? ''
  objectionValue = 'direct_marketing'
  const rows = Array.from({ length: recordAddresses }, (_, i) => `holder${i + 1}@example.org,2026-01-10,`)
  await importEmailRecords(
    { db: db(), secret: testSecret, now: ctx.now },
    {
      studyId: study.id,
      open: () => Readable.from([`email,participated,voucher sent\n${rows.join('\n')}\n`]),
      actor: { type: 'system', id: 'test' },
    },
  )
  admin = await staffAgent('admin', 'admin@portal.test')
  dpo = await staffAgent('dpo', 'dpo@portal.test')
})

afterAll(async () => {
  await ctx?.destroy()
})

/**
 * Cases the portal gets wrong today, each expected to fail until it is put right: the test then
 * fails, and the entry goes.
 */
const knownGaps: Record<string, string> = {}

const groups: [string, () => FormRoute[]][] = [
  ['public forms', publicRoutes],
  ['staff accounts', accountRoutes],
  ['case actions', caseRoutes],
  ['logging and the queue', loggingRoutes],
  ['studies, templates, records and exports', adminRoutes],
]

// ---------------------------------------------------------------------------------------------
// Uploads: the records import and an answer's attachment, sent hostile files and broken bodies.

interface Upload {
  name: string
  /** The raw body and its content type; a multipart body unless the case says otherwise. */
  body: () => { type: string; bytes: Buffer }
  expect: number | 'reject'
}

const boundary = 'fuzzboundary1234'
function multipart(filename: string, content: Buffer | string, field = 'file'): Upload['body'] {
  return () => ({
    type: `multipart/form-data; boundary=${boundary}`,
    bytes: Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n` +
          'Content-Type: application/octet-stream\r\n\r\n',
      ),
      Buffer.isBuffer(content) ? content : Buffer.from(content),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]),
  })
}
const broken =
  (type: string, bytes: string): Upload['body'] =>
  () => ({ type, bytes: Buffer.from(bytes, 'latin1') })

const csvHeader = 'email,participated,voucher sent\n'
const importCases: Upload[] = [
  {
    name: 'a CSV with a formula for an address',
    body: multipart('x.csv', `${csvHeader}=HYPERLINK("x"),2026-01-01,\n`),
    expect: 400,
  },
  {
    name: 'a CSV with a NUL byte in a cell',
    body: multipart('x.csv', `${csvHeader}a\u0000b@example.org,2026-01-01,\n`),
    expect: 400,
  },
  {
    name: 'a CSV with a NUL byte in a column name',
    body: multipart('x.csv', `email,extra\u0000column\nnul.header@example.org,1\n`),
    expect: 200,
  },
  {
    name: 'a CSV of invalid UTF-8',
    body: multipart('x.csv', Buffer.from([0xff, 0xfe, 0x00, 0x41, 0xed, 0xa0, 0x80, 0x0a])),
    expect: 400,
  },
  {
    name: 'a CSV with an impossible date',
    body: multipart('x.csv', `${csvHeader}bad.date@example.org,2026-02-30,\n`),
    expect: 400,
  },
  {
    name: 'a CSV with a five-digit year',
    body: multipart('x.csv', `${csvHeader}far.future@example.org,99999-01-01,\n`),
    expect: 400,
  },
  {
    name: 'a CSV with a 100,000-character cell',
    body: multipart('x.csv', `${csvHeader}${'x'.repeat(100_000)}@example.org,,\n`),
    expect: 400,
  },
  {
    name: 'a CSV with an unclosed quote',
    body: multipart('x.csv', `${csvHeader}"open@example.org,2026-01-01,\n`),
    expect: 400,
  },
  {
    name: 'a CSV whose header is an address',
    body: multipart('x.csv', 'header@example.org\nrow@example.org\n'),
    expect: 400,
  },
  {
    name: 'a CSV with SQL and HTML in unknown columns',
    body: multipart(
      'x.csv',
      `email,<script>alert(1)</script>,"x'); DROP TABLE events; --"\nfuzz.ok@example.org,a,b\n`,
    ),
    expect: 200,
  },
  { name: 'an empty file', body: multipart('x.csv', ''), expect: 400 },
  { name: 'no file chosen', body: multipart('', ''), expect: 400 },
  {
    name: 'a form post instead of an upload',
    body: broken('application/x-www-form-urlencoded', 'file=x'),
    // An upload's token is in its URL; a form post carries it in the body, so this one has none.
    expect: 403,
  },
  { name: 'multipart without a boundary', body: broken('multipart/form-data', 'whatever'), expect: 400 },
  {
    name: 'a multipart body cut short',
    body: broken(
      `multipart/form-data; boundary=${boundary}`,
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="x.csv"\r\n\r\nemail\n`,
    ),
    expect: 'reject',
  },
]

const attachCases: Upload[] = [
  { name: 'a file of a type not allowed', body: multipart('payload.exe', 'MZ', 'attachment'), expect: 400 },
  {
    name: 'a file named with a path and NUL',
    body: multipart('../../etc/passwd\u0000.pdf', '%PDF-1.4', 'attachment'),
    expect: 'reject',
  },
  {
    name: 'a file named with HTML',
    body: multipart('<img src=x onerror=alert(2)>.pdf', '%PDF-1.4', 'attachment'),
    expect: 303,
  },
  { name: 'an empty file', body: multipart('empty.pdf', '', 'attachment'), expect: 400 },
  { name: 'no file chosen', body: multipart('', '', 'attachment'), expect: 400 },
  {
    name: 'a form post instead of an upload',
    body: broken('application/x-www-form-urlencoded', 'attachment=x'),
    expect: 403,
  },
  { name: 'multipart without a boundary', body: broken('multipart/form-data', 'whatever'), expect: 400 },
  {
    name: 'a multipart body cut short',
    body: broken(
      `multipart/form-data; boundary=${boundary}`,
      `--${boundary}\r\nContent-Disposition: form-data; name="attachment"; filename="a.pdf"\r\n\r\n%PDF`,
    ),
    expect: 'reject',
  },
  {
    name: 'too many parts',
    body: broken(
      `multipart/form-data; boundary=${boundary}`,
      Array.from(
        { length: 8 },
        (_, i) => `--${boundary}\r\nContent-Disposition: form-data; name="f${i}"\r\n\r\nx\r\n`,
      ).join('') + `--${boundary}--\r\n`,
    ),
    expect: 'reject',
  },
]

async function sendUpload(path: string, agent: Agent, upload: Upload, writes: Writes = {}) {
  const before = await fingerprint(writes)
  const { type, bytes } = upload.body()
  const res = await agent
    .post(path)
    .set('Content-Type', type)
    .serialize((raw: unknown) => raw as string)
    .send(bytes)
  expectCleanPage(res)
  if (upload.expect === 'reject') {
    expect(res.status).toBeGreaterThanOrEqual(400)
    expect(res.status).toBeLessThan(500)
  } else expect(res.status).toBe(upload.expect)
  if (res.status >= 400) expect(await fingerprint(writes), 'nothing stored').toEqual(before)
  return res
}

describe('records import', () => {
  it.each(importCases)('$name', async (upload) => {
    await sendUpload(`/staff/records/import?study=${studySlug}&_csrf=${enc(admin.csrf)}`, admin.agent, upload)
  })
  it('refuses an upload without its CSRF token and stores nothing', async () => {
    const before = await fingerprint()
    const { type, bytes } = multipart('x.csv', `${csvHeader}no.token@example.org,,\n`)()
    const res = await admin.agent
      .post(`/staff/records/import?study=${studySlug}`)
      .set('Content-Type', type)
      .serialize((raw: unknown) => raw as string)
      .send(bytes)
    expect(res.status).toBe(403)
    expect(await fingerprint()).toEqual(before)
  })
})

describe('answer attachments', () => {
  it.each(attachCases)('$name', async (upload) => {
    const { requestId } = await openCase('access')
    await sendUpload(`/staff/requests/${requestId}/attachments?_csrf=${enc(dpo.csrf)}`, dpo.agent, upload)
  })
})

// ---------------------------------------------------------------------------------------------
// Hostile values where a path names a case, a person's link, a study or an account.

const hostileSegments: [string, string][] = [
  ['a NUL byte', 'x%00y'],
  ['invalid percent-encoding', '%E0%A4%A'],
  ['a lone surrogate', '%ED%A0%80'],
  ['a 3,000-character segment', 'z'.repeat(3000)],
  ['a path climbing out', '..%2F..%2Fetc%2Fpasswd'],
  ['SQL', enc("1' OR '1'='1")],
  ['HTML', enc('<script>alert(1)</script>')],
  ['a number out of range', '99999999999999999999999'],
]

interface PathForm {
  name: string
  path: (segment: string) => string | Promise<string>
  fields: Record<string, string>
  as: () => { agent: Agent; csrf: string }
}

let anyCase: { requestId: string; statusToken: string } | undefined
const someCase = async () => (anyCase ??= await openCase('access'))

const pathForms: PathForm[] = [
  { name: 'a case', path: (p) => `/staff/requests/${p}/notes`, fields: { note: 'x' }, as: () => dpo },
  {
    name: 'a case action',
    path: (p) => `/staff/requests/${p}/complete`,
    fields: { version: '1', letter: 'x' },
    as: () => dpo,
  },
  {
    name: 'a case task',
    path: async (p) => `/staff/requests/${(await someCase()).requestId}/tasks/${p}/done`,
    fields: { taskNote: 'x' },
    as: () => dpo,
  },
  {
    name: 'an attachment',
    path: async (p) => `/staff/requests/${(await someCase()).requestId}/attachments/${p}/remove`,
    fields: {},
    as: () => dpo,
  },
  {
    name: 'a staff account',
    path: (p) => `/staff/users/${p}/role`,
    fields: { role: 'dpo' },
    as: () => admin,
  },
  {
    name: 'a study',
    path: (p) => `/staff/studies/${p}/edit`,
    fields: { version: '1' },
    as: () => admin,
  },
  {
    name: 'a data map entry',
    path: (p) => `/staff/studies/${studySlug}/categories/${p}`,
    fields: { version: '1' },
    as: () => admin,
  },
  {
    name: 'a letter template',
    path: (p) => `/staff/templates/${p}`,
    fields: { body: 'x' },
    as: () => admin,
  },
  {
    name: 'a deletion task',
    path: (p) => `/staff/records/tasks/${p}/done`,
    fields: { note: 'x' },
    as: () => dpo,
  },
  {
    name: 'a request type',
    path: (p) => `/request/${p}`,
    fields: { email: 'a@example.org' },
    as: () => dpo,
  },
  {
    name: 'the study of a request form',
    path: (p) => `/request/access?study=${p}`,
    fields: { email: 'a@example.org' },
    as: () => dpo,
  },
  {
    name: 'the study of a logged request',
    path: (p) => `/staff/requests/new/access?study=${p}`,
    fields: { email: 'a@example.org' },
    as: () => dpo,
  },
  {
    name: 'the study of an import',
    path: (p) => `/staff/records/import?study=${p}`,
    fields: {},
    as: () => admin,
  },
  { name: 'a status link', path: (p) => `/status/${p}/reply`, fields: { reply: 'x' }, as: () => dpo },
  { name: 'a confirmation link', path: (p) => `/confirm/${p}`, fields: {}, as: () => dpo },
  {
    name: 'an invitation link',
    path: (p) => `/staff/invite/${p}`,
    fields: { password: staffPassword },
    as: () => dpo,
  },
  {
    name: 'a setup link',
    path: (p) => `/staff/setup/${p}`,
    fields: { password: staffPassword },
    as: () => dpo,
  },
]

describe('path parameters', () => {
  describe.each(pathForms)('$name', (form) => {
    it.each(hostileSegments)('as %s', async (_name, segment) => {
      const { agent, csrf } = form.as()
      const path = await form.path(segment)
      const before = await fingerprint()
      const res = await agent
        .post(path)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send([`_csrf=${enc(csrf)}`, ...pairsOf(form.fields)].join('&'))
      expectCleanPage(res)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(await fingerprint()).toEqual(before)
    })
  })
})

// ---------------------------------------------------------------------------------------------
// Filters: the queue, the records search, the dashboard and the request log download.

const filterPages: { name: string; path: (v: string) => string; as: () => { agent: Agent } }[] = [
  {
    name: 'the queue',
    path: (v) =>
      `/staff/requests?q=${v}&from-day=${v}&from-month=${v}&from-year=${v}&to-day=${v}&type=${v}&study=${v}&assignee=${v}&due=${v}&tab=${v}&sort=${v}&after=${v}&before=${v}`,
    as: () => dpo,
  },
  { name: 'the records search', path: (v) => `/staff/records?email=${v}`, as: () => dpo },
  {
    name: 'the dashboard',
    path: (v) => `/staff/dashboard?from-day=${v}&from-month=${v}&from-year=${v}&to-year=${v}`,
    as: () => dpo,
  },
  {
    name: 'the request log download',
    path: (v) =>
      `/staff/exports/requests.csv?from=${v}&to=${v}&type=${v}&study=${v}&outcome=${v}&status=${v}`,
    as: () => dpo,
  },
]

const hostileQueries: [string, string][] = [
  ['a NUL byte', 'x%00y'],
  ['control characters', '%07%1B'],
  ['invalid percent-encoding', '%E0%A4%A'],
  ['a repeated value', 'a&from=b'],
  ['a 1,000-character value', 'q'.repeat(1000)],
  ['an impossible date', '2026-02-30'],
  ['a five-digit year', '99999-01-01'],
  ['SQL', enc("' OR 1=1 --")],
  ['HTML', enc(htmlPayload)],
  ['a CSV formula', enc(csvPayload)],
]

describe('filters', () => {
  describe.each(filterPages)('$name', (page) => {
    it.each(hostileQueries)('as %s', async (_name, raw) => {
      const before = await fingerprint()
      const res = await page.as().agent.get(page.path(raw))
      expectCleanPage(res)
      expect([200, 400]).toContain(res.status)
      expect(await fingerprint()).toEqual(before)
    })
  })
})

// ---------------------------------------------------------------------------------------------
// First-run setup, which only works while there is no staff account: a context of its own.

describe('first-run setup', () => {
  let setup: TestContext
  let link: string
  let agent: Agent
  let csrf: string
  beforeAll(async () => {
    setup = await createTestContext({ now: startedAt })
    const issued = await setup.services.accounts.issueSetupLink()
    link = new URL(issued as string).pathname
    agent = setup.agent()
    const page = await agent.get(link).expect(200)
    csrf = csrfFrom(page.text)
  })
  afterAll(async () => {
    await setup?.destroy()
  })
  const fields = {
    displayName: 'First Admin',
    email: 'first@portal.test',
    password: 'a long passphrase nobody would guess 42',
  }
  const count = async () => Number((await setup.services.db('staff_users').count({ n: '*' }))[0]?.n ?? 0)
  it.each(hostileValues.map((h) => [h.name, h] as const))(
    'refuses every field as %s',
    async (_name, hostile) => {
      const body = [`_csrf=${enc(csrf)}`, ...Object.keys(fields).flatMap((f) => hostile.pairs(f))].join('&')
      const res = await agent
        .post(link)
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .serialize((raw: unknown) => raw as string)
        .send(Buffer.from(body, 'latin1'))
      expectCleanPage(res)
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(await count()).toBe(0)
    },
  )
  it('refuses a wrong CSRF token, then creates the administrator from valid fields', async () => {
    await agent
      .post(link)
      .type('form')
      .send({ _csrf: `${csrf}x`, ...fields })
      .expect(403)
    expect(await count()).toBe(0)
    const res = await agent
      .post(link)
      .type('form')
      .send({ _csrf: csrf, ...fields })
    expect(res.status).toBe(303)
    expect(await count()).toBe(1)
  })
})

for (const [group, routes] of groups) {
  describe(group, () => {
    for (const route of routes()) {
      describe(route.name, () => {
        for (const formCase of casesFor(route)) {
          const gap = knownGaps[`${route.name} / ${formCase.name}`]
          if (gap)
            it.fails(`${formCase.name} (known gap: ${gap})`, () =>
              runCase(route, { ...formCase, expect: 'reject' }),
            )
          else it(formCase.name, () => runCase(route, formCase))
        }
      })
    }
  })
}
