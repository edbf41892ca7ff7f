// Time as a dependency: services take `now` from an injected clock so tests can move time.
export type Clock = () => Date
export const systemClock: Clock = () => new Date()
