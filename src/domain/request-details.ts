import { consentChoices, objectionChoices, type DataCategory } from './data-map.js'
import { describeDetails, type RequestDetails } from './request-types.js'

/**
 * What the person wrote, as label/value rows, with the choices they made named as the study's data
 * map names them. The case page and the status page show the same rows.
 */
export function detailRowsOf(
  details: RequestDetails | null,
  dataMap: DataCategory[],
): { label: string; value: string }[] {
  if (!details) return []
  return describeDetails(details, (field, value) => {
    if (field === 'category') return dataMap.find((c) => c.key === value)?.label ?? value
    const choices = field === 'processing' ? objectionChoices(dataMap) : consentChoices(dataMap)
    return choices.find((c) => c.value === value)?.label ?? value
  })
}
