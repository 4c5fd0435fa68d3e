import { openingHoursProblem } from '@baemin/platform/openingHours';
import { useState } from 'react';
import { useMutation } from 'urql';
import type { OwnerStoreFieldsFragment, Weekday } from '../generated/graphql';
import { type ApiProblem, problemOf } from '../graphqlClient';
import { UpdateStoreMutation } from '../operations';

type Store = OwnerStoreFieldsFragment;
interface Period {
  day: Weekday;
  opens: string;
  closes: string;
}

export const DAYS: { day: Weekday; name: string }[] = [
  { day: 'MON', name: 'Monday' },
  { day: 'TUE', name: 'Tuesday' },
  { day: 'WED', name: 'Wednesday' },
  { day: 'THU', name: 'Thursday' },
  { day: 'FRI', name: 'Friday' },
  { day: 'SAT', name: 'Saturday' },
  { day: 'SUN', name: 'Sunday' },
];

/** Offered in the time zone field; any IANA zone may be typed (the API validates it). */
const COMMON_ZONES = [
  'Asia/Seoul',
  'Asia/Tokyo',
  'Asia/Shanghai',
  'Europe/London',
  'America/New_York',
  'UTC',
];

/** The period input a rule problem's field is about: `openingHours[2].closes` → `closes-2`. */
function inputKeyOf(field: string | undefined): string | null {
  const at = field && /\[(\d+)\]\.(opens|closes)$/.exec(field);
  return at ? `${at[2]}-${at[1]}` : null;
}

/** `FRI 18:00–02:00`: a period closing at or before it opens runs past midnight. */
const periodText = (p: Period) => `${p.opens}–${p.closes}${p.closes <= p.opens ? ' (next day)' : ''}`;

/**
 * A store's weekly opening hours on its own wall clock: the saved hours as text, and an editor of
 * periods per weekday (several per day allowed) and the time zone. Saving sends the whole week
 * (`updateStore` replaces `openingHours`); an empty week means no hours limit.
 */
