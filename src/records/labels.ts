import type { RetentionState } from '../domain/retention.js'
import type { RightOutcome } from '../domain/rights.js'

/** How each retention state is shown: a word and a tag colour. */
export const stateLabels: Record<RetentionState, { label: string; tagClass: string }> = {
  active: { label: 'Active', tagClass: 'govuk-tag--green' },
  retained: { label: 'Retained', tagClass: 'govuk-tag--blue' },
  due_for_deletion: { label: 'Due for deletion', tagClass: 'govuk-tag--orange' },
  restricted: { label: 'Restricted', tagClass: 'govuk-tag--purple' },
  erased: { label: 'Erased', tagClass: 'govuk-tag--grey' },
}

export const rightOutcomeLabels: Record<RightOutcome['applies'], { label: string; tagClass: string }> = {
  yes: { label: 'Applies', tagClass: 'govuk-tag--green' },
  qualified: { label: 'Applies, with limits', tagClass: 'govuk-tag--yellow' },
  no: { label: 'Does not apply', tagClass: 'govuk-tag--grey' },
  not_identifiable: { label: 'Cannot be identified', tagClass: 'govuk-tag--grey' },
  gone: { label: 'Deleted', tagClass: 'govuk-tag--grey' },
  no_record: { label: 'No record', tagClass: 'govuk-tag--grey' },
}
