import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningRouter } from '../src/server.js';
import { loadRouterConfig } from '../src/loadRouterConfig.js';
import { startOrdersAndStores, startTestRouter, type TestSubgraph } from './fixtures.js';

/** Where @apollo/gateway's data collection connects: cloud metadata addresses (and Apollo). */
const CLOUD_METADATA = ['169.254.169.254', '100.100.100.200', 'metadata.google.internal.'];

let orders: TestSubgraph;
let stores: TestSubgraph;
const hosts: string[] = [];
const record = (message: unknown) => hosts.push((message as { request: ClientRequest }).request.host);

beforeAll(async () => {
  ({ orders, stores } = await startOrdersAndStores());
  // Every HTTP request this process starts, whoever starts it (Node publishes them all here).
  subscribe('http.client.request.start', record);
});

afterAll(async () => {
  unsubscribe('http.client.request.start', record);
  await orders?.stop();
  await stores?.stop();
});

async function hostsContactedBy(overrides: { apolloTelemetry?: boolean }): Promise<string[]> {
  hosts.length = 0;
  let router: RunningRouter | undefined;
  try {
    router = await startTestRouter([orders, stores], overrides);
    // No wait: the gateway's detectors have started their requests by the time start() resolves
    // (the test with the collection on sees them in this same window).
    return [...hosts];
  } finally {
    await router?.close();
  }
}

describe("@apollo/gateway's data collection (APOLLO_TELEMETRY_DISABLED)", () => {
  it('is off unless the operator turns it on', () => {
    expect(loadRouterConfig({}).apolloTelemetry).toBe(false);
    expect(loadRouterConfig({ APOLLO_TELEMETRY_DISABLED: 'true' }).apolloTelemetry).toBe(false);
    expect(loadRouterConfig({ APOLLO_TELEMETRY_DISABLED: 'false' }).apolloTelemetry).toBe(true);
    expect(() => loadRouterConfig({ APOLLO_TELEMETRY_DISABLED: 'maybe' })).toThrow(
      /APOLLO_TELEMETRY_DISABLED/,
    );
  });

  it('makes the router contact no cloud metadata address when off', async () => {
    const contacted = await hostsContactedBy({ apolloTelemetry: false });
    expect(contacted.filter((h) => CLOUD_METADATA.includes(h))).toEqual([]);
  });

  it('probes the cloud metadata addresses when turned on (what "off" prevents)', async () => {
    const contacted = await hostsContactedBy({ apolloTelemetry: true });
    expect(contacted).toEqual(expect.arrayContaining(['169.254.169.254']));
  });
});
