import { voucherCorrespondenceKey, type AnswerInput } from './answer.js'
import { formatLongDate, type IsoDate } from './clock.js'
import { refusalRightsParagraph, type LetterContext } from './letters.js'
import { keptParagraph, listOf, needsChallengeRights, whenDone, type RequestPart } from './request-outcome.js'
import type { RequestType } from './request-types.js'

/**
 * The completion letter, built from the parts of the request and what became of each. The draft
 * (the `{details}` of the completion template) says what was done, each thing only if the case
 * recorded it; the closing part, added by the portal and not editable, says what was kept back,
 * on which ground and why, and how to challenge it (Art. 12(4)).
 */

export interface CompletionLetterFacts {
  /** When the answer's downloads stop working, for access and portability. */
  downloadsUntil: IsoDate
  /** The restriction's ground in words and its review date, for a restriction. */
  restrictionGround: string | null
  restrictionReviewOn: IsoDate | null
  /** What the letter says about the recipients told of a correction, erasure or restriction (Art. 19). */
  recipients?: string | null
  /** The person gave no email address (a request by post or phone), so no record could be found by one. */
  noEmailAddress?: boolean
}

const labelsIn = (parts: RequestPart[], state: RequestPart['state']['state']) =>
  parts.filter((p) => p.state.state === state).map((p) => p.label)

function firstDone(parts: RequestPart[]): IsoDate | null {
  for (const p of parts) if (p.state.state === 'done' && p.state.on) return p.state.on
  return null
}

