import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, createServer as createNetServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// Not a direct dependency: yaml 2.x is installed through vite and @graphql-codegen/cli.
import { parse, parseAllDocuments } from 'yaml';
import { DEV_INTERNAL_SECRET } from '../packages/platform/src/auth/internalIdentity.js';
import { DEV_JWT_SECRET } from '../packages/platform/src/auth/jwt.js';
import { dlqTopic } from '../packages/platform/src/bus/EventBus.js';
import { DEFAULT_PORTS, SUBGRAPHS, type ServiceName } from '../packages/platform/src/config.js';
import { ALL_TOPICS } from '../packages/platform/src/events/catalog.js';

/**
 * The deployment files (Dockerfile, docker-compose.yml, k8s/) checked against the code they run:
 * entry points, ports, health endpoints, settings, the event catalogue. Nothing here builds an
 * image or talks to a cluster; the k8s part renders each overlay with `kubectl kustomize`.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const SERVICES: ServiceName[] = [...SUBGRAPHS, 'router'];
const entryPoint = (svc: ServiceName) =>
  svc === 'router' ? 'router/src/index.ts' : `subgraphs/${svc}/src/index.ts`;
const command = (svc: ServiceName) => ['node', '--import', 'tsx', entryPoint(svc)];
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
/** What KafkaEventBus.ensureTopics sets for a replication factor. */
const minInsyncReplicas = (replicationFactor: number) => Math.max(1, replicationFactor - 1);

// ---- the parts of Kubernetes objects these checks read

interface Metadata {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}
interface KeyRef {
  name: string;
  key: string;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: KeyRef; configMapKeyRef?: KeyRef } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: {
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { drop?: string[]; add?: string[] };
    seccompProfile?: { type: string };
  };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  serviceAccountName?: string;
  automountServiceAccountToken?: boolean;
  enableServiceLinks?: boolean;
  securityContext?: {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    fsGroup?: number;
    seccompProfile?: { type: string };
  };
  containers: Container[];
  initContainers?: Container[];
  volumes?: { name: string; persistentVolumeClaim?: { claimName: string }; emptyDir?: object }[];
}
interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: Metadata;
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: each check reads the spec of its own kind
  spec?: any;
}
interface DeploymentSpec {
  replicas?: number;
  strategy?: { type: string; rollingUpdate?: { maxUnavailable?: number | string } };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: Metadata; spec: PodSpec };
}

// ---- rendering

const HAS_KUBECTL = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
if (!HAS_KUBECTL) console.warn('\n*** kubectl is not on PATH: the k8s overlays are NOT checked ***\n');

const OVERLAYS = [
  {
    name: 'dev',
    namespace: 'baemin-dev',
    image: 'baemin/app:dev',
    kafkaNodes: 1,
    replicationFactor: 1,
    nodeEnv: 'development',
    introspection: 'true',
    secretGenerated: true,
  },
  {
    name: 'production',
    namespace: 'baemin',
    image: 'baemin/app:0.1.0',
    kafkaNodes: 3,
    replicationFactor: 3,
    nodeEnv: 'production',
    introspection: undefined,
    secretGenerated: false,
  },
] as const;

