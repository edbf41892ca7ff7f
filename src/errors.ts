// The one application error: a code from one union, built by small factories, mapped once to
// RFC 9457 problem+json (toProblem) and once to GraphQL extensions (toGraphQLExtensions).
import { isSdkError, type SdkErrorCode, type WebhookErrorCode } from '@icacn/sdk'

const CATALOGUE = {
  VALIDATION_FAILED: [400, 'Request validation failed'],
  INVALID_REQUEST: [400, 'Invalid request'],
  UNSUPPORTED_GRANT_TYPE: [400, 'Unsupported grant type'],
  INVALID_ROLE: [400, 'Unknown role requested'],
  INVALID_PURPOSE: [400, 'Invalid purpose'],
  INVALID_KEY: [400, 'Invalid key'],
  TOKEN_MISSING: [401, 'Bearer token missing'],
  TOKEN_MALFORMED: [401, 'Token malformed'],
  TOKEN_EXPIRED: [401, 'Token expired'],
  TOKEN_NOT_YET_VALID: [401, 'Token not yet valid'],
  TOKEN_LIFETIME_TOO_LONG: [401, 'Token lifetime too long'],
  WRONG_TOKEN_TYPE: [401, 'Wrong token type'],
  ALGORITHM_NOT_ALLOWED: [401, 'Signature algorithm not allowed'],
  BAD_SIGNATURE: [401, 'Bad signature'],
  UNKNOWN_KEY: [401, 'Unknown key'],
  KEY_RETIRED: [401, 'Key retired'],
  KEY_REVOKED: [401, 'Key revoked'],
  WRONG_AUDIENCE: [401, 'Wrong audience'],
  WRONG_ISSUER: [401, 'Wrong issuer'],
  INVALID_CLAIMS: [401, 'Invalid claims'],
  REPLAYED: [401, 'Replayed token'],
  MEMBER_SUSPENDED: [403, 'Member suspended'],
  MISSING_ROLE: [403, 'Missing role'],
  FORBIDDEN_MEMBER: [403, 'Acting outside own member'],
  NOT_FOUND: [404, 'Not found'],
  MEMBER_NOT_FOUND: [404, 'Member not found'],
  KEY_NOT_FOUND: [404, 'Key not found'],
  KEY_CONFLICT: [409, 'Key already registered'],
  KEY_STATE_CONFLICT: [409, 'Key state does not allow this'],
  LAST_ACTIVE_KEY: [409, 'Last active key'],
  PAYLOAD_TOO_LARGE: [413, 'Payload too large'],
  UNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported media type'],
  REQUEST_TIMEOUT: [408, 'Request timeout'],
  URI_TOO_LONG: [414, 'URI too long'],
  HEADERS_TOO_LARGE: [431, 'Request header fields too large'],
  QUERY_TOO_COMPLEX: [400, 'GraphQL query too complex'],
  SD_JWT_MALFORMED: [400, 'SD-JWT malformed'],
  TAMPERED_DISCLOSURE: [400, 'Tampered disclosure'],
  DUPLICATE_DIGEST: [400, 'Duplicate digest'],
  DISCLOSURE_NAME_COLLISION: [400, 'Disclosure name collides with a clear claim'],
  SD_JWT_PROFILE: [400, 'SD-JWT breaks the coalition profile'],
  INVALID_ENVELOPE: [400, 'Invalid record envelope'],
  UNKNOWN_RECORD_TYPE: [400, 'Unknown record type'],
  UNKNOWN_MARKING: [400, 'Unknown marking'],
  UNKNOWN_MEMBER: [400, 'Unknown member code'],
  SCHEMA_VIOLATION: [400, 'Record body violates its schema'],
  ZAWGYI_ENCODING: [400, 'Burmese text in Zawgyi encoding'],
  INVALID_SELECTOR: [400, 'Invalid selector'],
  INVALID_HOLDER_KEY: [400, 'Holder key is not the gateway key-binding key'],
  RECORD_TOO_LARGE: [413, 'Record too large'],
  RECORD_NOT_FOUND: [404, 'Record not found'],
  RECORD_CONFLICT: [409, 'Record id already used with different content'],
  RECORD_WITHDRAWN: [409, 'Record already withdrawn'],
  POLICY_INVALID: [422, 'Policy rejected'],
  POLICY_VERSION_NOT_FOUND: [404, 'Policy version not found'],
  PURPOSE_REQUIRED: [403, 'Purpose required'],
  ACCESS_REQUEST_NOT_FOUND: [404, 'Access request not found'],
  ACCESS_REQUEST_CLOSED: [409, 'Access request already closed'],
  NOTHING_TO_REQUEST: [409, 'Nothing to request'],
  LOOKUP_QUOTA_EXCEEDED: [429, 'Lookup quota exceeded'],
  PUBLISH_QUOTA_EXCEEDED: [429, 'Publish quota for new identifiers exceeded'],
  STREAM_LIMIT: [429, 'Too many open streams'],
  TOO_MANY_SELECTORS: [400, 'Too many identifiers in one record'],
  MATCH_NOT_FOUND: [404, 'Match not found'],
  MATCH_NOT_BLIND: [409, 'Match is not blind'],
  CONTACT_REQUEST_NOT_FOUND: [404, 'Contact request not found'],
  CONTACT_REQUEST_CLOSED: [409, 'Contact request already closed'],
  CONTACT_REQUEST_PENDING: [409, 'Contact request already pending'],
  NOT_READY: [503, 'Not ready'],
  INTERNAL: [500, 'Internal error'],
} as const satisfies Record<string, readonly [number, string]>

