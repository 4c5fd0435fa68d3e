/** What `node dist/main.js <process>` (scripts/main.ts) can run. */

/** Process name -> compiled bundle, relative to the repository root. */
export const PROCESSES = {
  order: 'subgraphs/order/dist/index.js',
  store: 'subgraphs/store/dist/index.js',
  delivery: 'subgraphs/delivery/dist/index.js',
  payment: 'subgraphs/payment/dist/index.js',
  dashboard: 'subgraphs/dashboard/dist/index.js',
  router: 'router/dist/index.js',
  'dashboard-rebuild': 'subgraphs/dashboard/dist/rebuild.js',
  dlq: 'dist/dlq.js',
  backup: 'dist/backup.js',
  restore: 'dist/restore.js',
  token: 'dist/token.js',
} as const;
export type ProcessName = keyof typeof PROCESSES;

export const MAIN_USAGE = `usage: node dist/main.js <process> [arguments…]
  services: order | store | delivery | payment | dashboard | router
  tools:    dashboard-rebuild [--force] | dlq <list|replay> <topic> … | token --role <role> --sub <id>
            backup <context|eventlog> [--out DIR] | restore <context> <file> [--force]`;
