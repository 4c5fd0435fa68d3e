/**
 * The image's HEALTHCHECK (compiled to dist/healthcheck.js): exits 0 when the process in this
 * container answers `GET /ready` with 200, else 1. It asks 127.0.0.1 on PORT when set (compose and
 * Kubernetes set it), else on every default port, since the container runs one process and the
 * check does not know which. Each request gives up after HEALTHCHECK_TIMEOUT_MS (default 2000).
 */
import { DEFAULT_PORTS, envInt } from '../packages/platform/src/config.js';

export async function isReady(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const timeoutMs = envInt(env, 'HEALTHCHECK_TIMEOUT_MS', 2000);
  const ports = env.PORT ? [envInt(env, 'PORT', 0)] : Object.values(DEFAULT_PORTS);
  const answers = await Promise.all(
    ports.map((port) =>
      fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(timeoutMs) }).then(
        (res) => res.status === 200,
        () => false,
      ),
    ),
  );
  return answers.some(Boolean);
}

process.exit((await isReady()) ? 0 : 1);
