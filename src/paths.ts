import type { RequestType } from './domain/request-types.js'

/** The names of a pattern's parameters: 'id' | 'fileId' for '/staff/requests/:id/files/:fileId'. */
export type ParamNames<Pattern extends string> = Pattern extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : Pattern extends `${string}:${infer Name}`
    ? Name
    : never

/** The values a link to the pattern needs, one string per parameter. */
export type RouteParams<Pattern extends string> = Record<ParamNames<Pattern>, string>

/** Builds a path to the pattern, each parameter encoded with encodeURIComponent. */
export type BuildPath<Pattern extends string> = [ParamNames<Pattern>] extends [never]
  ? () => string
  : (params: RouteParams<Pattern>) => string

/**
 * One URL of the portal: called, it builds a link; `pattern` is what the router registers. A route
 * whose links need more than its parameters (a query string, a type written as a URL segment)
 * declares its own link function, made from the plain `build`.
 */
export type Route<Pattern extends string, Link = BuildPath<Pattern>> = Link & {
  readonly pattern: Pattern
  readonly build: BuildPath<Pattern>
}

/**
 * `route('/staff/requests/:id')` is registered as `router.get(r.pattern, …)` and linked to as
 * `r({ id })`. Each parameter is one whole path segment.
 */
export function route<const Pattern extends string>(pattern: Pattern): Route<Pattern>
export function route<const Pattern extends string, Link extends (...args: never[]) => string>(
  pattern: Pattern,
  link: (build: BuildPath<Pattern>) => Link,
): Route<Pattern, Link>
export function route<const Pattern extends string>(
  pattern: Pattern,
  link?: (build: BuildPath<Pattern>) => (...args: never[]) => string,
): Route<Pattern, (...args: never[]) => string> {
  const build = ((params: Partial<Record<string, string>> = {}) =>
    pattern.replace(/:([^/]+)/g, (_segment, name: string) => {
      const value = params[name]
      if (value === undefined) throw new Error(`No value for :${name} in ${pattern}`)
      return encodeURIComponent(value)
    })) as BuildPath<Pattern>
  return Object.assign(link ? link(build) : build, { pattern, build })
}

/** Adds a query string of the values given; empty or missing ones are left out. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const pairs = Object.entries(query).flatMap(([name, value]) =>
    value ? [`${encodeURIComponent(name)}=${encodeURIComponent(value)}`] : [],
  )
  return pairs.length > 0 ? `${path}?${pairs.join('&')}` : path
}

/** The URL segment for a request type: 'withdraw-consent' for 'withdraw_consent'. */
function typeSegment(type: RequestType): string {
  return type.replace(/_/g, '-')
}

/** The request type a URL segment names: 'withdraw_consent' for 'withdraw-consent'. */
export function requestTypeFromSegment(segment: string): string {
  return segment.replace(/-/g, '_')
}

/** Participant links are keyed by their secret token; emails link to them as `show(token)`. */
const byToken =
  (build: (params: { token: string }) => string) =>
  (token: string): string =>
    build({ token })

