// Errors the SDK raises. A verification failure carries the same `code` the gateway answers with for
// the same fault (e.g. TAMPERED_DISCLOSURE), so a partner can handle both alike; the gateway maps
// an SdkError to its own problem types. A refusal from the gateway's HTTP API is a ProblemError.

/**
 * Codes of faults only a webhook receiver detects in a delivery. The gateway never answers with
 * them, so they are not among its problem codes.
 */
export type WebhookErrorCode = 'WEBHOOK_SIGNATURE' | 'WEBHOOK_TIMESTAMP' | 'WEBHOOK_MALFORMED'

/** Codes of faults the SDK itself detects: a subset of the gateway's problem codes, and the webhook receiver's own. */
export type SdkErrorCode =
  | WebhookErrorCode
  | 'SD_JWT_MALFORMED'
  | 'TAMPERED_DISCLOSURE'
  | 'DUPLICATE_DIGEST'
  | 'DISCLOSURE_NAME_COLLISION'
  | 'SD_JWT_PROFILE'
  | 'WRONG_TOKEN_TYPE'
  | 'ALGORITHM_NOT_ALLOWED'
  | 'BAD_SIGNATURE'
  | 'INVALID_CLAIMS'
  | 'TOKEN_EXPIRED'
  | 'TOKEN_NOT_YET_VALID'
  | 'WRONG_AUDIENCE'
  | 'INVALID_HOLDER_KEY'
  | 'UNKNOWN_KEY'
  | 'KEY_RETIRED'
  | 'INVALID_KEY'

export interface FieldError {
  /** RFC 6901 JSON pointer (e.g. `/body/phones/0/salt`). */
  pointer: string
  detail: string
}

export class SdkError extends Error {
  constructor(
    readonly code: SdkErrorCode,
    message: string,
    readonly errors?: readonly FieldError[],
  ) {
    super(message)
    this.name = 'SdkError'
  }
}

export const isSdkError = (e: unknown): e is SdkError => e instanceof SdkError

// Factories: call sites say what happened; the messages are the gateway's.
export const errors = {
  sdJwtMalformed: (detail: string) => new SdkError('SD_JWT_MALFORMED', detail),
  tamperedDisclosure: (detail: string) => new SdkError('TAMPERED_DISCLOSURE', detail),
  duplicateDigest: (detail: string) => new SdkError('DUPLICATE_DIGEST', detail),
  disclosureNameCollision: (name: string, path: string) =>
    new SdkError('DISCLOSURE_NAME_COLLISION', `disclosure "${name}" collides with a clear claim at ${path || '/'}`),
  sdJwtProfile: (detail: string, fieldErrors?: FieldError[]) => new SdkError('SD_JWT_PROFILE', detail, fieldErrors),
  wrongType: (expected: string) => new SdkError('WRONG_TOKEN_TYPE', `the JWT header typ must be "${expected}"`),
  algorithmNotAllowed: (alg: unknown) => new SdkError('ALGORITHM_NOT_ALLOWED', `alg "${String(alg)}" is not accepted; use ES256 or EdDSA`),
  badSignature: () => new SdkError('BAD_SIGNATURE', 'signature verification failed'),
  invalidClaims: (detail: string) => new SdkError('INVALID_CLAIMS', detail),
  tokenExpired: (what = 'token') => new SdkError('TOKEN_EXPIRED', `the ${what} has expired`),
  tokenNotYetValid: (what = 'token') => new SdkError('TOKEN_NOT_YET_VALID', `the ${what} is not valid yet (iat/nbf in the future)`),
  wrongAudience: () => new SdkError('WRONG_AUDIENCE', 'aud does not name this gateway'),
  invalidHolderKey: () => new SdkError('INVALID_HOLDER_KEY', "cnf.jwk must be the gateway's key-binding key from /.well-known/jwks.json"),
  unknownKey: () => new SdkError('UNKNOWN_KEY', 'no registered key matches the token issuer and kid'),
  keyRetired: () => new SdkError('KEY_RETIRED', 'the signing key is retired and no longer accepted for new signatures'),
  invalidKey: (detail: string) => new SdkError('INVALID_KEY', detail),
  webhookSignature: (detail: string) => new SdkError('WEBHOOK_SIGNATURE', detail),
  webhookTimestamp: (tolerance: number) =>
    new SdkError('WEBHOOK_TIMESTAMP', `webhook-timestamp is more than ${tolerance} s from now (a replayed or delayed delivery)`),
  webhookMalformed: (detail: string) => new SdkError('WEBHOOK_MALFORMED', detail),
}