export function OpeningHoursEditor({ store }: { store: Store }) {
  const [, update] = useMutation(UpdateStoreMutation);
  const [editing, setEditing] = useState(false);
  const [zone, setZone] = useState(store.timeZone);
  const [periods, setPeriods] = useState<Period[]>([]);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const errorId = `hours-${store.id}-error`;
  const inputId = (name: string) => `hours-${store.id}-${name}`;
  // The problem's field names the input it is about: `openingHours[2].closes` (the rule's, which
  // follows the edits) or `timeZone` (the API's refusal, shown until the next save).
  const ruled = problem?.field?.startsWith('openingHours') ?? false;
  const invalid = problem?.field === 'timeZone' ? 'zone' : inputKeyOf(problem?.field);
  const start = () => {
    setZone(store.timeZone);
    setPeriods(store.openingHours.map((p) => ({ day: p.day, opens: p.opens, closes: p.closes })));
    setProblem(null);
    setEditing(true);
  };
  /** Shows the store context's own rule's verdict on `next` (the words the API would send). */
  const check = (next: Period[]) => {
    const found = openingHoursProblem(next);
    setProblem(found && { code: 'BAD_USER_INPUT', ...found });
    return found;
  };
  const edit = (next: Period[]) => {
    setPeriods(next);
    if (ruled) check(next);
  };
  const change = (index: number, patch: Partial<Period>) =>
    edit(periods.map((p, i) => (i === index ? { ...p, ...patch } : p)));
  const remove = (index: number) => edit(periods.filter((_, j) => j !== index));
  const save = async () => {
    // Hours the API would refuse are not sent: the message and the field are shown at once.
    const found = check(periods);
    if (found) {
      const key = inputKeyOf(found.field);
      if (key) document.getElementById(inputId(key))?.focus();
      return;
    }
    setBusy(true);
    const res = await update({ storeId: store.id, input: { timeZone: zone.trim(), openingHours: periods } });
    const p = problemOf(res.error);
    setBusy(false);
    setProblem(p);
    if (!p) setEditing(false);
  };
  const region = `Opening hours of ${store.name}`;
  return (
    <section className="hours-editor" aria-label={region}>
      <h4>Opening hours</h4>
      {!editing && (
        <>
          <p className="muted small" data-time-zone={store.timeZone}>
            Time zone {store.timeZone}
          </p>
          {store.openingHours.length === 0 ? (
            <p className="muted small" data-opening-hours="">
              No hours set: open whenever the switch is on.
            </p>
          ) : (
            <dl
              className="hours-list"
              data-opening-hours={store.openingHours.map((p) => `${p.day} ${p.opens}-${p.closes}`).join(', ')}
            >
              {DAYS.filter((d) => store.openingHours.some((p) => p.day === d.day)).map((d) => (
                <div key={d.day} className="hours-row">
                  <dt>{d.name}</dt>
                  <dd>
                    {store.openingHours
                      .filter((p) => p.day === d.day)
                      .map(periodText)
                      .join(', ')}
                  </dd>
                </div>
              ))}
            </dl>
          )}
          <button
            type="button"
            className="btn btn-ghost btn-small"
            onClick={start}
            aria-label={`Edit opening hours of ${store.name}`}
          >
            Edit hours
          </button>
        </>
      )}
      {editing && (
        <form
          className="hours-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label className="form-field" htmlFor={`zone-${store.id}`}>
            <span>Time zone</span>
            <input
              id={`zone-${store.id}`}
              list={`zones-${store.id}`}
              value={zone}
              onChange={(e) => setZone(e.target.value)}
              aria-invalid={invalid === 'zone' || undefined}
              aria-describedby={invalid === 'zone' ? errorId : undefined}
            />
            <datalist id={`zones-${store.id}`}>
              {COMMON_ZONES.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
          </label>
          {DAYS.map((d) => (
            <fieldset key={d.day} className="hours-day">
              <legend>{d.name}</legend>
              {periods.every((p) => p.day !== d.day) && <span className="muted small">Closed</span>}
              {periods.map((p, i) =>
                p.day !== d.day ? null : (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a period has no identity until saved; its times are edited
                  <div key={`${d.day}-${i}`} className="hours-period">
                    <input
                      id={inputId(`opens-${i}`)}
                      aria-label={`${d.name} opens`}
                      className="time-input"
                      placeholder="HH:MM"
                      value={p.opens}
                      onChange={(e) => change(i, { opens: e.target.value })}
                      aria-invalid={invalid === `opens-${i}` || undefined}
                      aria-describedby={invalid === `opens-${i}` ? errorId : undefined}
                    />
                    <span aria-hidden="true">–</span>
                    <input
                      id={inputId(`closes-${i}`)}
                      aria-label={`${d.name} closes`}
                      className="time-input"
                      placeholder="HH:MM"
                      value={p.closes}
                      onChange={(e) => change(i, { closes: e.target.value })}
                      aria-invalid={invalid === `closes-${i}` || undefined}
                      aria-describedby={invalid === `closes-${i}` ? errorId : undefined}
                    />
                    <button
                      type="button"
                      className="btn btn-ghost btn-small"
                      aria-label={`Remove ${d.name} period ${p.opens}–${p.closes}`}
                      onClick={() => remove(i)}
                    >
                      ✕
                    </button>
                  </div>
                ),
              )}
              <button
                type="button"
                className="btn btn-ghost btn-small"
                aria-label={`Add hours on ${d.name}`}
                onClick={() => setPeriods([...periods, { day: d.day, opens: '11:00', closes: '22:00' }])}
              >
                + Hours
              </button>
            </fieldset>
          ))}
          {problem && (
            <p id={errorId} className="alert alert-error small" role="alert">
              {problem.message}
            </p>
          )}
          <div className="ticket-actions">
            <button type="submit" className="btn btn-primary" disabled={busy}>
              Save opening hours
            </button>
            <button type="button" className="btn btn-ghost" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
