/**
 * Minimal structured logger: one JSON object per line on stderr, so process supervisors and
 * log shippers can parse it. LOG_LEVEL: debug | info | warn | error | silent (default info).
 */
type Level = 'debug' | 'info' | 'warn' | 'error';
const order: Record<Level | 'silent', number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

let service = process.env.SERVICE_NAME ?? 'baemin';

function threshold(): number {
  const lvl = (process.env.LOG_LEVEL ?? 'info') as Level | 'silent';
  return order[lvl] ?? order.info;
}

function write(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (order[level] < threshold()) return;
  const line = JSON.stringify({ t: new Date().toISOString(), level, service, msg, ...fields });
  process.stderr.write(`${line}\n`);
}

export const logger = {
  setService(name: string) {
    service = name;
  },
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};
