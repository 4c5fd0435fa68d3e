import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { TestSystem, type TestSystemOptions } from './TestSystem.js';

/** Debian's chromium (`apt-get install -y chromium`); never a downloaded browser. CHROMIUM_PATH overrides. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Whether the browser file `file` runs: E2E_BROWSER=0 skips it (loudly), e.g. on a machine
 * without chromium; without that switch a missing chromium fails the file (CI installs it).
 */
export function browserTestsEnabled(file: string): boolean {
  if (process.env.E2E_BROWSER === '0') {
    console.warn(`\n*** E2E_BROWSER=0: the browser tests (${file}) are NOT run ***\n`);
    return false;
  }
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH, or E2E_BROWSER=0)`,
    );
  }
  return true;
}

/** Headless chromium as every browser test runs it: no sandbox, no GPU, no network of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** The whole system and one headless chromium, for a browser test file. */
export interface BrowserSystem {
  sys: TestSystem;
  browser: Browser;
  /** The router's address: the web app, /graphql and the WebSocket. */
  base: string;
  /** Closes the browser, then the system. */
  close(): Promise<void>;
}

/** Starts the whole system ({@link TestSystem}) and {@link launchChromium} for one test file. */
export async function startBrowserSystem(options: TestSystemOptions = {}): Promise<BrowserSystem> {
  const sys = await TestSystem.start(options);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await sys.close();
    throw err;
  }
  return {
    sys,
    browser,
    base: `http://127.0.0.1:${sys.ports.router}`,
    close: async () => {
      await browser.close();
      await sys.close();
    },
  };
}
