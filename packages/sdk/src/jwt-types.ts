// Every JWT kind the gateway signs or accepts has its own header `typ` (RFC 8725 §3.11), checked on
// every verification so that one kind can never be presented as another.
export const JWT_TYP = {
  clientAssertion: 'client-authentication+jwt',
  accessToken: 'at+jwt',
  keyRegistration: 'key-registration+jwt',
  recordWithdrawal: 'record-withdrawal+jwt',
  /** Gateway receipts for published records. */
  receipt: 'icacn-receipt+jwt',
  /** SD-JWT key-binding JWT (RFC 9901 §4.3). */
  keyBinding: 'kb+jwt',
} as const

/** Seconds of clock skew tolerated between the gateway, members and verifiers. */
export const CLOCK_TOLERANCE_S = 30