const renders = new Map<string, K8sObject[]>();
function render(overlay: string): K8sObject[] {
  let objects = renders.get(overlay);
  if (!objects) {
    const yaml = execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    objects = parseAllDocuments(yaml).map((doc) => {
      if (doc.errors.length) throw doc.errors[0];
      return doc.toJS() as K8sObject;
    });
    renders.set(overlay, objects);
  }
  return objects;
}

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
function find(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered overlay`);
  return found;
}
const deployment = (objects: K8sObject[], svc: ServiceName) =>
  find(objects, 'Deployment', svc).spec as DeploymentSpec;
const mainContainer = (spec: DeploymentSpec) => {
  expect(spec.template.spec.containers).toHaveLength(1);
  return spec.template.spec.containers[0]!;
};
const allContainers = (pod: PodSpec) => [...(pod.initContainers ?? []), ...pod.containers];

/** The container's environment as the process sees it; secret values as `secret:<name>/<key>`. */
function effectiveEnv(objects: K8sObject[], c: Container): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, find(objects, 'ConfigMap', from.configMapRef.name).data);
  }
  for (const e of c.env ?? []) {
    const secret = e.valueFrom?.secretKeyRef;
    const config = e.valueFrom?.configMapKeyRef;
    if (e.value !== undefined) env[e.name] = e.value;
    else if (secret) env[e.name] = `secret:${secret.name}/${secret.key}`;
    else if (config) env[e.name] = find(objects, 'ConfigMap', config.name).data?.[config.key] ?? '';
  }
  return env;
}

/** A named or numbered container port, as the number. */
function portNumber(c: Container, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

for (const overlay of OVERLAYS) {
  describe.skipIf(!HAS_KUBECTL)(`k8s/overlays/${overlay.name}`, () => {
    const objects = () => render(overlay.name);
    const configMap = () => {
      const maps = ofKind(objects(), 'ConfigMap').filter((m) => m.metadata.name.startsWith('baemin-config'));
      expect(maps).toHaveLength(1);
      return maps[0]!.data ?? {};
    };

    it('renders the six processes, and everything in the overlay namespace', () => {
      const all = objects();
      expect(
        ofKind(all, 'Deployment')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...SERVICES].sort());
      expect(
        ofKind(all, 'Service')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...SERVICES].sort());
      for (const o of all)
        expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(overlay.namespace);
    });

    for (const svc of SERVICES) {
      const port = DEFAULT_PORTS[svc];

      it(`${svc}: runs its entry point from the overlay image on port ${port}, behind a Service`, () => {
        const spec = deployment(objects(), svc);
        const c = mainContainer(spec);
        expect(c.image).toBe(overlay.image);
        expect(c.command).toEqual(command(svc));
        expect(existsSync(join(ROOT, entryPoint(svc))), entryPoint(svc)).toBe(true);
        expect(c.ports?.map((p) => p.containerPort)).toEqual([port]);
        const env = effectiveEnv(objects(), c);
        expect(env.PORT).toBe(String(port));
        expect(env.HOST).toBe('0.0.0.0');

        const service = find(objects(), 'Service', svc).spec as {
          selector: Record<string, string>;
          ports: { port: number; targetPort: string | number }[];
        };
        expect(spec.template.metadata.labels).toMatchObject(service.selector);
        expect(spec.selector.matchLabels).toEqual(service.selector);
        expect(service.ports).toHaveLength(1);
        expect(service.ports[0]!.port).toBe(port);
        expect(portNumber(c, service.ports[0]!.targetPort)).toBe(port);
      });

      it(`${svc}: liveness and start-up probe GET /health, readiness GET /ready, on its port`, () => {
        const c = mainContainer(deployment(objects(), svc));
        for (const [probe, path] of [
          [c.startupProbe, '/health'],
          [c.livenessProbe, '/health'],
          [c.readinessProbe, '/ready'],
        ] as const) {
          expect(probe?.httpGet?.path).toBe(path);
          expect(portNumber(c, probe?.httpGet?.port)).toBe(port);
        }
      });

      it(`${svc}: runs as uid 1000, read-only root, no capabilities, no privilege escalation, with resources`, () => {
        const pod = deployment(objects(), svc).template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
        expect(pod.automountServiceAccountToken).toBe(false);
        // Service links would inject e.g. ORDER_PORT=tcp://…, which loadServiceConfig rejects.
        expect(pod.enableServiceLinks).toBe(false);
        find(objects(), 'ServiceAccount', pod.serviceAccountName ?? '');
        for (const c of allContainers(pod)) {
          const sc = c.securityContext;
          expect(sc?.readOnlyRootFilesystem, c.name).toBe(true);
          expect(sc?.allowPrivilegeEscalation, c.name).toBe(false);
          expect(sc?.privileged ?? false, c.name).toBe(false);
          expect(sc?.capabilities?.drop, c.name).toContain('ALL');
          expect(sc?.capabilities?.add ?? [], c.name).toEqual([]);
          expect(sc?.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type, c.name).toBe(
            'RuntimeDefault',
          );
          for (const key of ['cpu', 'memory']) {
            expect(c.resources?.requests?.[key], `${c.name} requests.${key}`).toBeTruthy();
            expect(c.resources?.limits?.[key], `${c.name} limits.${key}`).toBeTruthy();
          }
        }
        // The only writable places: /tmp (tsx's cache) and, for subgraphs, the data volume.
        const tmp = mainContainer(deployment(objects(), svc)).volumeMounts?.find(
          (m) => m.mountPath === '/tmp',
        );
        expect(pod.volumes?.find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
      });
    }

    for (const svc of SUBGRAPHS) {
      it(`${svc}: one replica, Recreate, its own PVC mounted at DATA_DIR`, () => {
        const spec = deployment(objects(), svc);
        expect(spec.replicas).toBe(1);
        expect(spec.strategy?.type).toBe('Recreate');
        const c = mainContainer(spec);
        const dataDir = effectiveEnv(objects(), c).DATA_DIR;
        expect(dataDir).toBe('/data');
        const mount = c.volumeMounts?.find((m) => m.mountPath === dataDir);
        const claim = spec.template.spec.volumes?.find((v) => v.name === mount?.name)?.persistentVolumeClaim;
        expect(claim, `${svc} mounts a PVC at ${dataDir}`).toBeDefined();
        const pvc = find(objects(), 'PersistentVolumeClaim', claim!.claimName).spec;
        expect(pvc.accessModes).toEqual(['ReadWriteOnce']);
        expect(pvc.resources.requests.storage).toBeTruthy();
        const users = ofKind(objects(), 'Deployment').filter((d) =>
          (d.spec as DeploymentSpec).template.spec.volumes?.some(
            (v) => v.persistentVolumeClaim?.claimName === claim!.claimName,
          ),
        );
        expect(users.map((d) => d.metadata.name)).toEqual([svc]);
      });
    }

    it('router: stateless, at least two replicas, rolls without losing capacity, scaled on CPU', () => {
      const spec = deployment(objects(), 'router');
      expect(spec.template.spec.volumes?.some((v) => v.persistentVolumeClaim)).toBe(false);
      expect(spec.replicas).toBeGreaterThanOrEqual(2);
      expect(spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
      const hpas = ofKind(objects(), 'HorizontalPodAutoscaler');
      expect(hpas).toHaveLength(1);
      const hpa = hpas[0]!.spec;
      expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'router' });
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.metrics[0].resource.name).toBe('cpu');
    });

    it('every ConfigMap, Secret and PVC reference resolves (production: only baemin-secrets is external)', () => {
      const all = objects();
      const external = new Set<string>();
      const resolve = (kind: 'ConfigMap' | 'Secret', name: string, key?: string) => {
        const target = all.find((o) => o.kind === kind && o.metadata.name === name);
        if (!target) {
          expect(kind === 'Secret' && !overlay.secretGenerated, `${kind} ${name} is not rendered`).toBe(true);
          external.add(name);
          return;
        }
        if (key) expect(Object.keys(target.data ?? {}), `${kind} ${name}`).toContain(key);
      };
      for (const d of ofKind(all, 'Deployment')) {
        const pod = (d.spec as DeploymentSpec).template.spec;
        for (const c of allContainers(pod)) {
          for (const from of c.envFrom ?? []) {
            if (from.configMapRef) resolve('ConfigMap', from.configMapRef.name);
            if (from.secretRef) resolve('Secret', from.secretRef.name);
          }
          for (const e of c.env ?? []) {
            const { secretKeyRef, configMapKeyRef } = e.valueFrom ?? {};
            if (secretKeyRef) resolve('Secret', secretKeyRef.name, secretKeyRef.key);
            if (configMapKeyRef) resolve('ConfigMap', configMapKeyRef.name, configMapKeyRef.key);
          }
        }
        for (const v of pod.volumes ?? []) {
          if (v.persistentVolumeClaim) find(all, 'PersistentVolumeClaim', v.persistentVolumeClaim.claimName);
        }
      }
      expect([...external]).toEqual(overlay.secretGenerated ? [] : ['baemin-secrets']);
    });

    it('secrets: the router gets JWT_SECRET and INTERNAL_SECRET, subgraphs only INTERNAL_SECRET', () => {
      const secretOf = (svc: ServiceName) => {
        const env = effectiveEnv(objects(), mainContainer(deployment(objects(), svc)));
        return Object.fromEntries(Object.entries(env).filter(([, v]) => v.startsWith('secret:')));
      };
      const secret = overlay.secretGenerated
        ? ofKind(objects(), 'Secret').find((s) => s.metadata.name.startsWith('baemin-secrets-'))!.metadata
            .name
        : 'baemin-secrets';
      expect(secretOf('router')).toEqual({
        JWT_SECRET: `secret:${secret}/JWT_SECRET`,
        INTERNAL_SECRET: `secret:${secret}/INTERNAL_SECRET`,
      });
      for (const svc of SUBGRAPHS)
        expect(secretOf(svc)).toEqual({ INTERNAL_SECRET: `secret:${secret}/INTERNAL_SECRET` });
      if (overlay.secretGenerated) {
        // The development defaults, so `npm run token` signs tokens this router accepts.
        const data = find(objects(), 'Secret', secret).data ?? {};
        const decode = (key: string) => Buffer.from(data[key] ?? '', 'base64').toString();
        expect(decode('JWT_SECRET')).toBe(DEV_JWT_SECRET);
        expect(decode('INTERNAL_SECRET')).toBe(DEV_INTERNAL_SECRET);
      }
    });

    it('settings: subgraph URLs, NODE_ENV and introspection', () => {
      const config = configMap();
      for (const svc of SUBGRAPHS) {
        expect(config[`${svc.toUpperCase()}_URL`]).toBe(`http://${svc}:${DEFAULT_PORTS[svc]}`);
      }
      expect(config.NODE_ENV).toBe(overlay.nodeEnv);
      expect(config.ROUTER_INTROSPECTION).toBe(overlay.introspection);
      expect(config.PORT, 'one PORT for all would give every process the same port').toBeUndefined();
    });

    it('Kafka: KRaft dual-role node pool, KAFKA_BROKERS is its bootstrap Service', () => {
      const kafkas = ofKind(objects(), 'Kafka');
      expect(kafkas).toHaveLength(1);
      const kafka = kafkas[0]!;
      expect(kafka.apiVersion).toBe('kafka.strimzi.io/v1');
      expect(kafka.spec.zookeeper).toBeUndefined();
      const plain = kafka.spec.kafka.listeners.find((l: { tls: boolean }) => l.tls === false);
      expect(plain).toMatchObject({ type: 'internal' });
      expect(configMap().KAFKA_BROKERS).toBe(`${kafka.metadata.name}-kafka-bootstrap:${plain.port}`);

      const pools = ofKind(objects(), 'KafkaNodePool');
      for (const pool of pools)
        expect(pool.metadata.labels?.['strimzi.io/cluster']).toBe(kafka.metadata.name);
      expect(pools.flatMap((p) => p.spec.roles).sort()).toEqual(['broker', 'controller']);
      expect(pools.reduce((n, p) => n + p.spec.replicas, 0)).toBe(overlay.kafkaNodes);

      const rf = overlay.replicationFactor;
      expect(kafka.spec.kafka.config).toMatchObject({
        'offsets.topic.replication.factor': rf,
        'transaction.state.log.replication.factor': rf,
        'default.replication.factor': rf,
        'min.insync.replicas': minInsyncReplicas(rf),
      });
    });

    it('Kafka topics: the catalogue and its .dlq topics, as the services would create them', () => {
      const config = configMap();
      const topics = ofKind(objects(), 'KafkaTopic');
      const wanted = [...ALL_TOPICS, ...ALL_TOPICS.map(dlqTopic)].sort();
      expect(topics.map((t) => t.spec.topicName).sort()).toEqual(wanted);
      const kafkaName = ofKind(objects(), 'Kafka')[0]!.metadata.name;
      const rf = Number(config.KAFKA_REPLICATION_FACTOR);
      expect(rf).toBe(overlay.replicationFactor);
      for (const t of topics) {
        expect(t.apiVersion).toBe('kafka.strimzi.io/v1');
        expect(t.metadata.labels?.['strimzi.io/cluster']).toBe(kafkaName);
        expect(t.spec.partitions, t.spec.topicName).toBe(Number(config.KAFKA_PARTITIONS));
        expect(t.spec.replicas, t.spec.topicName).toBe(rf);
        expect(Number(t.spec.config['retention.ms'])).toBe(-1);
        expect(t.spec.config['cleanup.policy']).toBe('delete');
        expect(Number(t.spec.config['min.insync.replicas'])).toBe(minInsyncReplicas(rf));
      }
    });
  });
}

