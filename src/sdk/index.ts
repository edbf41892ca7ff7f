// The SDK a partner agency's systems import: authenticate, issue records, verify what the gateway released.
export { fetchAccessToken, signClientAssertion, type ClientAssertionInput } from './client-assertion.js'
export { issueRecord, verifyPresentation, type IssueOptions, type Trust, type VerifiedRecord, type VerifyPresentationOptions } from './records.js'
export type { RecordInput, FieldMarking } from '../records/record.model.js'
export { uuidv7 } from '../records/record-id.js'
