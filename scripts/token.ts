/**
 * Prints a client JWT for local development and demos:
 *   npm run token -- --role customer --sub alice [--name Alice] [--ttl 3600]
 * Signed with JWT_SECRET, else the development default the router also falls back to, and with
 * `iss`/`aud` from JWT_ISSUER/JWT_AUDIENCE when set (the router checks them when it has them).
 */
import { parseArgs } from 'node:util';
import { DEV_JWT_SECRET, signJwt } from '../packages/platform/src/auth/jwt.js';
import { isMain, UsageError } from './cli.js';

export { isMain, UsageError };

export const TOKEN_ROLES = ['customer', 'owner', 'rider', 'admin'] as const;
export type TokenRole = (typeof TOKEN_ROLES)[number];

export interface TokenOptions {
  role: TokenRole;
  sub: string;
  name?: string;
  /** Lifetime in seconds; default 12 hours. */
  ttlSeconds?: number;
  /** Default JWT_SECRET, else the development secret. */
  secret?: string;
}

export function makeToken({ role, sub, name, ttlSeconds = 12 * 3600, secret }: TokenOptions): string {
  return signJwt(
    { sub, role, ...(name ? { name } : {}) },
    secret ?? (process.env.JWT_SECRET || DEV_JWT_SECRET),
    ttlSeconds,
    { issuer: process.env.JWT_ISSUER || undefined, audience: process.env.JWT_AUDIENCE || undefined },
  );
}

export const USAGE = `usage: npm run token -- --role customer|owner|rider|admin --sub <id> [--name <name>] [--ttl <seconds>]
  e.g. npm run token -- --role customer --sub alice`;

/** Parses CLI arguments into token options; throws UsageError with the reason when they are wrong. */
export function parseTokenArgs(argv: string[]): TokenOptions {
  let values: { role?: string; sub?: string; name?: string; ttl?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        name: { type: 'string' },
        ttl: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) throw new UsageError('');
  const role = values.role;
  if (!role || !(TOKEN_ROLES as readonly string[]).includes(role)) {
    throw new UsageError(`--role must be one of ${TOKEN_ROLES.join(', ')}`);
  }
  const sub = values.sub?.trim();
  if (!sub || sub.length > 128) throw new UsageError('--sub is required (1 to 128 characters)');
  let ttlSeconds: number | undefined;
  if (values.ttl !== undefined) {
    ttlSeconds = Number(values.ttl);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new UsageError('--ttl must be a positive integer');
  }
  return { role: role as TokenRole, sub, ...(values.name ? { name: values.name } : {}), ttlSeconds };
}

if (isMain(import.meta.url)) {
  try {
    console.log(makeToken(parseTokenArgs(process.argv.slice(2))));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (err.message) console.error(`token: ${err.message}`);
    console.error(USAGE);
    process.exit(2);
  }
}