export type ErrorCode = keyof typeof CATALOGUE

export interface FieldError {
  /** RFC 6901 JSON pointer into the request (e.g. `/body/roles/0`). */
  pointer: string
  detail: string
}

export class AppError extends Error {
  readonly status: number
  readonly title: string
  constructor(
    readonly code: ErrorCode,
    detail?: string,
    readonly errors?: readonly FieldError[],
  ) {
    const [status, title] = CATALOGUE[code]
    super(detail ?? title)
    this.name = 'AppError'
    this.status = status
    this.title = title
  }
}

export const isAppError = (e: unknown): e is AppError => e instanceof AppError

// Every code the SDK raises is one of ours (a compile error here otherwise), so its faults keep
// their problem types when the gateway verifies with the SDK's code. A webhook receiver's codes
// are the exception: the gateway never answers with them.
const sdkCodesAreOurs: Exclude<SdkErrorCode, WebhookErrorCode> extends ErrorCode ? true : never = true
void sdkCodesAreOurs

const isOurs = (code: string): code is ErrorCode => Object.hasOwn(CATALOGUE, code)

/** At the boundary with the SDK: its verification faults become ours, with the same code and pointers. */
export function fromSdk(e: unknown): unknown {
  return isSdkError(e) && isOurs(e.code) ? new AppError(e.code, e.message, e.errors) : e
}

/** `urn:icacn:problem:token-expired` — a stable, non-dereferenceable problem type per code. */
export function problemType(code: ErrorCode): string {
  return `urn:icacn:problem:${code.toLowerCase().replace(/_/g, '-')}`
}

export interface Problem {
  type: string
  title: string
  status: number
  detail: string
  code: ErrorCode
  instance?: string
  errors?: FieldError[]
}

export function toProblem(err: AppError, instance?: string): Problem {
  const p: Problem = { type: problemType(err.code), title: err.title, status: err.status, detail: err.message, code: err.code }
  if (instance) p.instance = instance
  if (err.errors?.length) p.errors = [...err.errors]
  return p
}

export function toGraphQLExtensions(err: AppError): Record<string, unknown> {
  return { code: err.code, type: problemType(err.code), status: err.status, ...(err.errors ? { errors: err.errors } : {}) }
}

