import { internalRoute, type RouteHandler } from '@baemin/platform';
import type { LiveServer } from './liveServer.js';

/** Ops routes of the dashboard context (platform `internalRoute`). */
export function internalRoutes(live: () => LiveServer | undefined): Record<string, RouteHandler> {
  return {
    // Counts for leak checks and metrics (no business data).
    '/internal/live': internalRoute(
      { methods: ['GET'], access: 'anyone' },
      () => live()?.stats() ?? { connections: 0, subscriptions: 0, rssBytes: 0 },
    ),
  };
}
