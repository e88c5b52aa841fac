/**
 * Asks again until the answer satisfies `done`, for facts that hold after a propagation window;
 * bounded in count and time. Returns the last answer, so the caller asserts on it.
 */
export async function eventually<T> (ask: () => Promise<T>, done: (answer: T) => boolean, { attempts = 100, intervalMs = 20 } = {}): Promise<T> {
  let answer = await ask()
  for (let attempt = 1; attempt < attempts && !done(answer); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs))
    answer = await ask()
  }
  return answer
}