// ---- docker-compose.yml and the Dockerfile (no kubectl needed)

interface ComposeService {
  build?: string | { context: string };
  image?: string;
  command?: string[];
  environment?: Record<string, string | number | null>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

describe('docker-compose.yml', () => {
  // Merge keys (<<: *app) are YAML 1.1, which Compose supports.
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, ComposeService>;
    volumes: Record<string, unknown>;
  };

  it('has Kafka (KRaft, one node) and the six processes', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['kafka', ...SERVICES].sort());
    const kafka = compose.services.kafka!;
    expect(kafka.image).toMatch(/^apache\/kafka:3\.9\./);
    const env = kafka.environment ?? {};
    expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
    expect(String(env.KAFKA_ADVERTISED_LISTENERS).split(',').sort()).toEqual([
      'HOST://localhost:29092',
      'INTERNAL://kafka:9092',
    ]);
    expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe(1);
    expect(kafka.ports).toContain('127.0.0.1:29092:29092');
    expect(kafka.healthcheck).toBeDefined();
  });

  for (const svc of SERVICES) {
    it(`${svc}: one image, its entry point and port, Kafka, health-checked`, () => {
      const s = compose.services[svc]!;
      expect(s.build).toBe('.');
      expect(s.image).toBe('baemin/app:dev');
      expect(s.command).toEqual(command(svc));
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
      expect(s.healthcheck?.test.join(' ')).toContain('/ready');
      const needs = svc === 'router' ? [...SUBGRAPHS] : ['kafka'];
      expect(Object.keys(s.depends_on ?? {}).sort()).toEqual(needs.sort());
      for (const dep of Object.values(s.depends_on ?? {})) expect(dep.condition).toBe('service_healthy');
    });
  }

  it('subgraphs keep their SQLite files in a named volume at DATA_DIR; the router is published on 8088', () => {
    for (const svc of SUBGRAPHS) {
      const s = compose.services[svc]!;
      expect(s.environment?.DATA_DIR).toBe('/data');
      expect(s.volumes).toEqual([`${svc}-data:/data`]);
      expect(compose.volumes).toHaveProperty(`${svc}-data`);
    }
    const router = compose.services.router!;
    expect(router.volumes).toBeUndefined();
    expect(router.ports).toEqual(['127.0.0.1:8088:8088']);
    // Apollo Sandbox needs a non-production router.
    expect(router.environment?.NODE_ENV).toBe('development');
    expect(router.environment?.ROUTER_INTROSPECTION).toBe('true');
  });

  it('the health check passes on 200 from /ready and fails on 503 or no answer', async () => {
    const test = compose.services.order!.healthcheck!.test;
    expect(test.slice(0, 3)).toEqual(['CMD', 'node', '-e']);
    const script = test[3]!;
    let status = 200;
    const server = await listen(
      createHttpServer((req, res) => {
        res.statusCode = req.url === '/ready' ? status : 404;
        res.end();
      }),
    );
    try {
      const port = String((server.address() as AddressInfo).port);
      expect(await runNode(script, { PORT: port })).toBe(0);
      status = 503;
      expect(await runNode(script, { PORT: port })).toBe(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
    expect(await runNode(script, { PORT: String(await freePort()) })).toBe(1);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds on node:20-bookworm-slim with npm ci and runs as uid 1000', () => {
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:20-bookworm-slim');
    expect(dockerfile.match(/^FROM \$\{NODE_IMAGE\} AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^RUN npm ci /m);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toContain('CMD ["node", "--import", "tsx", "router/src/index.ts"]');
  });

  it('copies every workspace package.json before npm ci (else npm ci fails)', () => {
    const workspaces = ['packages', 'subgraphs'].flatMap((dir) =>
      readdirSync(join(ROOT, dir)).map((name) => `${dir}/${name}`),
    );
    workspaces.push('router', 'web');
    const npmCi = dockerfile.indexOf('RUN npm ci');
    for (const ws of workspaces.filter((w) => existsSync(join(ROOT, w, 'package.json')))) {
      const copy = dockerfile.indexOf(`COPY ${ws}/package.json ${ws}/`);
      expect(copy, ws).toBeGreaterThan(0);
      expect(copy, ws).toBeLessThan(npmCi);
    }
  });

  it('.dockerignore keeps what the processes read at run time', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/^\*\*\//, ''));
    const needed = [
      'package.json',
      'package-lock.json',
      'schema/supergraph.graphql',
      'router/src/index.ts',
      'packages/platform/src/index.ts',
      ...SUBGRAPHS.flatMap((s) => [
        `subgraphs/${s}/src/index.ts`,
        `subgraphs/${s}/schema.graphql`,
        `subgraphs/${s}/drizzle`,
      ]),
      'scripts/dlq.ts',
    ];
    for (const path of needed) {
      expect(existsSync(join(ROOT, path)), path).toBe(true);
      for (const segment of path.split('/')) expect(patterns, `${path} is excluded`).not.toContain(segment);
    }
  });
});

