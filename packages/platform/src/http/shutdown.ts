/**
 * Process-wide shutdown state. closeOnSignals sets it the moment SIGTERM (or SIGINT) arrives, so
 * every HTTP service of the process fails `/ready` at once and asks clients to stop reusing
 * connections (`Connection: close`) while it keeps serving for the drain period; only then does
 * it stop listening. That is the order a rolling update needs: out of the load balancer first,
 * then finish what is in flight.
 */
let draining = false;

/** True once the process has been asked to stop. */
export function isDraining(): boolean {
  return draining;
}

/** Marks the process as stopping (closeOnSignals does; tests may too). */
export function startDraining(): void {
  draining = true;
}
