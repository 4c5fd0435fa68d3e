import type { DashboardStatus } from './generated/graphql';
import type { Row } from './live/useDashboards';

export const STATUS_LABEL: Record<DashboardStatus, string> = {
  PLACED: 'Waiting for the store',
  ACCEPTED: 'Accepted',
  REJECTED: 'Rejected',
  COOKING: 'Cooking',
  READY: 'Ready for pickup',
  PICKED_UP: 'On the way',
  DELIVERED: 'Delivered',
  CANCEL_PENDING: 'Cancel pending',
  CANCELED: 'Canceled',
};

/** Statuses after which nothing more happens to the order (refunds aside). */
export const FINISHED: ReadonlySet<DashboardStatus> = new Set(['DELIVERED', 'REJECTED', 'CANCELED']);

/** Cancel is allowed while the kitchen has not started (the order context's own rule). */
export function cancelAllowed(status: DashboardStatus): boolean {
  return status === 'PLACED' || status === 'ACCEPTED';
}

export type StepKey =
  | 'placed'
  | 'accepted'
  | 'rejected'
  | 'cooking'
  | 'ready'
  | 'pickedUp'
  | 'delivered'
  | 'cancelRequested'
  | 'canceled'
  | 'refunded';

export interface TimelineStep {
  key: StepKey;
  label: string;
  /** When it happened; null for a step still to come. */
  at: string | null;
  tone: 'done' | 'todo' | 'bad';
}

const HAPPY: { key: StepKey; label: string; field: keyof Row }[] = [
  { key: 'placed', label: 'Order placed', field: 'placedAt' },
  { key: 'accepted', label: 'Accepted by the store', field: 'acceptedAt' },
  { key: 'cooking', label: 'Cooking', field: 'cookingAt' },
  { key: 'ready', label: 'Ready for pickup', field: 'readyAt' },
  { key: 'pickedUp', label: 'Picked up by the rider', field: 'pickedUpAt' },
  { key: 'delivered', label: 'Delivered', field: 'deliveredAt' },
];

const SIDE: { key: StepKey; label: string; field: keyof Row; tone: TimelineStep['tone'] }[] = [
  { key: 'rejected', label: 'Rejected by the store', field: 'rejectedAt', tone: 'bad' },
  { key: 'cancelRequested', label: 'Cancel requested', field: 'cancelRequestedAt', tone: 'bad' },
  { key: 'canceled', label: 'Canceled', field: 'canceledAt', tone: 'bad' },
  { key: 'refunded', label: 'Payment refunded', field: 'refundedAt', tone: 'done' },
];

/**
 * The order's timeline, built from the times the dashboard row carries (not from the events
 * seen), so a page that was offline shows every step once it has the latest row.
 */
export function timelineOf(row: Row): TimelineStep[] {
  const happened: TimelineStep[] = [];
  for (const s of [...HAPPY, ...SIDE]) {
    const at = row[s.field] as string | null | undefined;
    if (at)
      happened.push({
        key: s.key,
        label: s.label,
        at,
        tone: 'tone' in s ? (s.tone as TimelineStep['tone']) : 'done',
      });
  }
  happened.sort((a, b) => (a.at ?? '').localeCompare(b.at ?? ''));
  const derailed = row.status === 'REJECTED' || row.status === 'CANCELED';
  if (derailed) {
    // A refund follows a rejection or cancel: show it as still to come until it is recorded.
    if (!row.refundedAt) happened.push({ key: 'refunded', label: 'Payment refund', at: null, tone: 'todo' });
    return happened;
  }
  const todo = HAPPY.filter((s) => !row[s.field]).map(
    (s): TimelineStep => ({ key: s.key, label: s.label, at: null, tone: 'todo' }),
  );
  return [...happened, ...todo];
}
