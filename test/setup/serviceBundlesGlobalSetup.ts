import { ensureServiceBundles } from '../../scripts/build.js';

/**
 * The e2e harness runs the services' esbuild bundles, as production does: build them once before
 * the e2e files when missing or older than a source. E2E_RUNTIME=tsx (the TypeScript sources)
 * needs none.
 */
export default async function setup(): Promise<void> {
  if (process.env.E2E_RUNTIME === 'tsx') return;
  const started = Date.now();
  if (await ensureServiceBundles()) console.log(`built the service bundles in ${Date.now() - started} ms`);
}
