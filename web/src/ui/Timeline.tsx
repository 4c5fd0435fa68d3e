import { formatTime } from '../format';
import type { Row } from '../live/useDashboards';
import { timelineOf } from '../orderStatus';

/** The order's steps with their times; steps still to come are greyed out. */
export function Timeline({ row }: { row: Row }) {
  const steps = timelineOf(row);
  return (
    <ol className="timeline" aria-label="Order progress">
      {steps.map((s) => (
        <li
          key={s.key}
          className={`step step-${s.tone}`}
          data-step={s.key}
          data-done={s.at ? 'true' : 'false'}
        >
          <span className="step-dot" aria-hidden="true" />
          <span className="step-label">{s.label}</span>
          {s.at ? (
            <time className="step-time" dateTime={s.at}>
              {formatTime(s.at)}
            </time>
          ) : (
            <span className="step-time step-pending">pending</span>
          )}
        </li>
      ))}
    </ol>
  );
}
