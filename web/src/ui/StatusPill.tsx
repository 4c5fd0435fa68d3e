import type { DashboardStatus } from '../generated/graphql';
import { STATUS_LABEL } from '../orderStatus';

export function StatusPill({ status }: { status: DashboardStatus }) {
  return (
    <span className={`pill pill-${status.toLowerCase()}`} data-status={status}>
      {STATUS_LABEL[status]}
    </span>
  );
}
