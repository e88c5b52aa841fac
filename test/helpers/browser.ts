import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'

/** The Debian package's Chromium; .ci/run installs it when missing. */
export const CHROMIUM = '/usr/bin/chromium'
// The network is closed: without these, Chromium keeps trying to reach Google's services.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** Screenshots kept in the test output for a person to look at. */
export const SCREENSHOTS = join(process.cwd(), '.tap', 'screenshots')

/** Headless Chromium, closed when the test ends; the screenshot folder exists. */
export async function launchBrowser (t: { teardown: (fn: () => Promise<unknown>) => void }): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
  t.teardown(async () => { await browser.close() })
  mkdirSync(SCREENSHOTS, { recursive: true })
  return browser
}
