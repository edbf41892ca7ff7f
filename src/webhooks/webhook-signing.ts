// Standard Webhooks signing: the gateway's secrets ("whsec_" + 32 random bytes) and the three headers
// of one send, signed by the reference implementation (standardwebhooks) with every current secret.
import { randomBytes } from 'node:crypto'
import { Webhook } from 'standardwebhooks'

/** A new signing secret, in the form every Standard Webhooks library accepts. */
export const generateSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`

/** webhook-id for one delivery: the same on every retry and replay of it. */
export const messageId = (deliveryId: string): string => `msg_${deliveryId.replaceAll('-', '')}`

/**
 * The headers of one send of `body`. During a rotation both secrets sign (space-separated
 * signatures, as the spec allows), so a receiver holding either one verifies it.
 */
export function signedHeaders(secrets: readonly string[], id: string, at: Date, body: string): Record<string, string> {
  if (secrets.length === 0) throw new Error('no signing secret')
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': secrets.map((s) => new Webhook(s).sign(id, at, body)).join(' '),
  }
}
