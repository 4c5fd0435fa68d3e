import { createRequire } from 'node:module';
import pino, { type Logger as PinoLogger } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';
import { currentLogContext } from './telemetry/logContext.js';
import { activeTraceId } from './telemetry/tracing.js';

/**
 * The structured logger every process uses (pino). One JSON object per line on stderr:
 * `{"level":"info","t":"<ISO time>","service":"order","requestId":…,"orderId":…,"traceId":…,"msg":…}`
 * — the request id, order id and trace id of the request or event being handled are added to
 * every line written while handling it (see telemetry/logContext.ts), so one order can be followed
 * with a grep. LOG_LEVEL: debug | info | warn | error | silent (default info). LOG_FORMAT: `json`
 * (default) or `pretty` (coloured, human-readable: `npm start` sets it).
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
type Fields = Record<string, unknown>;

let service = process.env.SERVICE_NAME ?? 'baemin';
let instance: PinoLogger | null = null;
let levelSeen: string | undefined;

function levelFromEnv(): string {
  const lvl = process.env.LOG_LEVEL ?? 'info';
  return ['debug', 'info', 'warn', 'error', 'silent'].includes(lvl) ? lvl : 'info';
}

/** Request id, order id and trace id of whatever is being handled, on every line. */
function mixin(): Fields {
  const ctx = currentLogContext();
  const traceId = activeTraceId();
  if (!ctx && !traceId) return {};
  return { ...ctx, ...(traceId ? { traceId } : {}) };
}

function create(): PinoLogger {
  const options: pino.LoggerOptions = {
    level: levelFromEnv(),
    base: { service },
    messageKey: 'msg',
    timestamp: () => `,"t":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    mixin,
  };
  // Synchronous writes: a line logged just before process.exit (a failed start) is never lost.
  // pino-pretty is loaded only when asked for (development): production never loads it.
  const pretty = () => createRequire(import.meta.url)('pino-pretty') as (o: PrettyOptions) => PrettyStream;
  const stream =
    process.env.LOG_FORMAT === 'pretty'
      ? pretty()({
          destination: 2,
          sync: true,
          colorize: process.stderr.isTTY,
          timestampKey: 't',
          translateTime: 'SYS:HH:MM:ss.l',
          messageFormat: '[{service}] {msg}',
          ignore: 'service',
        })
      : pino.destination({ fd: 2, sync: true });
  return pino(options, stream);
}

function log(level: Level, msg: string, fields?: Fields): void {
  const lvl = process.env.LOG_LEVEL;
  if (!instance) {
    instance = create();
    levelSeen = lvl;
  } else if (lvl !== levelSeen) {
    // Tests lower or raise LOG_LEVEL after the first line; follow them.
    levelSeen = lvl;
    instance.level = levelFromEnv();
  }
  if (fields) instance[level](fields, msg);
  else instance[level](msg);
}

export const logger = {
  setService(name: string) {
    service = name;
    // Rebuilt on the next line with the new name (once per process, at start).
    instance = null;
  },
  debug: (msg: string, fields?: Fields) => log('debug', msg, fields),
  info: (msg: string, fields?: Fields) => log('info', msg, fields),
  warn: (msg: string, fields?: Fields) => log('warn', msg, fields),
  error: (msg: string, fields?: Fields) => log('error', msg, fields),
};
