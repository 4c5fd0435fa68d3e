import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
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
import { BUILD_ENTRIES, SERVICE_V8_FLAGS } from '../scripts/build.js';
import { PROCESSES } from '../scripts/processes.js';
import { freePort } from '../packages/platform/src/testing/freePort.js';
import { kustomize } from './harness/kustomize.js';

/**
 * The deployment files (Dockerfile, docker-compose.yml, k8s/) checked against the code they run:
 * entry points, ports, health endpoints, settings, the event catalogue. Nothing here builds an
 * image or talks to a cluster; the k8s part renders each overlay with `kubectl kustomize`.
 */

const ROOT = new URL('..', import.meta.url).pathname;
const SERVICES: ServiceName[] = [...SUBGRAPHS, 'router'];
/** The source the process's bundle is built from (scripts/build.ts). */
const entryPoint = (svc: ServiceName) =>
  Object.entries(BUILD_ENTRIES).find(([, out]) => out === PROCESSES[svc])![0];
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
  args?: string[];
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
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
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
  terminationGracePeriodSeconds?: number;
  // biome-ignore lint/suspicious/noExplicitAny: only podAffinity is read
  affinity?: any;
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
/** A Deployment's or a StatefulSet's spec (the fields read here). */
interface DeploymentSpec {
  replicas?: number;
  serviceName?: string;
  updateStrategy?: { type: string };
  persistentVolumeClaimRetentionPolicy?: { whenDeleted?: string; whenScaled?: string };
  volumeClaimTemplates?: {
    metadata: Metadata;
    spec: { accessModes: string[]; resources: { requests: { storage: string } } };
  }[];
  strategy?: { type: string; rollingUpdate?: { maxUnavailable?: number | string } };
  selector: { matchLabels: Record<string, string> };
  template: { metadata: Metadata; spec: PodSpec };
}

// ---- Kubernetes OpenAPI schemas (kubernetes-models: the core API's schemas as validators)

/** Strimzi's custom resources: not in the core OpenAPI schema (checked structurally and in detail). */
const STRIMZI_KINDS = ['Kafka', 'KafkaNodePool', 'KafkaTopic'];

/** Validates one object with the kubernetes-models class of its apiVersion and kind; throws what is wrong. */
function validateK8s(o: K8sObject): void {
  let Model: new (data: unknown) => { validate(): void };
  try {
    // e.g. kubernetes-models/apps/v1/Deployment, kubernetes-models/v1/Service
    const mod = requireCjs(`kubernetes-models/${o.apiVersion}/${o.kind}`) as Record<string, unknown>;
    Model = mod[o.kind] as typeof Model;
  } catch (err) {
    throw new Error(`no schema for ${o.apiVersion} ${o.kind} (${(err as Error).message.split('\n')[0]})`);
  }
  new Model(o).validate();
}
const requireCjs = createRequire(import.meta.url);

// ---- rendering

// Every k8s check renders through kustomize(): without kubectl each one fails saying so (never skipped).

/**
 * The router's peak RSS in bench/README.md's subscription table (rows whose target is the router),
 * in bytes: what its memory limit must hold.
 */
function routerPeakRssFromBench(): number {
  const rows = read('bench/README.md')
    .split('\n')
    .map((line) => line.split('|').map((cell) => cell.trim()))
    .filter((cells) => cells[2]?.startsWith('router') && /^[\d.]+ MB$/.test(cells.at(-2) ?? ''));
  expect(rows.length, 'router rows in bench/README.md').toBeGreaterThan(0);
  // bench/subscriptions.ts prints RSS / 1024 / 1024 and labels it MB.
  return Math.max(...rows.map((cells) => Number.parseFloat(cells.at(-2)!) * 1024 ** 2));
}

/** A Kubernetes memory quantity (Mi, Gi, M, G) in bytes. */
function bytesOf(quantity: string): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (!m) throw new Error(`unsupported quantity ${quantity}`);
  const unit = { Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
}

