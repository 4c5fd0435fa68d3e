import { useState } from 'react';
import { useMutation } from 'urql';
import { formatWon } from '../format';
import type { OwnerStoreFieldsFragment } from '../generated/graphql';
import { type ApiProblem, problemOf } from '../graphqlClient';
import { UpdateMenuItemMutation } from '../operations';
import { FieldError, invalidProps, parseWon } from './wonInput';

type Item = OwnerStoreFieldsFragment['menu'][number];
interface OptionRow {
  name: string;
  priceDelta: string;
}

/** `Extra cheese +₩1,000`, `Small −₩500`. */
export const optionText = (o: { name: string; priceDelta: number }) =>
  `${o.name} ${o.priceDelta < 0 ? '−' : '+'}${formatWon(Math.abs(o.priceDelta))}`;

/**
 * Every field of one dish: name, description, category, price, availability and its options
 * (each with a price delta). Saving sends them all at once (`updateMenuItem`), so the order
 * context receives one new snapshot of the menu, never half an edit.
 */
export function MenuItemEditor({ item, onDone }: { item: Item; onDone: () => void }) {
  const [, update] = useMutation(UpdateMenuItemMutation);
  const [name, setName] = useState(item.name);
  const [description, setDescription] = useState(item.description);
  const [category, setCategory] = useState(item.category);
  const [price, setPrice] = useState(String(item.price));
  const [available, setAvailable] = useState(item.available);
  const [options, setOptions] = useState<OptionRow[]>(
    item.options.map((o) => ({ name: o.name, priceDelta: String(o.priceDelta) })),
  );
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  /** Messages by input id: the price's and each option's price change. */
  const [errors, setErrors] = useState<Record<string, string>>({});
  const id = (key: string) => `item-${key}-${item.id}`;
  const optionDeltaId = (index: number) => id(`option-${index}-delta`);
  const setOption = (index: number, patch: Partial<OptionRow>) =>
    setOptions(options.map((o, i) => (i === index ? { ...o, ...patch } : o)));
  const clearError = (inputId: string) => {
    if (!errors[inputId]) return;
    const { [inputId]: _, ...rest } = errors;
    setErrors(rest);
  };
  return (
    <form
      className="item-editor"
      aria-label={`Edit ${item.name}`}
      onSubmit={async (e) => {
        e.preventDefault();
        // Amounts are Int variables: check them here so the API is only sent what it can take,
        // and the editor stays open with the message by the field.
        const found: Record<string, string> = {};
        const parsedPrice = parseWon(price, 'price');
        if ('error' in parsedPrice) found[id('price')] = parsedPrice.error;
        const deltas = options.map((o, i) => {
          const parsed = parseWon(o.priceDelta, 'priceDelta');
          if ('error' in parsed) found[optionDeltaId(i)] = parsed.error;
          return 'error' in parsed ? 0 : parsed.value;
        });
        setErrors(found);
        if ('error' in parsedPrice || Object.keys(found).length > 0) {
          setProblem(null);
          return;
        }
        setBusy(true);
        const res = await update({
          menuItemId: item.id,
          input: {
            name,
            description,
            category,
            price: parsedPrice.value,
            available,
            options: options.map((o, i) => ({ name: o.name.trim(), priceDelta: deltas[i]! })),
          },
        });
        const p = problemOf(res.error);
        setBusy(false);
        setProblem(p);
        if (!p) onDone();
      }}
    >
      <label className="form-field" htmlFor={id('name')}>
        <span>Name</span>
        <input id={id('name')} value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label className="form-field" htmlFor={id('description')}>
        <span>Description</span>
        <textarea
          id={id('description')}
          rows={2}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </label>
      <label className="form-field" htmlFor={id('category')}>
        <span>Menu section</span>
        <input id={id('category')} value={category} onChange={(e) => setCategory(e.target.value)} />
      </label>
      <label className="form-field" htmlFor={id('price')}>
        <span>Price (₩)</span>
        <input
          id={id('price')}
          inputMode="numeric"
          value={price}
          {...invalidProps(id('price'), errors[id('price')])}
          onChange={(e) => {
            setPrice(e.target.value);
            clearError(id('price'));
          }}
        />
      </label>
      <FieldError inputId={id('price')} error={errors[id('price')]} />
      <label className="check">
        <input type="checkbox" checked={available} onChange={(e) => setAvailable(e.target.checked)} />
        Available (unchecked: sold out)
      </label>
      <fieldset className="options-editor">
        <legend>Options</legend>
        {options.length === 0 && <p className="muted small">No options.</p>}
        {options.map((o, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity until saved; names may be edited
          <div key={i} className="option-row">
            <input
              aria-label={`Option ${i + 1} name`}
              placeholder="Extra cheese"
              value={o.name}
              onChange={(e) => setOption(i, { name: e.target.value })}
            />
            <input
              id={optionDeltaId(i)}
              aria-label={`Option ${i + 1} price change (₩)`}
              className="price-input"
              inputMode="numeric"
              value={o.priceDelta}
              {...invalidProps(optionDeltaId(i), errors[optionDeltaId(i)])}
              onChange={(e) => {
                setOption(i, { priceDelta: e.target.value });
                clearError(optionDeltaId(i));
              }}
            />
            <button
              type="button"
              className="btn btn-ghost btn-small"
              aria-label={`Remove option ${i + 1}`}
              onClick={() => {
                setOptions(options.filter((_, j) => j !== i));
                // Messages are keyed by row number, which shifts: they are shown again on Save.
                setErrors({});
              }}
            >
              ✕
            </button>
            <FieldError inputId={optionDeltaId(i)} error={errors[optionDeltaId(i)]} />
          </div>
        ))}
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={() => setOptions([...options, { name: '', priceDelta: '0' }])}
        >
          Add option
        </button>
      </fieldset>
      {problem && (
        <p className="alert alert-error small" role="alert">
          {problem.message}
        </p>
      )}
      <div className="ticket-actions">
        <button type="submit" className="btn btn-primary" disabled={busy} aria-label={`Save ${item.name}`}>
          Save dish
        </button>
        <button type="button" className="btn btn-ghost" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
