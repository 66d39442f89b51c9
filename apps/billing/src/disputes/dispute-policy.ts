/** Seconds in a day. */
const daySeconds = 86_400;

/** Disputes that block new checkouts: more than this many… */
export const disputesBeforeBlockMax = 3;
/** …opened within this window (seed 002: "more than 3 disputes in 6 months"), seconds. */
export const disputeWindowSeconds = 183 * daySeconds;