/** The draft of what was done: the DPO may edit it, and it claims nothing the parts do not show. */
export function completionDetails(
  type: RequestType,
  input: AnswerInput,
  parts: RequestPart[],
  facts: CompletionLetterFacts,
): string {
  const paragraphs: string[] = []
  const { record } = input
  const done = parts.filter((p) => p.state.state === 'done')
  const doneLabels = done.map((p) => p.label)
  const unlinkable = labelsIn(parts, 'not_identifiable')

  if (parts.some((p) => p.state.state === 'no_record') && facts.noEmailAddress) {
    paragraphs.push(
      `Our records for ${input.study.title} are kept by email address. You did not give us one, so we could not match you to any of them: we hold no personal data we can link to you for this study.`,
    )
  } else if (parts.some((p) => p.state.state === 'no_record')) {
    paragraphs.push(
      `We searched our records for ${input.study.title} and found no record of your email address, so we hold no personal data about you for this study.`,
    )
  } else if (parts.some((p) => p.state.state === 'deleted_during') && record?.erasedOn) {
    paragraphs.push(
      `We deleted your email address on ${formatLongDate(record.erasedOn)}, while we were answering this request. We keep only a one-way code of it; it cannot be turned back into your address, and nothing we hold can be linked to you any more.`,
    )
  } else if (parts.some((p) => p.state.state === 'deleted_before') && record?.erasedOn) {
    paragraphs.push(
      `We deleted your email address on ${formatLongDate(record.erasedOn)}, before this request. We keep only a one-way code of it so that we can answer requests like this one; it cannot be turned back into your address, and nothing we hold can be linked to you any more.`,
    )
  }

  switch (type) {
    case 'access':
      if (done.length > 0) {
        paragraphs.push(
          `Our answer includes your ${listOf(doneLabels)}. You can download it, as a page you can read and as a data file, from your request's status page until ${formatLongDate(facts.downloadsUntil)}. It also sets out why we use your data, our lawful basis, where it is held and who receives it, how long we keep it, where it came from and your rights.`,
        )
      }
      break
    case 'portability':
      if (done.length > 0) {
        paragraphs.push(
          `Your ${listOf(doneLabels)} can be downloaded as JSON and CSV files from your request's status page until ${formatLongDate(facts.downloadsUntil)}.`,
        )
      }
      {
        const blank = labelsIn(parts, 'not_provided')
        if (blank.length > 0) {
          paragraphs.push(
            `You did not give us your ${listOf(blank)} when you took part, so we hold none to send you.`,
          )
        }
        const outside = parts.flatMap((p) =>
          p.state.state === 'out_of_scope' ? [{ label: p.label, ...p.state }] : [],
        )
        if (outside.length > 0 && record) {
          paragraphs.push(
            `These are not covered by the right to data portability:\n${outside.map((o) => `- ${o.label}: ${o.reason} (${o.article})`).join('\n')}`,
          )
        }
      }
      break
    case 'erasure': {
      const address = done.find((p) => p.key === 'email')
      if (address && address.state.state === 'done') {
        paragraphs.push(
          `We deleted your email address${whenDone(address.state.on)}, from our records and from everywhere we hold it. We keep only a one-way code of it, so that we can show we acted on your request; it cannot be turned back into your address.`,
        )
      }
      const voucher = done.find((p) => p.key === voucherCorrespondenceKey)
      if (voucher && voucher.state.state === 'done') {
        paragraphs.push(
          `We deleted our correspondence with you about your voucher, with your email address${whenDone(voucher.state.on)}.`,
        )
      }
      const rest = done
        .filter((p) => p.key !== 'email' && p.key !== voucherCorrespondenceKey)
        .map((p) => p.label)
      if (rest.length > 0) {
        paragraphs.push(
          `Your ${listOf(rest)} can no longer be linked to you: your email address was the only link, and it has been deleted.`,
        )
      }
      const kept = labelsIn(parts, 'kept')
      if (kept.length > 0) {
        paragraphs.push(
          address
            ? `We have kept your ${listOf(kept)}, for the reasons at the end of this letter. With your email address deleted, ${kept.length === 1 ? 'it is' : 'they are'} no longer linked to you.`
            : `We have kept your ${listOf(kept)}, for the reasons at the end of this letter.`,
        )
      }
      break
    }
    case 'rectification':
      for (const p of done) {
        const on = p.state.state === 'done' ? p.state.on : null
        if (p.state.state === 'done' && p.state.how === 'supplemented') {
          paragraphs.push(
            `Your ${lowerFirst(p.label)}: we added your supplementary statement to our record of you${whenDone(on)}, so that it is read with the data.`,
          )
        } else if (p.state.state === 'done' && p.state.how === 'corrected') {
          paragraphs.push(`Your ${lowerFirst(p.label)}: we corrected it ${p.state.where}${whenDone(on)}.`)
        } else {
          // A correction recorded before the form named the data: the address, in the portal.
          paragraphs.push(`We corrected your email address in our records${whenDone(on)}.`)
        }
      }
      break
    case 'restriction':
      if (done.length > 0 && record?.restrictionSince) {
        paragraphs.push(
          `Since ${formatLongDate(record.restrictionSince)} we keep your data but do not use it${facts.restrictionGround ? ` (${facts.restrictionGround})` : ''}.${facts.restrictionReviewOn ? ` We will review this by ${formatLongDate(facts.restrictionReviewOn)}.` : ''} We will tell you before we lift the restriction.`,
        )
      }
      break
    case 'objection':
      if (done.length > 0) {
        paragraphs.push(
          `We have stopped ${lowerFirst((done[0] as RequestPart).label.replace(/\.$/, ''))}${whenDone(firstDone(parts))}, as you asked.`,
        )
      }
      break
    case 'withdraw_consent': {
      const consent = done.find((p) => p.key === 'consent')
      const data = done.filter((p) => p.key !== 'consent' && p.key !== 'erasure')
      const legacy = data.filter((p) => p.state.state === 'done' && p.state.how !== 'stopped')
      const stopped = data.flatMap((p) =>
        p.state.state === 'done' && p.state.how === 'stopped'
          ? [` We stopped using your ${lowerFirst(p.label)}${whenDone(p.state.on)}.`]
          : [],
      )
      if (consent && consent.state.state === 'done') {
        paragraphs.push(
          `We recorded that you withdrew your consent${whenDone(consent.state.on)}.${legacy.length > 0 ? ` From that day we no longer use your ${listOf(legacy.map((p) => p.label))}.` : ''}${stopped.join('')}`,
        )
      }
      const erasure = done.find((p) => p.key === 'erasure')
      if (erasure && erasure.state.state === 'done') {
        const what = listOf(data.map((p) => p.label)) || 'the data you gave with your consent'
        paragraphs.push(
          erasure.state.how === 'erased'
            ? `As consent was our only ground for using your ${what}, we also deleted it${whenDone(erasure.state.on)} (Article 17(1)(b)).`
            : `We considered whether to delete your ${what} as well (Article 17(1)(b)). We are keeping it, because: ${(erasure.state.note ?? '').trim()}`,
        )
      }
      break
    }
  }

  if (unlinkable.length > 0 && record && !record.erasedOn) {
    const separated =
      record.extractedOn && record.extractedOn <= input.generatedOn
        ? `anonymised on ${formatLongDate(record.extractedOn)}, when the survey data was extracted from the survey platform`
        : 'separated from your email address'
    const one = unlinkable.length === 1
    paragraphs.push(
      `Your ${listOf(unlinkable)} ${one ? 'was' : 'were'} ${separated}. ${one ? 'It' : 'They'} can no longer be linked to you, so ${one ? 'it is' : 'they are'} no longer personal data about you and this right does not apply to ${one ? 'it' : 'them'} (Article 11(2)).`,
    )
  }
  if (facts.recipients) paragraphs.push(facts.recipients)
  return paragraphs.join('\n\n')
}

/**
 * What the portal adds to the end of every completion letter that kept anything back or could not
 * reach some data: the grounds and reasons, and the right to complain and to a judicial remedy.
 * Null when the request was done in full.
 */
export function completionClosing(parts: RequestPart[], context: LetterContext): string | null {
  if (!needsChallengeRights(parts)) return null
  return [keptParagraph(parts), refusalRightsParagraph(context)].filter(Boolean).join('\n\n')
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
