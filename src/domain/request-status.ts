/** Where a request stands. Later stages of case handling add to this list. */
export const requestStatuses = ['unconfirmed', 'received', 'withdrawn', 'duplicate', 'unverified'] as const

export type RequestStatus = (typeof requestStatuses)[number]

export const openStatuses: readonly RequestStatus[] = ['received']
export const closedStatuses: readonly RequestStatus[] = ['withdrawn', 'duplicate', 'unverified']

export function isOpen(status: RequestStatus): boolean {
  return openStatuses.includes(status)
}

export const statusInfo: Record<RequestStatus, { label: string; tagClass: string; participantText: string }> =
  {
    unconfirmed: {
      label: 'Awaiting confirmation',
      tagClass: 'govuk-tag--grey',
      participantText: 'We are waiting for you to confirm this request from the link in your email.',
    },
    received: {
      label: 'Received',
      tagClass: 'govuk-tag--blue',
      participantText: 'We have your request and are working on it.',
    },
    withdrawn: {
      label: 'Withdrawn',
      tagClass: 'govuk-tag--grey',
      participantText:
        'You withdrew this request. We have stopped working on it and the time limit no longer runs.',
    },
    duplicate: {
      label: 'Duplicate',
      tagClass: 'govuk-tag--grey',
      participantText: 'You already had an open request of this kind, so we are handling it there.',
    },
    unverified: {
      label: 'Not confirmed',
      tagClass: 'govuk-tag--grey',
      participantText: 'This request was not confirmed within 7 days, so it was closed.',
    },
  }
