import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { kustomize } from './harness/kustomize.js';

/**
 * k8s/overlays/postgres rendered with `kubectl kustomize`: the write-side subgraphs run as
 * Deployments of two or more replicas on their own CloudNativePG cluster, scaled by HPAs, and the
 * SQLite service (dashboard) keeps its single-replica form with its volume.
 */

const ON_POSTGRES = ['order', 'payment', 'store', 'delivery'] as const;

type K8sObject = {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string };
  // biome-ignore lint/suspicious/noExplicitAny: rendered manifests are checked field by field
  spec?: any;
};

describe('k8s/overlays/postgres', () => {
  const objects = (() => {
    let cached: K8sObject[] | null = null;
    return () => {
      cached ??= parseAllDocuments(kustomize('postgres')).map((d) => d.toJS() as K8sObject);
      return cached;
    };
  })();
  const find = (kind: string, name: string) => {
    const o = objects().find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`no ${kind} ${name}`);
    return o;
  };

  for (const svc of ON_POSTGRES) {
    it(`${svc}: a Deployment of ≥ 2 replicas on its own PostgreSQL cluster, with an HPA, no shared volume`, () => {
      const dep = find('Deployment', svc).spec;
      // The HPA owns the replica count (minReplicas ≥ 2 below); a fixed one would fight it.
      expect(dep.replicas).toBeUndefined();
      expect(dep.volumeClaimTemplates).toBeUndefined();
      expect(objects().some((o) => o.kind === 'StatefulSet' && o.metadata.name === svc)).toBe(false);
      const pod = dep.template.spec;
      expect(pod.affinity).toBeUndefined();
      expect(pod.volumes.some((v: { persistentVolumeClaim?: unknown }) => v.persistentVolumeClaim)).toBe(
        false,
      );
      const env = pod.containers[0].env as { name: string; valueFrom?: { secretKeyRef?: object } }[];
      expect(env.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({
        name: `${svc}-pg-app`,
        key: 'uri',
      });
      // The operator's app Secret of this cluster, whose database the subgraph owns.
      const cluster = find('Cluster', `${svc}-pg`);
      expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
      expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: svc, owner: svc, localeCollate: 'C' });
      expect(cluster.spec.instances).toBeGreaterThanOrEqual(2);
      const hpa = find('HorizontalPodAutoscaler', svc).spec;
      expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: svc });
      expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
      expect(objects().some((o) => o.kind === 'PersistentVolumeClaim')).toBe(false);
    });
  }

  it('dashboard keeps its honest SQLite form: one replica, its volume, no HPA', () => {
    const dep = find('StatefulSet', 'dashboard').spec;
    expect(dep.replicas).toBe(1);
    expect(dep.volumeClaimTemplates.map((t: { metadata: { name: string } }) => t.metadata.name)).toEqual([
      'data',
    ]);
    expect(
      objects().some((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === 'dashboard'),
    ).toBe(false);
    const env = (dep.template.spec.containers[0].env ?? []) as { name: string }[];
    expect(env.some((e) => e.name === 'DATABASE_URL')).toBe(false);
  });

  it('everything in the baemin namespace; replicas share Kafka (no embedded log)', () => {
    for (const o of objects()) expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).toBe('baemin');
    const config = objects().find(
      (o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('baemin-config'),
    ) as (K8sObject & { data: Record<string, string> }) | undefined;
    expect(config?.data.KAFKA_BROKERS).toBeTruthy();
  });
});
