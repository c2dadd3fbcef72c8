import type { RequestType } from './domain/request-types.js'

/** Every URL the portal serves or links to, in one place. */
export const paths = {
  home: '/',
  healthz: '/healthz',
  accessibility: '/accessibility',
  privacyNotice: '/privacy-notice',
  studyPrivacyNotice: (slug: string) => `/privacy-notice/${encodeURIComponent(slug)}`,
  request: {
    start: '/request',
    form: (type: RequestType, studySlug?: string) =>
      `/request/${type.replace(/_/g, '-')}${studySlug ? `?study=${encodeURIComponent(studySlug)}` : ''}`,
    checkEmail: '/request/check-your-email',
    resend: '/request/check-your-email/resend',
  },
  confirm: {
    show: (token: string) => `/confirm/${token}`,
    newLink: (token: string) => `/confirm/${token}/new-link`,
    statusLink: (token: string) => `/confirm/${token}/status-link`,
    linkSent: '/confirm/link-sent',
  },
  status: {
    show: (token: string) => `/status/${token}`,
    withdraw: (token: string) => `/status/${token}/withdraw`,
  },
}

/** Staff pages. */
export const staffPaths = {
  home: '/staff',
  login: '/staff/login',
  loginCode: '/staff/login/code',
  account: '/staff/account',
  settings: '/staff/settings',
  logout: '/staff/logout',
  queue: '/staff/requests',
  logRequest: '/staff/requests/new',
  bulk: '/staff/requests/bulk',
  logRequestForm: (type: string, studySlug: string) =>
    `/staff/requests/new/${type.replace(/_/g, '-')}?study=${encodeURIComponent(studySlug)}`,
  case: (id: string) => `/staff/requests/${encodeURIComponent(id)}`,
  users: '/staff/users',
  templates: '/staff/templates',
  records: '/staff/records',
  importRecords: '/staff/records/import',
  recordTasks: '/staff/records/tasks',
  studies: '/staff/studies',
  study: (slug: string) => `/staff/studies/${encodeURIComponent(slug)}`,
  editStudy: (slug: string) => `/staff/studies/${encodeURIComponent(slug)}/edit`,
  newStudyCategory: (slug: string) => `/staff/studies/${encodeURIComponent(slug)}/new-category`,
  studyCategory: (slug: string, key: string) =>
    `/staff/studies/${encodeURIComponent(slug)}/categories/${encodeURIComponent(key)}`,
  removeStudyCategory: (slug: string, key: string) =>
    `/staff/studies/${encodeURIComponent(slug)}/categories/${encodeURIComponent(key)}/remove`,
  inviteUser: '/staff/users/new',
  user: (id: string) => `/staff/users/${encodeURIComponent(id)}`,
  dashboard: '/staff/dashboard',
  exports: '/staff/exports',
  requestLog: '/staff/exports/requests',
  requestLogFile: (format: 'csv' | 'ndjson') => `/staff/exports/requests.${format}`,
  auditTrailExport: '/staff/audit/trail.ndjson',
  audit: '/staff/audit',
  auditVerify: '/staff/audit/verify',
}

/** The URL segment for a request type: 'withdraw-consent' for 'withdraw_consent'. */
export function requestTypeFromSegment(segment: string): string {
  return segment.replace(/-/g, '_')
}

export function absoluteUrl(publicUrl: string, path: string): string {
  return `${publicUrl}${path}`
}