const OVERLAYS = [
  {
    name: 'dev',
    kafka: 'strimzi',
    namespace: 'baemin-dev',
    image: 'baemin/app:dev',
    kafkaNodes: 1,
    replicationFactor: 1,
    nodeEnv: 'development',
    introspection: 'true',
    secretGenerated: true,
  },
  {
    name: 'dev-kraft',
    kafka: 'statefulset',
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
    kafka: 'strimzi',
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
    const yaml = kustomize(overlay);
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
/** Subgraphs own SQLite files: StatefulSets (one pod per file); the stateless router: a Deployment. */
const workloadKind = (svc: ServiceName) => (svc === 'router' ? 'Deployment' : 'StatefulSet');
const deployment = (objects: K8sObject[], svc: ServiceName) =>
  find(objects, workloadKind(svc), svc).spec as DeploymentSpec;
/** The pod templates of every service's workload. */
const workloads = (objects: K8sObject[]) => SERVICES.map((svc) => ({ svc, spec: deployment(objects, svc) }));
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

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

/** Whether a label selector (matchLabels only: our manifests use no expressions) selects `labels`. */
function selects(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  expect(selector?.matchExpressions, 'matchExpressions are not checked here').toBeUndefined();
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** A named or numbered container port, as the number. */
function portNumber(c: Container, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay.name}`, () => {
    const objects = () => render(overlay.name);
    const configMap = () => {
      const maps = ofKind(objects(), 'ConfigMap').filter((m) => m.metadata.name.startsWith('baemin-config'));
      expect(maps).toHaveLength(1);
      return maps[0]!.data ?? {};
    };

    it('renders the six processes, and everything in the overlay namespace', () => {
      const all = objects();
      expect(ofKind(all, 'Deployment').map((d) => d.metadata.name)).toEqual(['router']);
      const kafkaSets = overlay.kafka === 'statefulset' ? ['kafka'] : [];
      expect(
        ofKind(all, 'StatefulSet')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...SUBGRAPHS, ...kafkaSets].sort());
      const kafkaServices = overlay.kafka === 'statefulset' ? ['kafka', 'kafka-headless'] : [];
      expect(
        ofKind(all, 'Service')
          .map((d) => d.metadata.name)
          .sort(),
      ).toEqual([...SERVICES, ...kafkaServices].sort());
      for (const o of all)
        expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe(overlay.namespace);
    });

    for (const svc of SERVICES) {
      const port = DEFAULT_PORTS[svc];

      it(`${svc}: runs its entry point from the overlay image on port ${port}, behind a Service`, () => {
        const spec = deployment(objects(), svc);
        const c = mainContainer(spec);
        expect(c.image).toBe(overlay.image);
        // The image's entry point (node dist/main.js) with the process as its argument.
        expect(c.command).toBeUndefined();
        expect(c.args).toEqual([svc]);
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
      it(`${svc}: one pod per SQLite file (StatefulSet, one replica, a ReadWriteOncePod claim template at DATA_DIR, kept on delete)`, () => {
        const spec = deployment(objects(), svc);
        expect(spec.replicas).toBe(1);
        // A StatefulSet replaces its pod delete-first (never two on one file), also on eviction.
        expect(spec.updateStrategy?.type ?? 'RollingUpdate').toBe('RollingUpdate');
        expect(spec.serviceName).toBe(svc);
        find(objects(), 'Service', spec.serviceName!);
        expect(spec.persistentVolumeClaimRetentionPolicy).toEqual({
          whenDeleted: 'Retain',
          whenScaled: 'Retain',
        });
        // No pod affinity that would let two pods share a volume on one node.
        expect(spec.template.spec.affinity?.podAffinity).toBeUndefined();
        const c = mainContainer(spec);
        const dataDir = effectiveEnv(objects(), c).DATA_DIR;
        expect(dataDir).toBe('/data');
        const mount = c.volumeMounts?.find((m) => m.mountPath === dataDir);
        expect(mount, `${svc} mounts a volume at ${dataDir}`).toBeDefined();
        // The data volume comes from the claim template, never from a shared, separately declared PVC.
        expect(spec.template.spec.volumes?.some((v) => v.name === mount!.name)).toBe(false);
        expect(spec.template.spec.volumes?.some((v) => v.persistentVolumeClaim)).toBe(false);
        const templates = spec.volumeClaimTemplates ?? [];
        expect(templates.map((t) => t.metadata.name)).toEqual([mount!.name]);
        const claim = templates[0]!.spec;
        // ReadWriteOncePod where the storage supports it; the dev overlays (no CSI) ReadWriteOnce.
        expect(claim.accessModes).toEqual(
          overlay.name === 'production' ? ['ReadWriteOncePod'] : ['ReadWriteOnce'],
        );
        expect(claim.resources.requests.storage).toBe(overlay.name === 'production' ? '10Gi' : '1Gi');
        expect(ofKind(objects(), 'PersistentVolumeClaim')).toEqual([]);
      });
    }

    it('every service has a PodDisruptionBudget selecting exactly its pods, which never blocks a drain of a single pod', () => {
      const pdbs = ofKind(objects(), 'PodDisruptionBudget');
      for (const { svc, spec } of workloads(objects())) {
        const mine = pdbs.filter((p) => selects(p.spec.selector, spec.template.metadata.labels));
        expect(
          mine.map((p) => p.metadata.name),
          svc,
        ).toEqual([svc]);
        const pdb = mine[0]!.spec;
        // maxUnavailable (not minAvailable: 1, which would block every drain of a one-pod set).
        expect(pdb.minAvailable, svc).toBeUndefined();
        expect(pdb.maxUnavailable, svc).toBe(1);
        if (svc !== 'router') expect(pdb.unhealthyPodEvictionPolicy, svc).toBe('AlwaysAllow');
      }
    });

    it('router: stateless, its replica count owned by the HPA (at least two), rolls without losing capacity, scaled on CPU', () => {
      const spec = deployment(objects(), 'router');
      expect(spec.template.spec.volumes?.some((v) => v.persistentVolumeClaim)).toBe(false);
      // A fixed count in the Deployment would reset the HPA's at every apply.
      expect(spec.replicas).toBeUndefined();
      expect(spec.strategy).toMatchObject({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0 } });
      const hpas = ofKind(objects(), 'HorizontalPodAutoscaler');
      expect(hpas).toHaveLength(1);
      const hpa = hpas[0]!.spec;
      expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'router' });
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
      expect(hpa.metrics[0].resource.name).toBe('cpu');
    });

    it("router: its memory limit holds the subscription benchmark's peak RSS with 25 % headroom", () => {
      const limit = bytesOf(mainContainer(deployment(objects(), 'router')).resources?.limits?.memory ?? '0');
      const peak = routerPeakRssFromBench();
      expect(limit).toBeGreaterThanOrEqual(peak * 1.25);
      // And the request is what it needs to start and hold a thousand clients.
      expect(
        bytesOf(mainContainer(deployment(objects(), 'router')).resources?.requests?.memory ?? '0'),
      ).toBeGreaterThanOrEqual(287 * 1024 ** 2);
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
      for (const { spec } of workloads(all)) {
        const pod = spec.template.spec;
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

    it('router: NODE_OPTIONS gives it the V8 flags `npm start` gives it, and keeps source maps', () => {
      const env = mainContainer(deployment(objects(), 'router')).env ?? [];
      const options = env.find((e) => e.name === 'NODE_OPTIONS')?.value?.split(/\s+/) ?? [];
      const flags = SERVICE_V8_FLAGS['router/src/index.ts'] ?? [];
      expect(flags.length).toBeGreaterThan(0);
      expect(options.sort()).toEqual(['--enable-source-maps', ...flags].sort());
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

    it('graceful rollouts: preStop delay, then SIGTERM drains (SHUTDOWN_DRAIN_MS) within the grace period', () => {
      const drainMs = Number(configMap().SHUTDOWN_DRAIN_MS);
      expect(drainMs).toBeGreaterThan(0);
      for (const svc of SERVICES) {
        const pod = deployment(objects(), svc).template.spec;
        const c = mainContainer(deployment(objects(), svc));
        const preStop = c.lifecycle?.preStop?.exec?.command ?? [];
        expect(preStop[0], svc).toBe('sleep');
        const sleep = Number(preStop[1]);
        expect(sleep, svc).toBeGreaterThanOrEqual(5);
        // preStop, then the drain, then at most 10 s to close (closeOnSignals) before SIGKILL.
        expect(pod.terminationGracePeriodSeconds ?? 30, svc).toBeGreaterThan(sleep + drainMs / 1000 + 10);
        // Readiness is probed often enough to notice the drain (failing /ready) within it.
        const probe = c.readinessProbe as { periodSeconds?: number; failureThreshold?: number } | undefined;
        expect((probe?.periodSeconds ?? 10) * 1, svc).toBeLessThanOrEqual(drainMs / 1000 + sleep);
      }
    });

    it('router Ingress: every path to the router Service, WebSocket-friendly nginx timeouts', () => {
      const ingresses = ofKind(objects(), 'Ingress');
      expect(ingresses.map((i) => i.metadata.name)).toEqual(['router']);
      const ingress = ingresses[0]!;
      const annotations =
        (ingress.metadata as Metadata & { annotations?: Record<string, string> }).annotations ?? {};
      // Subscriptions are long-lived WebSockets: nginx's 60 s default would cut idle ones.
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(
        3600,
      );
      expect(annotations['nginx.ingress.kubernetes.io/proxy-http-version']).toBe('1.1');
      expect(ingress.spec.ingressClassName).toBe('nginx');
      const routerService = find(objects(), 'Service', 'router').spec as {
        ports: { name: string; port: number }[];
      };
      for (const rule of ingress.spec.rules) {
        expect(rule.host).toBeTruthy();
        expect(rule.http.paths).toEqual([
          { path: '/', pathType: 'Prefix', backend: { service: { name: 'router', port: { name: 'http' } } } },
        ]);
      }
      expect(routerService.ports.map((p) => [p.name, p.port])).toEqual([['http', DEFAULT_PORTS.router]]);
      if (overlay.name === 'production') {
        // TLS with a certificate Secret created outside the repository (never committed).
        expect(ingress.spec.tls?.[0]?.hosts).toEqual(ingress.spec.rules.map((r: { host: string }) => r.host));
        expect(ingress.spec.tls[0].secretName).toBeTruthy();
        expect(find.bind(null, objects(), 'Secret', ingress.spec.tls[0].secretName)).toThrow();
      }
    });

    it('no Secret with values is committed except the public development defaults', () => {
      const secrets = ofKind(objects(), 'Secret');
      if (!overlay.secretGenerated) return expect(secrets).toEqual([]);
      expect(secrets).toHaveLength(1);
      const values = Object.values(secrets[0]!.data ?? {}).map((v) => Buffer.from(v, 'base64').toString());
      expect(values.sort()).toEqual([DEV_INTERNAL_SECRET, DEV_JWT_SECRET].sort());
    });

    it('every object is valid against the Kubernetes OpenAPI schema (kubernetes-models; Strimzi CRDs structurally)', () => {
      const failures: string[] = [];
      for (const o of objects()) {
        const id = `${o.apiVersion} ${o.kind} ${o.metadata?.name}`;
        if (STRIMZI_KINDS.includes(o.kind)) {
          // Custom resources: not in the core schema. Checked structurally here, in detail below.
          if (o.apiVersion !== 'kafka.strimzi.io/v1' || !o.metadata?.name || typeof o.spec !== 'object')
            failures.push(`${id}: not a kafka.strimzi.io/v1 resource with a name and a spec`);
          continue;
        }
        try {
          validateK8s(o);
        } catch (err) {
          failures.push(`${id}: ${(err as Error).message}`);
        }
      }
      expect(failures).toEqual([]);
    });

    if (overlay.kafka === 'strimzi') {
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

      it('network: only the services (subgraph pods) may connect to Kafka', () => {
        const all = objects();
        const kafka = ofKind(all, 'Kafka')[0]!;
        const podLabels = (svc: ServiceName) => deployment(all, svc).template.metadata.labels ?? {};
        for (const listener of kafka.spec.kafka.listeners) {
          const peers = listener.networkPolicyPeers as PolicyPeer[] | undefined;
          // Strimzi admits everyone on a listener without peers.
          expect(peers?.length, `listener ${listener.name}`).toBeGreaterThan(0);
          for (const peer of peers ?? []) {
            expect(peer.namespaceSelector ?? peer.ipBlock).toBeUndefined();
            expect(Object.keys(peer.podSelector?.matchLabels ?? {}).length).toBeGreaterThan(0);
          }
          const admitted = SERVICES.filter((svc) =>
            (peers ?? []).some((p) => selects(p.podSelector, podLabels(svc))),
          );
          expect(admitted.sort(), `listener ${listener.name}`).toEqual([...SUBGRAPHS].sort());
        }
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
    } else {
      it('Kafka: one KRaft node (broker + controller) in a StatefulSet, KAFKA_BROKERS is its Service', () => {
        expect(ofKind(objects(), 'Kafka')).toEqual([]);
        expect(ofKind(objects(), 'KafkaTopic')).toEqual([]);
        const sets = ofKind(objects(), 'StatefulSet').filter((s) => s.metadata.name === 'kafka');
        expect(sets).toHaveLength(1);
        const set = sets[0]!.spec;
        expect(set.replicas).toBe(1);
        expect(set.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
        const pod = set.template.spec as PodSpec;
        // The image turns KAFKA_* variables into settings: service links (KAFKA_PORT=tcp://…) would break it.
        expect(pod.enableServiceLinks).toBe(false);
        const c = pod.containers[0]!;
        expect(c.image).toMatch(/^apache\/kafka:3\.9\./);
        const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
        expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
        expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe(`${env.KAFKA_NODE_ID}@localhost:9093`);
        expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
        expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
        const service = find(objects(), 'Service', 'kafka').spec as {
          selector: Record<string, string>;
          ports: { port: number }[];
        };
        expect(set.template.metadata.labels).toMatchObject(service.selector);
        const advertised = `PLAINTEXT://${configMap().KAFKA_BROKERS}`;
        expect(env.KAFKA_ADVERTISED_LISTENERS).toBe(advertised);
        expect(configMap().KAFKA_BROKERS).toBe(`kafka:${service.ports[0]!.port}`);
        expect(Number(configMap().KAFKA_REPLICATION_FACTOR)).toBe(1);
        expect(set.volumeClaimTemplates[0].metadata.name).toBe(
          c.volumeMounts?.find((m) => m.mountPath === env.KAFKA_LOG_DIRS)?.name,
        );
      });
      it('network: only the services (subgraph pods) may connect to the Kafka StatefulSet', () => {
        const all = objects();
        const kafkaLabels = find(all, 'StatefulSet', 'kafka').spec.template.metadata.labels ?? {};
        const podLabels = (svc: ServiceName) => deployment(all, svc).template.metadata.labels ?? {};
        const selecting = ofKind(all, 'NetworkPolicy').filter((p) =>
          selects(p.spec.podSelector, kafkaLabels),
        );
        expect(selecting.length).toBeGreaterThan(0);
        const admitted = new Set<string>();
        for (const policy of selecting)
          for (const rule of policy.spec.ingress ?? []) {
            expect(rule.from?.length).toBeGreaterThan(0);
            expect(rule.ports?.map((p: { port: number }) => p.port)).toEqual([9092]);
            for (const peer of rule.from as PolicyPeer[]) {
              expect(peer.namespaceSelector ?? peer.ipBlock).toBeUndefined();
              for (const svc of SERVICES) if (selects(peer.podSelector, podLabels(svc))) admitted.add(svc);
            }
          }
        expect([...admitted].sort()).toEqual([...SUBGRAPHS].sort());
      });
    }

    it('network: only the router reaches subgraph HTTP ports (and order ↔ payment for capture, refund and orphan checks)', () => {
      const all = objects();
      const policies = ofKind(all, 'NetworkPolicy');
      const podLabels = (svc: ServiceName) => deployment(all, svc).template.metadata.labels ?? {};
      /** The apps (by pod labels) allowed in, and the ports, of every ingress rule selecting `svc`. */
      const ingressOf = (svc: ServiceName) => {
        const selecting = policies.filter(
          (p) => p.spec.policyTypes?.includes('Ingress') && selects(p.spec.podSelector, podLabels(svc)),
        );
        const from = new Set<string>();
        const ports = new Set<number | undefined>();
        for (const policy of selecting) {
          for (const rule of policy.spec.ingress ?? []) {
            // An empty `from` or a namespace/IP peer would admit more than named pods.
            expect(
              rule.from?.length,
              `${policy.metadata.name}: a rule without from admits everyone`,
            ).toBeGreaterThan(0);
            for (const peer of rule.from as PolicyPeer[]) {
              expect(peer.namespaceSelector ?? peer.ipBlock, `${policy.metadata.name}`).toBeUndefined();
              for (const other of SERVICES) if (selects(peer.podSelector, podLabels(other))) from.add(other);
            }
            expect(
              rule.ports?.length,
              `${policy.metadata.name}: a rule without ports admits every port`,
            ).toBeGreaterThan(0);
            for (const p of rule.ports) ports.add(portNumber(mainContainer(deployment(all, svc)), p.port));
          }
        }
        return { isolated: selecting.length > 0, from: [...from].sort(), ports: [...ports] };
      };
      const extra: Partial<Record<ServiceName, ServiceName>> = { payment: 'order', order: 'payment' };
      for (const svc of SUBGRAPHS) {
        const allowed = ['router', ...(extra[svc] ? [extra[svc]] : [])].sort();
        expect(ingressOf(svc), svc).toEqual({ isolated: true, from: allowed, ports: [DEFAULT_PORTS[svc]] });
      }
      // The router is the public API: no policy isolates it.
      expect(ingressOf('router').isolated).toBe(false);
    });
  });
}

