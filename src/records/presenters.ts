import type { Tag } from '../answers/presenters.js'
import { formatLongDate } from '../domain/clock.js'
import type { EmailRecord } from '../domain/email-record.js'
import type { Holding, RetentionView } from '../domain/retention.js'
import type { Study } from '../domain/study.js'

export interface HoldingRow {
  label: string
  keptUntil: string
  status: Tag
}

/**
 * Where an address is held, until when, and whether it is due or gone: case and record pages alike.
 * A copy outside the portal is deleted only once someone has done its deletion task.
 */
export function holdingRows(holdings: Holding[]): HoldingRow[] {
  return holdings.map((h) => ({
    label: h.label,
    keptUntil: formatLongDate(h.keepUntil),
    status: holdingTag(h),
  }))
}

function holdingTag(h: Holding): Tag {
  switch (h.status) {
    case 'deleted':
      return {
        text: `Deleted ${h.deletedOn ? formatLongDate(h.deletedOn) : ''}`.trim(),
        classes: 'govuk-tag--grey',
      }
    case 'deletion_requested':
      return {
        text: `Deletion requested ${h.requestedOn ? `on ${formatLongDate(h.requestedOn)}` : ''}`.trim(),
        classes: 'govuk-tag--yellow',
      }
    case 'due':
      return {
        text: `Due for deletion since ${formatLongDate(h.deletionDueOn)}`,
        classes: 'govuk-tag--orange',
      }
    case 'held':
      return { text: 'Held', classes: 'govuk-tag--blue' }
  }
}

/** The facts of an email record, in words, for its page. */
export function recordSummaryRows(
  record: EmailRecord,
  retention: RetentionView,
  study: Pick<Study, 'surveyClosesOn'>,
): { key: string; value: string }[] {
  const rows = [
    {
      key: 'Participated',
      value: record.participatedOn ? formatLongDate(record.participatedOn) : 'Not known',
    },
    {
      key: 'Voucher sent',
      value: record.facts.voucherSentOn ? formatLongDate(record.facts.voucherSentOn) : 'Not sent',
    },
    {
      key: 'Survey data extracted',
      value: record.facts.extractedOn ? formatLongDate(record.facts.extractedOn) : 'Not yet',
    },
    {
      key: 'Survey answers',
      value: retention.answersLinked
        ? 'Still linked to this address'
        : 'Anonymised: can no longer be linked to this address',
    },
    { key: 'Survey closes', value: formatLongDate(study.surveyClosesOn) },
  ]
  if (record.facts.restriction) {
    rows.push({
      key: 'Restricted since',
      value: `${formatLongDate(record.facts.restriction.since)}${
        record.restrictionReviewOn ? `, review on ${formatLongDate(record.restrictionReviewOn)}` : ''
      }`,
    })
  }
  if (record.consentWithdrawnOn) {
    rows.push({
      key: 'Consent withdrawn',
      value: `${formatLongDate(record.consentWithdrawnOn)}: consent-based data excluded from further processing`,
    })
  }
  if (record.objection) {
    rows.push({
      key: 'Objection',
      value: `${formatLongDate(record.objection.on)} – ${
        record.objection.decision === 'stopped'
          ? 'processing stopped'
          : record.objection.decision === 'compelling_grounds'
            ? 'continued on compelling legitimate grounds'
            : 'not decided yet'
      }`,
    })
  }
  if (record.facts.erased) {
    rows.push({
      key: 'Erased',
      value: `${formatLongDate(record.facts.erased.on)}${
        record.facts.erased.reason === 'retention_schedule' ? ' (retention schedule)' : ' (erasure request)'
      }`,
    })
  }
  return rows
}
