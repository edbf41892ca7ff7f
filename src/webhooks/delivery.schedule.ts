// When a failed delivery is tried again: exponential back-off with jitter, about 5 s, 5 min, 30 min,
// 2 h, 5 h, 10 h, 10 h, then it is dead-lettered; an endpoint failing for 5 days is disabled. Pure.

/** Seconds before each retry; attempt n+1 waits RETRY_DELAYS_S[n-1]. */
export const RETRY_DELAYS_S = [5, 300, 1800, 7200, 18_000, 36_000, 36_000] as const
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1
/** An endpoint that has failed every attempt for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * 24 * 3600 * 1000
/** ±20%: receivers that failed together are not all retried in the same second. */
const JITTER = 0.2

/** The time of the next try after `attemptsMade` failed ones, or null: dead-letter it. */
export function nextAttemptAt(attemptsMade: number, now: Date, random: () => number = Math.random): Date | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1 || attemptsMade >= MAX_ATTEMPTS) return null
  const base = RETRY_DELAYS_S[attemptsMade - 1]! * 1000
  const factor = 1 - JITTER + 2 * JITTER * Math.min(Math.max(random(), 0), 1)
  return new Date(now.getTime() + Math.round(base * factor))
}

/** Whether an endpoint failing since `failingSince` is now to be disabled. */
export const failingTooLong = (failingSince: Date | null, now: Date): boolean =>
  failingSince !== null && now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS
