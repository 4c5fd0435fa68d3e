import { formatWon } from '../format';

/**
 * The store subgraph's bounds for amounts an owner types (subgraphs/store/src/catalogInput.ts
 * LIMITS). Checked here as well because the API takes them as `Int`: anything that is not a whole
 * 32-bit number never reaches the store's own check, and a blank sent as null on an update means
 * "leave as is", which looked like a save that did nothing.
 */
export const WON_BOUNDS = {
  minimumOrder: { min: 0, max: 1_000_000, what: 'a minimum order' },
  deliveryFee: { min: 0, max: 1_000_000, what: 'a delivery fee' },
  price: { min: 0, max: 10_000_000, what: 'a price' },
  priceDelta: { min: -1_000_000, max: 1_000_000, what: 'the price change' },
} as const;

export type WonKind = keyof typeof WON_BOUNDS;

/** `−₩1,000,000` for negatives (formatWon would put the sign after ₩). */
const wonText = (n: number) => (n < 0 ? `−${formatWon(-n)}` : formatWon(n));

/** "Enter a price in whole won, from ₩0 to ₩10,000,000". */
export function wonHint(kind: WonKind): string {
  const { min, max, what } = WON_BOUNDS[kind];
  return `Enter ${what} in whole won, from ${wonText(min)} to ${wonText(max)}`;
}

/**
 * Won from what the owner typed (`12,000`, `₩12,000` and `−500` are fine), or the message to show
 * by the field when it is blank, not a whole number, or out of bounds.
 */
export function parseWon(text: string, kind: WonKind): { value: number } | { error: string } {
  const plain = text.replace(/[,₩\s]/g, '').replace('−', '-');
  const { min, max } = WON_BOUNDS[kind];
  if (!/^[-+]?\d+$/.test(plain)) return { error: wonHint(kind) };
  const value = Number(plain);
  if (value < min || value > max) return { error: wonHint(kind) };
  // -0 would be sent as 0 anyway; keep the value plain.
  return { value: value === 0 ? 0 : value };
}

/** The message shown under a field, tied to it by `aria-describedby`. */
export const errorId = (inputId: string) => `${inputId}-error`;

/** The message for one field, next to it; announced when it appears. */
export function FieldError({ inputId, error }: { inputId: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <small id={errorId(inputId)} className="alert alert-error small field-error" role="alert">
      {error}
    </small>
  );
}

/** Props tying an input to its message, for assistive tech and for tests. */
export const invalidProps = (inputId: string, error: string | undefined) =>
  error ? { 'aria-invalid': true, 'aria-describedby': errorId(inputId) } : {};
