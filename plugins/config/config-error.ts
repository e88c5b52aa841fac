/** A configuration problem found at start-up; the message names the variable and the bad value. */
export class ConfigError extends Error {
  constructor (readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`)
    this.name = 'ConfigError'
  }
}
