import { spawnSync } from 'node:child_process';

const ROOT = new URL('../..', import.meta.url).pathname;

/**
 * Renders `k8s/overlays/<overlay>` with `kubectl kustomize`. The k8s checks need kubectl (with its
 * built-in kustomize): without it they fail with this message rather than being skipped, because a
 * skipped check would let broken manifests pass unnoticed.
 */
export function kustomize(overlay: string): string {
  const result = spawnSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || (result.status !== 0 && /unknown command/i.test(result.stderr ?? ''))) {
    const why = result.error?.message ?? result.stderr.trim();
    throw new Error(
      `kubectl (with kustomize, kubectl 1.14 or later) is required to render and check the k8s manifests ` +
        `(k8s/overlays/${overlay}); install kubectl and put it on PATH. (${why})`,
    );
  }
  if (result.status !== 0) {
    throw new Error(`kubectl kustomize k8s/overlays/${overlay} failed:\n${result.stderr}`);
  }
  return result.stdout;
}
