// The SDK a partner agency's systems import: keys, authentication, signed records and their offline
// verification, webhook verification, the normalisers the gateway indexes with, and a typed HTTP
// client for the gateway.
export { generateMemberKey, loadMemberKey, type MemberKeyPair, writeMemberKey } from './keys.js'
export {
  createTokenSource,
  fetchAccessToken,
  signClientAssertion,
  type ClientAssertionInput,
  type TokenSource,
  type TokenSourceOptions,
} from './client-assertion.js'
export { signKeyRegistration, signRecordWithdrawal, type MemberSigner } from './member-requests.js'
export { createGatewayClient, type GatewayClient, type GatewayClientOptions } from './client.js'
export { ProblemError, type Problem } from './problem.js'
export { errors as sdkErrors, isSdkError, SdkError, type SdkErrorCode, type WebhookErrorCode, type FieldError } from './errors.js'
export {
  issueRecord,
  verifyPresentation,
  type IssueOptions,
  type Trust,
  type VerifiedRecord,
  type VerifyPresentationOptions,
} from './records.js'
export { verifyWebhook, type VerifiedWebhook, type VerifyWebhookOptions, type WebhookEvent, type WebhookHeaders } from './webhooks.js'
export {
  envelopeClaims,
  RECORD_TYP,
  wrapBody,
  type FieldMarking,
  type RecordEnvelope,
  type RecordInput,
  type WrappedField,
} from './record.model.js'
export { loadRecordFrames, readRecordTypeSchemas, recordFramesFrom, type RecordFrames, type RecordTypeSchema } from './record-frame.js'
export { isMarking, type Marking, MARKINGS } from './markings.js'
export { uuidv7 } from './record-id.js'
export { CLOCK_TOLERANCE_S, JWT_TYP } from './jwt-types.js'
export * from './normalise/index.js'
export type { components, paths } from './contract.gen.js'