describe('wait-for-kafka init container (k8s/base/wait-for-kafka.yaml)', () => {
  const patch = parse(read('k8s/base/wait-for-kafka.yaml')) as K8sObject;
  const init = (patch.spec.template.spec as PodSpec).initContainers![0]!;
  const script = init.command![2]!;

  it('ends as soon as the first broker accepts connections', async () => {
    expect(init.command!.slice(0, 2)).toEqual(['node', '-e']);
    const server = await listen(createNetServer((socket) => socket.destroy()));
    try {
      const port = (server.address() as AddressInfo).port;
      expect(await runNode(script, { KAFKA_BROKERS: `127.0.0.1:${port},unreachable:9092` }, 10_000)).toBe(0);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('keeps waiting while nothing listens, and fails at once without KAFKA_BROKERS', async () => {
    const port = await freePort();
    expect(await runNode(script, { KAFKA_BROKERS: `127.0.0.1:${port}` }, 2500)).toBe('timeout');
    expect(await runNode(script, { KAFKA_BROKERS: '' })).toBe(1);
  });
});

// ---- helpers

async function listen<S extends Server>(server: S): Promise<S> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return server;
}

async function freePort(): Promise<number> {
  const server = await listen(createNetServer());
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** Runs `node -e script`; resolves the exit code, or 'timeout' (and kills it) after timeoutMs. */
function runNode(
  script: string,
  env: Record<string, string>,
  timeoutMs = 10_000,
): Promise<number | 'timeout'> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: 'ignore',
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code ?? -1);
    });
  });
}