describe('Kubernetes schema validation (validateK8s)', () => {
  it('can fail: wrong types, missing required fields, unknown kinds or API versions', () => {
    const router = structuredClone(find(render('dev'), 'Deployment', 'router'));
    expect(() => validateK8s(router)).not.toThrow();
    const broken = (change: (spec: DeploymentSpec) => void) => {
      const copy = structuredClone(router);
      change(copy.spec as DeploymentSpec);
      return () => validateK8s(copy);
    };
    expect(broken((s) => Object.assign(s, { replicas: 'two' }))).toThrow(/replicas must be integer/);
    expect(broken((s) => Object.assign(s.template.spec.containers[0]!, { name: undefined }))).toThrow(/name/);
    expect(
      broken((s) => Object.assign(s.template.spec.containers[0]!.ports![0]!, { containerPort: '8088' })),
    ).toThrow(/containerPort/);
    expect(() => validateK8s({ ...router, apiVersion: 'apps/v1beta9' })).toThrow(/no schema/);
    // Known limit: the models do not reject unknown fields (their schemas allow additional properties).
  });
});

// ---- the Dockerfile (no kubectl needed); docker-compose.yml: test/compose.test.ts

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  /** The instructions of one stage (from its FROM up to the next). */
  const stage = (name: string) => {
    const start = dockerfile.search(new RegExp(`^FROM \\S+ AS ${name}$`, 'm'));
    expect(start, `stage ${name}`).toBeGreaterThanOrEqual(0);
    const next = dockerfile.slice(start + 1).search(/^FROM /m);
    return next < 0 ? dockerfile.slice(start) : dockerfile.slice(start, start + 1 + next);
  };

  it('multi-stage on node:22-bookworm-slim (Node 22 LTS): build compiles, runtime has production dependencies only', () => {
    expect(dockerfile).toContain('ARG NODE_IMAGE=node:22-bookworm-slim');
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS toolchain$/m);
    expect(dockerfile).toMatch(/^FROM toolchain AS build$/m);
    expect(dockerfile).toMatch(/^FROM toolchain AS prod-deps$/m);
    expect(dockerfile).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    expect(stage('build')).toMatch(/^RUN npm ci /m);
    expect(stage('build')).toMatch(/^RUN npm run build$/m);
    // better-sqlite3 is compiled (when no prebuilt binary fits) in the image's own base image.
    expect(stage('toolchain')).toMatch(/python3 make g\+\+/);
    expect(stage('prod-deps')).toMatch(/^RUN npm ci --omit=dev /m);
    const runtime = stage('runtime');
    // node_modules only from the production install; no compiler, no loader.
    expect(runtime).toContain('COPY --from=prod-deps /app ./');
    expect(runtime).not.toMatch(/COPY --from=build \/app\/node_modules/);
    expect(runtime).not.toMatch(/apt-get|tsx|npm ci/);
  });

  it('runs as uid 1000, the process chosen by one argument to node dist/main.js, health-checked', () => {
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/main.js"]');
    expect(dockerfile).toContain('CMD ["router"]');
    expect(PROCESSES.router).toBeDefined();
    expect(dockerfile).toMatch(/^HEALTHCHECK .*CMD \["node", "dist\/healthcheck\.js"\]$/m);
  });

  it('the runtime stage copies every bundle and every file the bundles read at run time', () => {
    const runtime = stage('runtime');
    const copied = [...runtime.matchAll(/^COPY --from=build \/app\/(\S+) \.\/(\S+)$/gm)].map((m) => {
      expect(m[1], 'copied to the same path').toBe(m[2]);
      return m[1]!;
    });
    const covered = (path: string) => copied.some((c) => path === c || path.startsWith(`${c}/`));
    // Each bundle's folder, then what resolves relative to it: SDL, migrations, supergraph.
    for (const out of Object.values(BUILD_ENTRIES)) expect(covered(out), out).toBe(true);
    for (const s of SUBGRAPHS) {
      expect(covered(`subgraphs/${s}/schema.graphql`), s).toBe(true);
      expect(covered(`subgraphs/${s}/drizzle`), s).toBe(true);
      expect(existsSync(join(ROOT, `subgraphs/${s}/drizzle`))).toBe(true);
      expect(covered(`subgraphs/${s}/drizzle-pg`), s).toBe(true);
    }
    expect(covered('schema/supergraph.graphql')).toBe(true);
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

  it('.dockerignore keeps what the build reads', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.replace(/^\*\*\//, ''));
    const needed = [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'schema/supergraph.graphql',
      'packages/platform/src/index.ts',
      ...Object.keys(BUILD_ENTRIES),
      ...SUBGRAPHS.flatMap((s) => [`subgraphs/${s}/schema.graphql`, `subgraphs/${s}/drizzle`]),
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

describe('k8s/overlays/dev-observability (components/observability)', () => {
  const objects = () => render('dev-observability');
  const METRICS_PORT = 9464;

  it('every process serves /metrics on its own port 9464, annotated for Prometheus and selected by the PodMonitor', () => {
    const monitor = find(objects(), 'PodMonitor', 'baemin').spec as {
      selector: LabelSelector;
      podMetricsEndpoints: { port: string; path: string }[];
    };
    for (const svc of SERVICES) {
      const spec = deployment(objects(), svc);
      const c = mainContainer(spec);
      expect(c.ports?.map((p) => p.containerPort)).toEqual([DEFAULT_PORTS[svc], METRICS_PORT]);
      expect(effectiveEnv(objects(), c).METRICS_PORT).toBe(String(METRICS_PORT));
      const meta = spec.template.metadata as Metadata & { annotations?: Record<string, string> };
      expect(meta.annotations).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/port': String(METRICS_PORT),
        'prometheus.io/path': '/metrics',
      });
      expect(selects(monitor.selector, meta.labels)).toBe(true);
      for (const e of monitor.podMetricsEndpoints) expect(portNumber(c, e.port)).toBe(METRICS_PORT);
    }
  });

  it('Prometheus may reach the metrics port of every process; the API ports keep their policies', () => {
    const policy = find(objects(), 'NetworkPolicy', 'metrics-from-prometheus').spec as {
      podSelector: LabelSelector;
      ingress: { from: PolicyPeer[]; ports: { port: string }[] }[];
    };
    for (const svc of SERVICES) {
      const spec = deployment(objects(), svc);
      expect(selects(policy.podSelector, spec.template.metadata.labels)).toBe(true);
      for (const rule of policy.ingress)
        for (const p of rule.ports) expect(portNumber(mainContainer(spec), p.port)).toBe(METRICS_PORT);
    }
    const base = render('dev-kraft');
    for (const p of ofKind(base, 'NetworkPolicy'))
      expect(find(objects(), 'NetworkPolicy', p.metadata.name).spec).toEqual(p.spec);
  });

  it('ships the Grafana dashboard (sidecar label) whose queries use only metrics the services export', async () => {
    const map = find(objects(), 'ConfigMap', 'baemin-grafana-dashboard');
    expect(map.metadata.labels?.grafana_dashboard).toBe('1');
    const json = (map as K8sObject & { data: Record<string, string> }).data['grafana-dashboard.json']!;
    expect(json).toBe(read('k8s/components/observability/grafana-dashboard.json'));
    const dashboard = JSON.parse(json) as { panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const { metricsRegistry } = await import('../packages/platform/src/telemetry/metrics.js');
    const exported = new Set((await metricsRegistry.getMetricsAsJSON()).map((m) => m.name));
    for (const panel of dashboard.panels) {
      for (const t of panel.targets) {
        const names = [
          ...t.expr.matchAll(
            /\b([a-z][a-z0-9_]*(?:_total|_seconds|_bytes|_events|_state|_subscriptions)(?:_bucket|_count|_sum)?)\b/g,
          ),
        ].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));
        expect(names.length, panel.title).toBeGreaterThan(0);
        for (const n of names) expect(exported, `${panel.title}: ${n}`).toContain(n);
      }
    }
    const scrape = find(objects(), 'ConfigMap', 'baemin-prometheus-scrape') as K8sObject & {
      data: Record<string, string>;
    };
    expect(parse(scrape.data['prometheus.yml']!)).toMatchObject({
      scrape_configs: [{ job_name: 'baemin-pods' }],
    });
  });
});
