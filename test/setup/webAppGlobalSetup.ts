import { ensureWebBuilt } from '../../scripts/buildWeb.js';

/** The router serves web/dist: build it before the e2e files when it is missing or stale. */
export default function setup(): void {
  ensureWebBuilt();
}
