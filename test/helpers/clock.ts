/** A clock a test moves by hand (epoch seconds), for time-dependent logic without sleeps. */
export interface ControlledClock { now: () => number, advance: (seconds: number) => void }

export function controlledClock (start: number): ControlledClock {
  let current = start
  return { now: () => current, advance: (seconds) => { current += seconds } }
}
