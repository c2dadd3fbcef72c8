/** Where a request stands. Later stages of case handling add to this list. */
export const requestStatuses = [
  'unconfirmed',
  'received',
  'awaiting_clarification',
  'awaiting_identity',
  'awaiting_fee',
  'completed',
  'refused',
  'withdrawn',
  'duplicate',
  'unverified',
] as const

export type RequestStatus = (typeof requestStatuses)[number]

export const openStatuses: readonly RequestStatus[] = [
  'received',
  'awaiting_clarification',
  'awaiting_identity',
  'awaiting_fee',
]
export const closedStatuses: readonly RequestStatus[] = [
  'completed',
  'refused',
  'withdrawn',
  'duplicate',
  'unverified',
]

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
    awaiting_clarification: {
      label: 'Waiting for clarification',
      tagClass: 'govuk-tag--yellow',
      participantText:
        'We have asked you a question. The time limit is paused until you reply, and moves on by the days it was paused.',
    },
    awaiting_identity: {
      label: 'Waiting for proof of identity',
      tagClass: 'govuk-tag--yellow',
      participantText:
        'We need to confirm who you are before we can act. The time limit starts again from the day we receive it.',
    },
    awaiting_fee: {
      label: 'Waiting for a fee',
      tagClass: 'govuk-tag--yellow',
      participantText: 'We have asked for a fee. The time limit starts again from the day we receive it.',
    },
    completed: {
      label: 'Completed',
      tagClass: 'govuk-tag--green',
      participantText: 'We have answered your request. Our answer is in the messages below.',
    },
    refused: {
      label: 'Refused',
      tagClass: 'govuk-tag--red',
      participantText:
        'We have refused your request. Our reasons, and what you can do next, are in the messages below.',
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

export type StatusInfo = (typeof statusInfo)[RequestStatus]

/**
 * What the person's status page says about where their request stands: a completed request says
 * what its outcome was, so one answered only in part never reads as simply "Completed".
 */
export function participantStatus(status: RequestStatus, outcome: string | null): StatusInfo {
  if (status !== 'completed') return statusInfo[status]
  if (outcome === 'partly_fulfilled') {
    return {
      label: 'Partly fulfilled',
      tagClass: 'govuk-tag--turquoise',
      participantText:
        'We have answered your request, but we did not do all of what you asked. Our answer, in the messages below, says what we kept back or did not do, why, and what you can do if you disagree.',
    }
  }
  if (outcome === 'no_data_held') {
    return {
      label: 'Completed',
      tagClass: 'govuk-tag--green',
      participantText:
        'We have answered your request: we hold no personal data about you that it covers. Our answer is in the messages below.',
    }
  }
  return statusInfo.completed
}
