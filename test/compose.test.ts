import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
// Not a direct dependency: yaml 2.x is installed through vite and @graphql-codegen/cli.
import { parse } from 'yaml';
import { DEFAULT_PORTS, SUBGRAPHS, type ServiceName } from '../packages/platform/src/config.js';
import { BUILD_ENTRIES, SERVICE_V8_FLAGS } from '../scripts/build.js';
import { PROCESSES } from '../scripts/processes.js';

/**
 * docker-compose.yml against the Compose Specification's JSON schema (test/fixtures/compose-spec.json,
 * vendored; see test/fixtures/README.md) and against the code it runs: process names, ports, the
 * environment variables the code reads, health checks, dependencies and volumes.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const SERVICES: ServiceName[] = [...SUBGRAPHS, 'router'];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string; interval?: string; start_period?: string };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
  read_only?: boolean;
  user?: string;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
}

// Merge keys (<<: *app) are YAML 1.1, which Compose supports; the schema sees the merged services.
const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;

function composeValidator() {
  const schema = JSON.parse(read('test/fixtures/compose-spec.json')) as Record<string, unknown>;
  // The file names its draft-07 meta-schema by an https URL Ajv does not know; Ajv's default is draft-07.
  delete schema.$schema;
  const ajv = new Ajv({ allErrors: true, strict: false });
  return ajv.compile(schema);
}

/** Every environment variable name the services read (process.env / env.X / envInt(env, 'X')). */
function variablesTheCodeReads(): Set<string> {
  const names = new Set<string>();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (name === 'generated' || name === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.ts')) files.push(path);
    }
  };
  walk(join(ROOT, 'packages/platform/src'));
  walk(join(ROOT, 'router/src'));
  for (const s of SUBGRAPHS) walk(join(ROOT, 'subgraphs', s, 'src'));
  for (const file of files) {
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(/\benv\.([A-Z][A-Z0-9_]+)/g)) names.add(m[1]!);
    for (const m of code.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]+)['"]\]/g)) names.add(m[1]!);
    for (const m of code.matchAll(/\benv\w*\(\s*env,\s*['"]([A-Z][A-Z0-9_]+)['"]/g)) names.add(m[1]!);
  }
  // loadServiceConfig reads `${NAME}_URL` and `${NAME}_PORT` for every service.
  for (const svc of SERVICES) {
    names.add(`${svc.toUpperCase()}_URL`);
    names.add(`${svc.toUpperCase()}_PORT`);
  }
  // Read by Node itself: the router's V8 flags (scripts/build.ts SERVICE_V8_FLAGS).
  names.add('NODE_OPTIONS');
  return names;
}

const seconds = (duration: string) => {
  const m = /^(\d+)(ms|s|m)$/.exec(duration);
  if (!m) throw new Error(`unexpected duration ${duration}`);
  return Number(m[1]) * (m[2] === 'ms' ? 0.001 : m[2] === 'm' ? 60 : 1);
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    const validate = composeValidator();
    const valid = validate(compose);
    expect(validate.errors ?? [], JSON.stringify(validate.errors, null, 2)).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema check can fail: a misspelt key or a wrong condition is rejected', () => {
    const validate = composeValidator();
    const mutate = (change: (c: ComposeFile) => void) => {
      const copy = structuredClone(compose);
      change(copy);
      return validate(copy);
    };
    expect(mutate(() => {})).toBe(true);
    expect(mutate((c) => Object.assign(c.services.order!, { depends_om: {} }))).toBe(false);
    expect(mutate((c) => (c.services.router!.depends_on!.order!.condition = 'service_happy'))).toBe(false);
    expect(mutate((c) => Object.assign(c.services.order!, { healthcheck: { test: 42 } }))).toBe(false);
  });

  it('has Kafka (KRaft, one node), kafka-ui on 9500 and the six processes', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['kafka', 'kafka-ui', 'prometheus', 'grafana', 'jaeger', ...SERVICES].sort(),
    );
    const kafka = compose.services.kafka!;
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\./);
    const env = kafka.environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(env.KAFKA_ZOOKEEPER_CONNECT).toBeUndefined();
    expect(String(env.KAFKA_ADVERTISED_LISTENERS).split(',').sort()).toEqual([
      'HOST://localhost:29092',
      'INTERNAL://kafka:9092',
    ]);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(kafka.ports).toContain('127.0.0.1:29092:29092');
    expect(kafka.healthcheck?.test.toString()).toContain('--bootstrap-server localhost:9092');

    const ui = compose.services['kafka-ui']!;
    expect(ui.image).toMatch(/^(provectuslabs|ghcr\.io\/kafbat)\/kafka-ui:v[\d.]+$/);
    expect(ui.ports).toEqual(['127.0.0.1:9500:8080']);
    // The address the services use, which Kafka advertises on its INTERNAL listener.
    expect(ui.environment?.KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS).toBe(
      compose.services.order!.environment?.KAFKA_BROKERS,
    );
    expect(ui.depends_on).toEqual({ kafka: { condition: 'service_healthy' } });
    expect(ui.healthcheck?.test.toString()).toContain('http://127.0.0.1:8080/actuator/health');
  });

  for (const svc of SERVICES) {
    it(`${svc}: one image, its process, port, Kafka, health check and dependencies`, () => {
      const s = compose.services[svc]!;
      expect(s.build).toBe('.');
      expect(s.image).toBe('baemin/app:dev');
      // The image's entry point is node dist/main.js; the argument is a process it knows.
      expect(s.command).toEqual([svc]);
      expect(PROCESSES[svc]).toBeDefined();
      const env = s.environment ?? {};
      expect(env.PORT).toBe(String(DEFAULT_PORTS[svc]));
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.KAFKA_BROKERS).toBe('kafka:9092');
      for (const sub of SUBGRAPHS) {
        expect(env[`${sub.toUpperCase()}_URL`]).toBe(`http://${sub}:${DEFAULT_PORTS[sub]}`);
      }
      // No value: from the shell if set there, else the services' development default.
      expect(env).toHaveProperty('JWT_SECRET', null);
      expect(env).toHaveProperty('INTERNAL_SECRET', null);
      // The image's own check (scripts/healthcheck.ts: GET /ready on PORT), which the build emits.
      expect(s.healthcheck?.test).toEqual(['CMD', 'node', 'dist/healthcheck.js']);
      expect(Object.values(BUILD_ENTRIES)).toContain('dist/healthcheck.js');
      const needs = svc === 'router' ? [...SUBGRAPHS] : ['kafka'];
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(needs.sort());
      for (const dep of Object.values(s.depends_on ?? {})) expect(dep.condition).toBe('service_healthy');
      // Stops within the drain period + 10 s (closeOnSignals) before Compose kills it.
      const drain = Number(env.SHUTDOWN_DRAIN_MS ?? 0) / 1000;
      expect(seconds(s.stop_grace_period ?? '10s')).toBeGreaterThan(drain + 10);
      expect(s.read_only).toBe(true);
    });
  }

  it('sets only environment variables the code reads', () => {
    const known = variablesTheCodeReads();
    // Sanity: the scan finds what config.ts and the router read.
    for (const name of ['PORT', 'HOST', 'DATA_DIR', 'KAFKA_BROKERS', 'JWT_SECRET', 'ROUTER_INTROSPECTION'])
      expect(known).toContain(name);
    for (const svc of SERVICES) {
      for (const name of Object.keys(compose.services[svc]!.environment ?? {})) {
        expect(known, `${svc}: ${name} is read by no code`).toContain(name);
      }
    }
  });

  it('router: NODE_OPTIONS gives it the V8 flags `npm start` gives it, and keeps source maps', () => {
    const options = String(compose.services.router!.environment?.NODE_OPTIONS ?? '').split(/\s+/);
    const flags = SERVICE_V8_FLAGS['router/src/index.ts'] ?? [];
    expect(flags.length).toBeGreaterThan(0);
    expect(options.sort()).toEqual(['--enable-source-maps', ...flags].sort());
  });

  it('subgraphs keep their SQLite files in a named volume at DATA_DIR; the router is published on 8088', () => {
    for (const svc of SUBGRAPHS) {
      const s = compose.services[svc]!;
      expect(s.environment?.DATA_DIR).toBe('/data');
      expect(s.volumes).toEqual([`${svc}-data:/data`]);
      expect(compose.volumes).toHaveProperty(`${svc}-data`);
    }
    expect(compose.services.kafka!.volumes).toEqual(['kafka-data:/var/lib/kafka/data']);
    const router = compose.services.router!;
    expect(router.volumes).toBeUndefined();
    expect(router.ports).toEqual([`127.0.0.1:${DEFAULT_PORTS.router}:${DEFAULT_PORTS.router}`]);
    // Apollo Sandbox needs a non-production router.
    expect(router.environment?.NODE_ENV).toBe('development');
    expect(router.environment?.ROUTER_INTROSPECTION).toBe('true');
  });

  it('Prometheus scrapes every process on METRICS_PORT; Grafana gets the k8s dashboard and both data sources', () => {
    const mounted = (svc: string) =>
      (compose.services[svc]!.volumes ?? []).filter((v) => v.startsWith('./')).map((v) => v.split(':'));
    for (const [host] of [...mounted('prometheus'), ...mounted('grafana')]) {
      expect(statSync(join(ROOT, host!)).isFile(), host).toBe(true);
    }
    const [promConfig] = mounted('prometheus').find(
      ([, inside]) => inside === '/etc/prometheus/prometheus.yml',
    )!;
    const prom = parse(read(promConfig!)) as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = prom.scrape_configs.flatMap((c) => c.static_configs.flatMap((t) => t.targets));
    for (const svc of SERVICES) {
      expect(compose.services[svc]!.environment?.METRICS_PORT).toBe('9464');
      expect(targets).toContain(`${svc}:9464`);
    }
    const dashboard = mounted('grafana').find(([host]) => host!.endsWith('grafana-dashboard.json'));
    expect(dashboard?.[0]).toBe('./k8s/components/observability/grafana-dashboard.json');
    const provisioned = mounted('grafana').find(([, inside]) => inside!.includes('provisioning/dashboards'))!;
    const provider = parse(read(provisioned[0]!)) as { providers: { options: { path: string } }[] };
    expect(dashboard?.[1]?.startsWith(`${provider.providers[0]!.options.path}/`)).toBe(true);
  });
});
