import { consentChoices, objectionChoices, type DataCategory } from './data-map.js'
import { describeDetails, type RequestDetails } from './request-types.js'
import { staffRestrictionLabels } from './staff-copy.js'

/** The rows' labels as staff read them: about the person, not to them. */
const staffLabels: Record<string, string> = {
  'What you asked for': 'What they asked for',
  'Why you want it deleted': 'Why they want it deleted',
  'What you object to': 'What they object to',
  'Your reasons': 'Their reasons',
  'Consent you withdraw': 'Consent they withdraw',
}

/**
 * What the person wrote, as label/value rows, with the choices they made named as the study's data
 * map names them. The case page and the status page show the same rows.
 */
export function detailRowsOf(
  details: RequestDetails | null,
  dataMap: DataCategory[],
  /** `staff` for the case page: the same rows, said about the person rather than to them. */
  voice: 'person' | 'staff' = 'person',
): { label: string; value: string }[] {
  if (!details) return []
  const rows = describeDetails(details, (field, value) => {
    if (field === 'category') return dataMap.find((c) => c.key === value)?.label ?? value
    const choices = field === 'processing' ? objectionChoices(dataMap) : consentChoices(dataMap)
    return choices.find((c) => c.value === value)?.label ?? value
  })
  if (voice === 'person') return rows
  return rows.map((row) => {
    if (row.label === 'Reason' && details.type === 'restriction')
      return { label: row.label, value: staffRestrictionLabels[details.ground] }
    if (row.label === 'Who we told')
      return {
        label: row.label,
        value: 'They asked us to tell them who we shared their data with, and whether we told them',
      }
    return { label: staffLabels[row.label] ?? row.label, value: row.value }
  })
}