// Factories: call sites say what happened, not which status it maps to.
export const errors = {
  validation: (detail: string, fieldErrors?: FieldError[]) => new AppError('VALIDATION_FAILED', detail, fieldErrors),
  invalidRequest: (detail: string) => new AppError('INVALID_REQUEST', detail),
  unsupportedGrant: (grant: string) =>
    new AppError('UNSUPPORTED_GRANT_TYPE', `grant_type "${grant}" is not supported; use client_credentials`),
  invalidRole: (role: string) => new AppError('INVALID_ROLE', `role "${role}" is not one of analyst, coordinator, admin`),
  invalidPurpose: (detail: string) => new AppError('INVALID_PURPOSE', detail),
  invalidKey: (detail: string) => new AppError('INVALID_KEY', detail),
  tokenMissing: () => new AppError('TOKEN_MISSING', 'send Authorization: Bearer <access token>'),
  tokenMalformed: (what = 'token') => new AppError('TOKEN_MALFORMED', `the ${what} is not a well-formed JWS compact JWT`),
  tokenExpired: (what = 'token') => new AppError('TOKEN_EXPIRED', `the ${what} has expired`),
  tokenNotYetValid: (what = 'token') => new AppError('TOKEN_NOT_YET_VALID', `the ${what} is not valid yet (iat/nbf in the future)`),
  lifetimeTooLong: (what: string, max: number) =>
    new AppError('TOKEN_LIFETIME_TOO_LONG', `the ${what} must expire at most ${max} s after iat`),
  wrongType: (expected: string) => new AppError('WRONG_TOKEN_TYPE', `the JWT header typ must be "${expected}"`),
  algorithmNotAllowed: (alg: unknown) => new AppError('ALGORITHM_NOT_ALLOWED', `alg "${String(alg)}" is not accepted; use ES256 or EdDSA`),
  badSignature: () => new AppError('BAD_SIGNATURE', 'signature verification failed'),
  unknownKey: () => new AppError('UNKNOWN_KEY', 'no registered key matches the token issuer and kid'),
  keyRetired: () => new AppError('KEY_RETIRED', 'the signing key is retired and no longer accepted for new signatures'),
  keyRevoked: () => new AppError('KEY_REVOKED', 'the signing key has been revoked'),
  wrongAudience: () => new AppError('WRONG_AUDIENCE', 'aud does not name this gateway'),
  wrongIssuer: (detail: string) => new AppError('WRONG_ISSUER', detail),
  invalidClaims: (detail: string) => new AppError('INVALID_CLAIMS', detail),
  replayed: () => new AppError('REPLAYED', 'this jti has already been used'),
  memberSuspended: (code: string) => new AppError('MEMBER_SUSPENDED', `member ${code} is suspended`),
  missingRole: (role: string) => new AppError('MISSING_ROLE', `this action requires the ${role} role`),
  forbiddenMember: () => new AppError('FORBIDDEN_MEMBER', 'a member may act only within its own member'),
  notFound: (what = 'resource') => new AppError('NOT_FOUND', `${what} not found`),
  memberNotFound: (code: string) => new AppError('MEMBER_NOT_FOUND', `no member with code ${code}`),
  keyNotFound: (kid: string) => new AppError('KEY_NOT_FOUND', `no key ${kid} for this member`),
  keyConflict: (kid: string) => new AppError('KEY_CONFLICT', `key ${kid} is already registered`),
  keyStateConflict: (detail: string) => new AppError('KEY_STATE_CONFLICT', detail),
  lastActiveKey: () => new AppError('LAST_ACTIVE_KEY', 'cannot retire the last active key; register a new key first'),
  payloadTooLarge: (limit: number) => new AppError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit} bytes`),
  unsupportedMediaType: (given: string | undefined, accepted?: readonly string[]) =>
    new AppError(
      'UNSUPPORTED_MEDIA_TYPE',
      `${given === undefined ? 'the request content type' : `content type "${given.slice(0, 100)}"`} is not accepted${accepted ? `; send ${accepted.join(' or ')}` : ''}`,
    ),
  charsetNotAccepted: (charset: string) =>
    new AppError('UNSUPPORTED_MEDIA_TYPE', `charset "${charset.slice(0, 40)}" is not accepted: request bodies are UTF-8 (RFC 8259 §8.1)`),
  requestTimeout: () => new AppError('REQUEST_TIMEOUT', 'the request was not received in time'),
  uriTooLong: (detail: string) => new AppError('URI_TOO_LONG', detail),
  headersTooLarge: (limit: number) => new AppError('HEADERS_TOO_LARGE', `the request line and headers exceed ${limit} bytes`),
  queryTooComplex: (detail: string) => new AppError('QUERY_TOO_COMPLEX', detail),
  invalidEnvelope: (fieldErrors: FieldError[]) => new AppError('INVALID_ENVELOPE', 'the record envelope is invalid', fieldErrors),
  unknownRecordType: (type: string) => new AppError('UNKNOWN_RECORD_TYPE', `record type "${type}" is not known`),
  unknownMarking: (marking: string, pointer: string) =>
    new AppError('UNKNOWN_MARKING', `marking "${marking}" at ${pointer} is not a TLP 2.0 marking`),
  unknownMember: (code: string, pointer: string) => new AppError('UNKNOWN_MEMBER', `"${code}" at ${pointer} is not a member code`),
  schemaViolation: (fieldErrors: FieldError[]) =>
    new AppError('SCHEMA_VIOLATION', 'the record body does not match its type schema', fieldErrors),
  zawgyiEncoding: (pointer: string) =>
    new AppError(
      'ZAWGYI_ENCODING',
      `the Burmese text at ${pointer} is in the legacy Zawgyi encoding: convert the record to Unicode and sign it again (the gateway cannot convert a signed record without breaking its signature)`,
      [{ pointer, detail: 'Zawgyi-encoded Burmese; Unicode is required' }],
    ),
  invalidSelector: (fieldErrors: FieldError[]) =>
    new AppError('INVALID_SELECTOR', 'an identifier in the record is not valid (checksum, format or number plan)', fieldErrors),
  invalidHolderKey: () => new AppError('INVALID_HOLDER_KEY', "cnf.jwk must be the gateway's key-binding key from /.well-known/jwks.json"),
  recordTooLarge: (limit: number) => new AppError('RECORD_TOO_LARGE', `the record exceeds ${limit} bytes`),
  recordNotFound: () => new AppError('RECORD_NOT_FOUND', 'no such record'),
  recordWithdrawn: (id: string) => new AppError('RECORD_WITHDRAWN', `record ${id} is already withdrawn`),
  recordConflict: (id: string) =>
    new AppError('RECORD_CONFLICT', `record ${id} was already published with different content; publish a correction as a new version`),
  sdJwtProfile: (detail: string, fieldErrors?: FieldError[]) => new AppError('SD_JWT_PROFILE', detail, fieldErrors),
  policyInvalid: (problems: FieldError[]) => new AppError('POLICY_INVALID', 'the policy set cannot be accepted', problems),
  policyVersionNotFound: (version: number) => new AppError('POLICY_VERSION_NOT_FOUND', `no policy version ${version} of yours`),
  purposeRequired: () =>
    new AppError(
      'PURPOSE_REQUIRED',
      "the originator's policy releases part of this to a declared purpose only; ask for a token with a purpose (investigation, analysis, prosecution)",
    ),
  accessRequestNotFound: () => new AppError('ACCESS_REQUEST_NOT_FOUND', 'no such access request of yours'),
  accessRequestClosed: (status: string) => new AppError('ACCESS_REQUEST_CLOSED', `the access request is already ${status}`),
  nothingToRequest: (detail: string) => new AppError('NOTHING_TO_REQUEST', detail),
  matchNotFound: () => new AppError('MATCH_NOT_FOUND', 'no such match of yours'),
  matchNotBlind: () => new AppError('MATCH_NOT_BLIND', 'the other side of this match is already shown to you: contact it directly'),
  contactRequestNotFound: () => new AppError('CONTACT_REQUEST_NOT_FOUND', 'no such contact request of yours'),
  contactRequestClosed: (status: string) => new AppError('CONTACT_REQUEST_CLOSED', `the contact request is already ${status}`),
  contactRequestPending: () => new AppError('CONTACT_REQUEST_PENDING', 'you already have a pending contact request on this match'),
  publishQuotaExceeded: (limit: number) =>
    new AppError(
      'PUBLISH_QUOTA_EXCEEDED',
      `this member's records may carry ${limit} identifiers it did not hold before a day (UTC); this record would pass the limit and was not stored`,
    ),
  tooManySelectors: (count: number, limit: number) =>
    new AppError('TOO_MANY_SELECTORS', `the record carries ${count} hard identifiers; at most ${limit} are accepted in one record`),
  lookupQuotaExceeded: (limit: number) =>
    new AppError('LOOKUP_QUOTA_EXCEEDED', `this member's selector lookups are limited to ${limit} a day (UTC); the limit is reached`),
  streamLimit: (limit: number) =>
    new AppError('STREAM_LIMIT', `this member may hold ${limit} event streams open on this gateway instance at once; close one first`),
  notReady: (detail: string) => new AppError('NOT_READY', detail),
  internal: () => new AppError('INTERNAL', 'an internal error occurred'),
}
