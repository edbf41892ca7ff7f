// The SDK a partner agency's systems import: authentication now; record issuance and verification follow.
export { fetchAccessToken, signClientAssertion, type ClientAssertionInput } from './client-assertion.js'