/** Every URL the portal serves, in one place: each is both the router's pattern and its link builder. */
export const paths = {
  home: route('/'),
  healthz: route('/healthz'),
  readyz: route('/readyz'),
  accessibility: route('/accessibility'),
  privacyNotice: route('/privacy-notice'),
  studyPrivacyNotice: route('/privacy-notice/:slug'),
  request: {
    start: route('/request'),
    checkEmail: route('/request/check-your-email'),
    resend: route('/request/check-your-email/resend'),
    /** The form again, filled in from the request just sent, to correct the address. */
    changeAddress: route('/request/check-your-email/change-address'),
    /** With several studies open, the first question: which one. */
    study: route(
      '/request/study',
      (build) => (studySlug?: string) => withQuery(build(), { study: studySlug }),
    ),
    form: route(
      '/request/:type',
      (build) => (type: RequestType, studySlug?: string) =>
        withQuery(build({ type: typeSegment(type) }), { study: studySlug }),
    ),
    /** Check your answers: the form posts here, and the page's "Submit request" posts to `form`. */
    check: route(
      '/request/:type/check',
      (build) => (type: RequestType, studySlug?: string) =>
        withQuery(build({ type: typeSegment(type) }), { study: studySlug }),
    ),
    /** "Change" on the check page: the answers posted back to the form, which shows them again. */
    change: route(
      '/request/:type/change',
      (build) => (type: RequestType, studySlug?: string) =>
        withQuery(build({ type: typeSegment(type) }), { study: studySlug }),
    ),
  },
  confirm: {
    linkSent: route('/confirm/link-sent'),
    show: route('/confirm/:token', byToken),
    newLink: route('/confirm/:token/new-link', byToken),
    statusLink: route('/confirm/:token/status-link', byToken),
  },
  status: {
    show: route('/status/:token', byToken),
    reply: route('/status/:token/reply', byToken),
    withdraw: route('/status/:token/withdraw', byToken),
    file: route('/status/:token/files/:fileId/:format'),
  },

  /** Complaints about how personal data is handled (DPA 2018 s.164A): the person's side. */
  complaint: {
    start: route('/complaint'),
    form: route('/complaint/form'),
    /** A complaint about one request, reached from that request's status page (its token). */
    aboutRequest: route('/complaint/about/:token', byToken),
    aboutRequestForm: route('/complaint/about/:token/form', byToken),
    checkEmail: route('/complaint/check-your-email'),
    confirm: route('/complaint/confirm/:token', byToken),
    statusLink: route('/complaint/confirm/:token/status-link', byToken),
    linkSent: route('/complaint/link-sent'),
    status: route('/complaint/status/:token', byToken),
    reply: route('/complaint/status/:token/reply', byToken),
  },

  /** Staff pages. */
  staff: {
    home: route('/staff'),
    login: route('/staff/login'),
    loginCode: route('/staff/login/code'),
    logout: route('/staff/logout'),
    signedOut: route('/staff/signed-out'),
    passwordSet: route('/staff/password-set'),
    setup: route('/staff/setup/:token'),
    acceptInvite: route('/staff/invite/:token'),
    /** A link an administrator sent to set a new password. */
    passwordLink: route('/staff/password/:token'),
    account: route('/staff/account'),
    enableTwoFactor: route('/staff/account/two-factor'),
    disableTwoFactor: route('/staff/account/two-factor/disable'),
    /** The emails a member of staff chose to get about their work. */
    notificationChoices: route('/staff/account/notifications'),
    settings: route('/staff/settings'),
    users: route('/staff/users'),
    inviteUser: route('/staff/users/new'),
    user: route('/staff/users/:id'),
    userAction: {
      role: route('/staff/users/:id/role'),
      disable: route('/staff/users/:id/disable'),
      enable: route('/staff/users/:id/enable'),
      resetTwoFactor: route('/staff/users/:id/reset-two-factor'),
      resetLockout: route('/staff/users/:id/reset-lockout'),
      sendPasswordLink: route('/staff/users/:id/password-link'),
    },

    queue: route('/staff/requests'),
    bulk: route('/staff/requests/bulk'),
    logRequest: route('/staff/requests/new'),
    logRequestForm: route(
      '/staff/requests/new/:type',
      (build) => (type: RequestType, studySlug: string) =>
        withQuery(build({ type: typeSegment(type) }), { study: studySlug }),
    ),
    case: route('/staff/requests/:id'),
    /** The case page's forms; each action's last segment names its form on the page. */
    caseAction: {
      verify: route('/staff/requests/:id/verify'),
      assign: route('/staff/requests/:id/assign'),
      ask: route('/staff/requests/:id/ask'),
      arrival: route('/staff/requests/:id/arrival'),
      extend: route('/staff/requests/:id/extend'),
      message: route('/staff/requests/:id/message'),
      refuse: route('/staff/requests/:id/refuse'),
      complete: route('/staff/requests/:id/complete'),
      close: route('/staff/requests/:id/close'),
      reopen: route('/staff/requests/:id/reopen'),
      eraseRecord: route('/staff/requests/:id/erase-record'),
      restrictRecord: route('/staff/requests/:id/restrict-record'),
      noticeRestrictionLift: route('/staff/requests/:id/restriction-lift-notice'),
      liftRestriction: route('/staff/requests/:id/lift-restriction'),
      rectifyAddress: route('/staff/requests/:id/rectify-address'),
      withdrawConsent: route('/staff/requests/:id/withdraw-consent'),
      decideObjection: route('/staff/requests/:id/decide-objection'),
      decidePart: route('/staff/requests/:id/decide'),
      decideRectification: route('/staff/requests/:id/rectification'),
      logSearch: route('/staff/requests/:id/searches'),
      withdrawDecision: route('/staff/requests/:id/decide/withdraw'),
      prepareAnswer: route('/staff/requests/:id/prepare-answer'),
      attach: route('/staff/requests/:id/attachments'),
      removeAttachment: route('/staff/requests/:id/attachments/:fileId/remove'),
      addNote: route('/staff/requests/:id/notes'),
      addTask: route('/staff/requests/:id/tasks'),
      completeTask: route('/staff/requests/:id/tasks/:taskId/done'),
    },
    caseFile: route('/staff/requests/:id/files/:fileId/:format'),
    /** A letter to a person with no email address, as a page to print and post. */
    caseLetter: route('/staff/requests/:id/letters/:messageId'),

    /** Complaints about how personal data is handled: the staff queue and each complaint's page. */
    complaints: route('/staff/complaints'),
    logComplaint: route('/staff/complaints/log'),
    complaint: route('/staff/complaints/:id'),
    /** The complaint page's forms; each action's last segment names its form on the page. */
    complaintAction: {
      assign: route('/staff/complaints/:id/assign'),
      acknowledge: route('/staff/complaints/:id/acknowledge'),
      update: route('/staff/complaints/:id/update'),
      message: route('/staff/complaints/:id/message'),
      note: route('/staff/complaints/:id/note'),
      close: route('/staff/complaints/:id/close'),
      reopen: route('/staff/complaints/:id/reopen'),
    },

    templates: route('/staff/templates'),
    template: route('/staff/templates/:key'),
    resetTemplate: route('/staff/templates/:key/reset'),

    records: route('/staff/records'),
    importRecords: route(
      '/staff/records/import',
      (build) =>
        (studySlug?: string): string =>
          withQuery(build(), { study: studySlug }),
    ),
    recordTasks: route('/staff/records/tasks'),
    completeRecordTask: route('/staff/records/tasks/:taskId/done'),
    record: route('/staff/records/:id'),

    studies: route('/staff/studies'),
    study: route('/staff/studies/:slug'),
    editStudy: route('/staff/studies/:slug/edit'),
    newStudyCategory: route('/staff/studies/:slug/new-category'),
    studyCategory: route('/staff/studies/:slug/categories/:key'),
    removeStudyCategory: route('/staff/studies/:slug/categories/:key/remove'),

    dashboard: route('/staff/dashboard'),
    exports: route('/staff/exports'),
    requestLog: route('/staff/exports/requests'),
    requestLogFile: {
      csv: route('/staff/exports/requests.csv'),
      ndjson: route('/staff/exports/requests.ndjson'),
    },
    complaintLog: route('/staff/exports/complaints'),
    complaintLogFile: {
      csv: route('/staff/exports/complaints.csv'),
      ndjson: route('/staff/exports/complaints.ndjson'),
    },
    audit: route('/staff/audit'),
    auditVerify: route('/staff/audit/verify'),
    auditTrailExport: route('/staff/audit/trail.ndjson'),
  },
}

export function absoluteUrl(publicUrl: string, path: string): string {
  return `${publicUrl}${path}`
}
