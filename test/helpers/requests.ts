import { normaliseEmail } from '../../src/domain/email-address.js'
import type { RequestDetails, RequestType } from '../../src/domain/request-types.js'
import type { TestContext } from './context.js'
import { requestRow } from './request-rows.js'

/** Files a request through the service and confirms it with the emailed link, at the context's time. */
export async function fileConfirmedRequest(
  ctx: TestContext,
  input: { type?: RequestType; email: string; details?: RequestDetails },
): Promise<{ requestId: string; statusToken: string }> {
  const type = input.type ?? 'access'
  const study = (await ctx.services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  const { requestId } = await ctx.services.intake.submit({
    study,
    type,
    details: input.details ?? ({ type } as RequestDetails),
    email: input.email,
    name: null,
  })
  const mail = await ctx.services
    .db<{ request_id: string; kind: string; text_body: string }>('outbox')
    .where({ request_id: requestId, kind: 'confirm-request' })
    .first()
  const token = /\/confirm\/([A-Za-z0-9_-]{43})/.exec(mail?.text_body ?? '')?.[1]
  if (!token) throw new Error('No confirmation link')
  const { statusToken } = await ctx.services.intake.confirm(token)
  return { requestId, statusToken }
}

/**
 * A second open request of the same type from the same address, stored as if the portal had not
 * matched it to the other at confirmation (as when a closed request is reopened): the kind staff
 * close as a duplicate. Returns its id.
 */
export async function insertOpenRequest(
  ctx: TestContext,
  input: { type?: RequestType; email: string; reference: string; receivedAt?: string },
): Promise<string> {
  const study = (await ctx.services.studies.listAccepting())[0]
  if (!study) throw new Error('No study')
  const row = requestRow(study.id, {
    type: input.type ?? 'access',
    reference: input.reference,
    receivedAt: input.receivedAt ?? ctx.now().toISOString(),
    email: input.email,
  })
  await ctx.services.db('rights_requests').insert({
    ...row,
    email_hmac: ctx.services.emailKey(normaliseEmail(input.email)),
  })
  return row.id
}
