import { resolve } from 'node:path';
import { DEV_INTERNAL_SECRET } from './auth/internalIdentity.js';
import { DEV_JWT_SECRET } from './auth/jwt.js';

/** Default ports, as in the original system. */
export const DEFAULT_PORTS = {
  order: 8081,
  store: 8082,
  delivery: 8083,
  payment: 8084,
  dashboard: 8085,
  router: 8088,
} as const;
export type ServiceName = keyof typeof DEFAULT_PORTS;
export type SubgraphName = Exclude<ServiceName, 'router'>;
export const SUBGRAPHS: SubgraphName[] = ['order', 'store', 'delivery', 'payment', 'dashboard'];

export interface ServiceConfig {
  name: ServiceName;
  /** PORT, else `<NAME>_PORT`, else the default port. */
  port: number;
  /** HOST; default 127.0.0.1 (0.0.0.0 in containers). */
  host: string;
  /** DATA_DIR; default `./data`. Each service keeps `<DATA_DIR>/<name>.db`. */
  dataDir: string;
  /** INTERNAL_SECRET: signs caller identity between router and subgraphs. */
  internalSecret: string;
  /** JWT_SECRET: verifies client tokens (router). */
  jwtSecret: string;
  /** KAFKA_BROKERS (comma-separated); unset selects the embedded event log. */
  kafkaBrokers: string[] | null;
  /** EVENTLOG_PATH; default `<DATA_DIR>/eventlog.db` (embedded bus only). */
  eventLogPath: string;
  /** `<NAME>_URL` of every subgraph, default http://127.0.0.1:<default port>. */
  urls: Record<ServiceName, string>;
  /**
   * `<NAME>_DATABASE_URL`, else DATABASE_URL (one service per process): a `postgres://…` URL puts
   * the service's store on PostgreSQL. Default null: SQLite at `<DATA_DIR>/<name>.db`.
   */
  databaseUrl: string | null;
}

/** A setting that keeps a service from starting; its message is one line naming the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function envInt(env: NodeJS.ProcessEnv, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0)
    throw new ConfigError(`${key} must be a non-negative integer, got "${raw}"`);
  return n;
}

/** Shortest secret accepted in production, in bytes (HS256 keys should be at least the hash size). */
export const MIN_SECRET_BYTES = 32;

/**
 * With NODE_ENV=production, refuses (ConfigError) a secret that is unset, empty, shorter than
 * {@link MIN_SECRET_BYTES} or equal to the committed development value. INTERNAL_SECRET is checked
 * for every service; JWT_SECRET must be set for the router (the only service verifying client
 * tokens) and, when a subgraph is given one anyway, it must be as strong. Outside production the
 * development defaults apply.
 */
export function checkProductionSecrets(name: ServiceName, env: NodeJS.ProcessEnv = process.env): void {
  if (env.NODE_ENV !== 'production') return;
  const check = (key: string, devValue: string, required: boolean) => {
    const value = env[key];
    if (value === undefined && !required) return;
    const problem =
      value === undefined
        ? 'is not set'
        : value === ''
          ? 'is empty'
          : value === devValue
            ? 'is the committed development value'
            : Buffer.byteLength(value, 'utf8') < MIN_SECRET_BYTES
              ? `is only ${Buffer.byteLength(value, 'utf8')} bytes`
              : null;
    if (problem) {
      throw new ConfigError(
        `${key} ${problem}: with NODE_ENV=production ${name} needs its own secret of at least ${MIN_SECRET_BYTES} bytes`,
      );
    }
  };
  check('JWT_SECRET', DEV_JWT_SECRET, name === 'router');
  check('INTERNAL_SECRET', DEV_INTERNAL_SECRET, true);
}

/** The shared settings of a service; throws ConfigError for bad values (see {@link checkProductionSecrets}). */
export function loadServiceConfig(name: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  checkProductionSecrets(name, env);
  const upper = name.toUpperCase();
  const dataDir = resolve(env.DATA_DIR ?? 'data');
  const urls = {} as Record<ServiceName, string>;
  for (const [svc, port] of Object.entries(DEFAULT_PORTS) as [ServiceName, number][]) {
    urls[svc] = env[`${svc.toUpperCase()}_URL`] ?? `http://127.0.0.1:${port}`;
  }
  const brokers = (env.KAFKA_BROKERS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    name,
    port: envInt(env, 'PORT', envInt(env, `${upper}_PORT`, DEFAULT_PORTS[name])),
    host: env.HOST ?? '127.0.0.1',
    dataDir,
    // Outside production an empty value means the default rather than an empty HMAC key.
    internalSecret: env.INTERNAL_SECRET || DEV_INTERNAL_SECRET,
    jwtSecret: env.JWT_SECRET || DEV_JWT_SECRET,
    kafkaBrokers: brokers.length ? brokers : null,
    eventLogPath: resolve(env.EVENTLOG_PATH ?? `${dataDir}/eventlog.db`),
    urls,
    databaseUrl: databaseUrlOf(name, env),
  };
}

function databaseUrlOf(name: ServiceName, env: NodeJS.ProcessEnv): string | null {
  if (name === 'router') return null;
  const key = env[`${name.toUpperCase()}_DATABASE_URL`]
    ? `${name.toUpperCase()}_DATABASE_URL`
    : 'DATABASE_URL';
  const url = env[key];
  if (!url) return null;
  if (!/^postgres(ql)?:\/\//.test(url))
    throw new ConfigError(`${key} must be a postgres:// URL, got "${url.split('@').pop()}"`);
  return url;
}
