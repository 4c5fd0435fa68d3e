import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const FIXTURE = fileURLToPath(new URL('./fixtures/logLines.ts', import.meta.url));

function run(env: Record<string, string>): string {
  const res = spawnSync(process.execPath, ['--import', 'tsx', FIXTURE], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'info', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(res.status, res.stderr).toBe(0);
  return res.stderr;
}

describe('logger (pino)', () => {
  it('writes one JSON object per line with service, level, time, and the request and order ids of the work in hand', () => {
    const lines = run({})
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.msg)).toEqual([
      'before any request',
      'request started',
      'order known',
      'after the request',
    ]);
    for (const l of lines) {
      expect(l.service).toBe('fixture');
      expect(Number.isNaN(Date.parse(String(l.t)))).toBe(false);
    }
    expect(lines.map((l) => l.level)).toEqual(['info', 'info', 'warn', 'error']);
    expect(lines[0]).not.toHaveProperty('requestId');
    expect(lines[1]).toMatchObject({ requestId: 'req-1', path: '/graphql' });
    expect(lines[1]).not.toHaveProperty('orderId');
    expect(lines[2]).toMatchObject({ requestId: 'req-1', orderId: 'order-1', step: 2 });
    expect(lines[2]).not.toHaveProperty('traceId');
    expect(lines[3]).not.toHaveProperty('requestId');
  });

  it('adds the trace id of the active span when tracing is on', () => {
    // An endpoint nobody listens on: spans are dropped, the ids are still real.
    const lines = run({
      WITH_TRACING: '1',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_TIMEOUT: '200',
    })
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const order = lines.find((l) => l.msg === 'order known');
    expect(order?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(lines.find((l) => l.msg === 'request started')).not.toHaveProperty('traceId');
  });

  it('prints human-readable lines with LOG_FORMAT=pretty', () => {
    const out = run({ LOG_FORMAT: 'pretty' });
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[fixture\] order known$/m);
    expect(out).toMatch(/orderId: "order-1"/);
    expect(out).not.toMatch(/^\{/m);
  });
});
