import { type FormEvent, useState } from 'react';
import { useMutation } from 'urql';
import { formatWon } from '../format';
import type { OwnerStoreFieldsFragment } from '../generated/graphql';
import { type ApiProblem, problemOf } from '../graphqlClient';
import {
  AddMenuItemMutation,
  CreateStoreMutation,
  RemoveMenuItemMutation,
  ReorderMenuMutation,
  UpdateMenuItemMutation,
  UpdateStoreMutation,
} from '../operations';
import { MenuItemEditor, optionText } from './MenuItemEditor';
import { OpeningHoursEditor } from './OpeningHoursEditor';
import { FieldError, invalidProps, parseWon, type WonKind } from './wonInput';

type Store = OwnerStoreFieldsFragment;

/** A problem from the API, naming the field it is about when there is one (`extensions.field`). */
function Problem({ problem }: { problem: ApiProblem | null }) {
  if (!problem) return null;
  return (
    <p className="alert alert-error small" role="alert">
      {problem.message}
    </p>
  );
}

interface StoreFormValues {
  name: string;
  category: string;
  address: string;
  description: string;
  minimumOrder: string;
  deliveryFee: string;
}

/** The amounts of a store form, checked before anything is sent. */
interface StoreAmounts {
  minimumOrder: number;
  deliveryFee: number;
}

function StoreForm({
  initial,
  submitLabel,
  onSubmit,
  idPrefix,
}: {
  initial: StoreFormValues;
  submitLabel: string;
  onSubmit: (values: StoreFormValues, amounts: StoreAmounts) => Promise<ApiProblem | null>;
  idPrefix: string;
}) {
  const [values, setValues] = useState(initial);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<Partial<Record<WonKind, string>>>({});
  const field = (key: keyof StoreFormValues, label: string, inputMode?: 'numeric') => {
    const id = `${idPrefix}-${key}`;
    const error = key === 'minimumOrder' || key === 'deliveryFee' ? errors[key] : undefined;
    return (
      <>
        <label className="form-field" htmlFor={id}>
          <span>{label}</span>
          <input
            id={id}
            value={values[key]}
            inputMode={inputMode}
            {...invalidProps(id, error)}
            onChange={(e) => {
              setValues({ ...values, [key]: e.target.value });
              if (error) setErrors({ ...errors, [key]: undefined });
            }}
          />
        </label>
        <FieldError inputId={id} error={error} />
      </>
    );
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const minimumOrder = parseWon(values.minimumOrder, 'minimumOrder');
    const deliveryFee = parseWon(values.deliveryFee, 'deliveryFee');
    // Nothing is sent until every amount is one the API takes: the form stays open with the
    // message by the field, rather than closing as if saved.
    if ('error' in minimumOrder || 'error' in deliveryFee) {
      setErrors({
        minimumOrder: 'error' in minimumOrder ? minimumOrder.error : undefined,
        deliveryFee: 'error' in deliveryFee ? deliveryFee.error : undefined,
      });
      setProblem(null);
      return;
    }
    setErrors({});
    setBusy(true);
    setProblem(await onSubmit(values, { minimumOrder: minimumOrder.value, deliveryFee: deliveryFee.value }));
    setBusy(false);
  };
  return (
    <form className="store-form" onSubmit={submit}>
      {field('name', 'Store name')}
      {field('category', 'Category')}
      {field('address', 'Address')}
      {field('description', 'Description')}
      {field('minimumOrder', 'Minimum order (₩)', 'numeric')}
      {field('deliveryFee', 'Delivery fee (₩)', 'numeric')}
      <Problem problem={problem} />
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {submitLabel}
      </button>
    </form>
  );
}

/** Creates a store for the signed-in owner (closed until they open it). */
export function CreateStoreForm() {
  const [, create] = useMutation(CreateStoreMutation);
  const [open, setOpen] = useState(false);
  if (!open)
    return (
      <button type="button" className="btn btn-ghost" onClick={() => setOpen(true)}>
        New store
      </button>
    );
  return (
    <section className="card store-admin" aria-label="New store">
      <h3>New store</h3>
      <StoreForm
        idPrefix="new-store"
        initial={{
          name: '',
          category: '',
          address: '',
          description: '',
          minimumOrder: '0',
          deliveryFee: '0',
        }}
        submitLabel="Create store"
        onSubmit={async (v, amounts) => {
          const res = await create(
            {
              input: {
                name: v.name,
                category: v.category,
                address: v.address,
                description: v.description,
                ...amounts,
              },
            },
            { additionalTypenames: ['Store'] },
          );
          const problem = problemOf(res.error);
          if (!problem) setOpen(false);
          return problem;
        }}
      />
    </section>
  );
}

/** One store's editor: its terms, and the menu (add, edit price, move, remove). */
export function StoreEditor({ store }: { store: Store }) {
  const [, update] = useMutation(UpdateStoreMutation);
  const [editing, setEditing] = useState(false);
  return (
    <div className="store-editor">
      <p className="muted small">
        {store.address || 'No address yet'} · min {formatWon(store.minimumOrder)} · delivery{' '}
        {formatWon(store.deliveryFee)}
        {store.open && !store.acceptingOrders ? ' · outside opening hours' : ''}
      </p>
      {editing ? (
        <StoreForm
          idPrefix={`edit-${store.id}`}
          initial={{
            name: store.name,
            category: store.category,
            address: store.address,
            description: store.description,
            minimumOrder: String(store.minimumOrder),
            deliveryFee: String(store.deliveryFee),
          }}
          submitLabel="Save store"
          onSubmit={async (v, amounts) => {
            const res = await update({
              storeId: store.id,
              input: {
                name: v.name,
                category: v.category,
                address: v.address,
                description: v.description,
                ...amounts,
              },
            });
            const problem = problemOf(res.error);
            if (!problem) setEditing(false);
            return problem;
          }}
        />
      ) : (
        <button
          type="button"
          className="btn btn-ghost btn-small"
          onClick={() => setEditing(true)}
          aria-label={`Edit ${store.name}`}
        >
          Edit store
        </button>
      )}
      <OpeningHoursEditor store={store} />
      <MenuEditor store={store} />
    </div>
  );
}

function MenuEditor({ store }: { store: Store }) {
  const [, add] = useMutation(AddMenuItemMutation);
  const [, reorder] = useMutation(ReorderMenuMutation);
  const [, remove] = useMutation(RemoveMenuItemMutation);
  const [problem, setProblem] = useState<ApiProblem | null>(null);
  const [name, setName] = useState('');
  const [price, setPrice] = useState('');
  const [category, setCategory] = useState('');
  const [priceError, setPriceError] = useState<string>();
  const [editingItem, setEditingItem] = useState<string | null>(null);
  const ids = store.menu.map((m) => m.id);
  const move = async (index: number, by: -1 | 1) => {
    const next = [...ids];
    const [moved] = next.splice(index, 1);
    next.splice(index + by, 0, moved!);
    setProblem(problemOf((await reorder({ storeId: store.id, menuItemIds: next })).error));
  };
  return (
    <section className="menu-editor" aria-label={`Menu of ${store.name}`}>
      <h4>Menu</h4>
      <Problem problem={problem} />
      <ol className="menu-editor-list">
        {store.menu.map((m, i) => (
          <li key={m.id} data-menu-editor-item={m.id}>
            <span className="menu-editor-name">
              {m.name} {m.category && <span className="muted small">{m.category}</span>}
              {!m.available && <span className="badge badge-soldout">Sold out</span>}
              {m.description && (
                <small className="muted item-description" data-description>
                  {m.description}
                </small>
              )}
              {m.options.length > 0 && (
                <small className="muted item-options" data-options>
                  {m.options.map(optionText).join(' · ')}
                </small>
              )}
            </span>
            <span className="menu-editor-controls">
              <PriceEditor key={`${m.id}-${m.price}`} item={m} onProblem={setProblem} />
              <span className="menu-editor-actions">
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  aria-expanded={editingItem === m.id}
                  onClick={() => setEditingItem(editingItem === m.id ? null : m.id)}
                  aria-label={`Edit details of ${m.name}`}
                >
                  Edit
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  disabled={i === 0}
                  onClick={() => move(i, -1)}
                  aria-label={`Move ${m.name} up`}
                >
                  ↑
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  disabled={i === store.menu.length - 1}
                  onClick={() => move(i, 1)}
                  aria-label={`Move ${m.name} down`}
                >
                  ↓
                </button>
                <button
                  type="button"
                  className="btn btn-ghost btn-small"
                  onClick={async () => setProblem(problemOf((await remove({ menuItemId: m.id })).error))}
                  aria-label={`Remove ${m.name}`}
                >
                  Remove
                </button>
              </span>
            </span>
            {editingItem === m.id && <MenuItemEditor item={m} onDone={() => setEditingItem(null)} />}
          </li>
        ))}
      </ol>
      <form
        className="menu-add"
        aria-label={`Add a dish to ${store.name}`}
        onSubmit={async (e) => {
          e.preventDefault();
          // `price` is an Int! variable: a blank, 12.5 or 99999999999 would be refused before the
          // store sees it, with graphql-js's wording; say it by the field instead.
          const parsed = parseWon(price, 'price');
          setPriceError('error' in parsed ? parsed.error : undefined);
          if ('error' in parsed) {
            setProblem(null);
            return;
          }
          const res = await add({ storeId: store.id, input: { name, price: parsed.value, category } });
          const p = problemOf(res.error);
          setProblem(p);
          if (!p) {
            setName('');
            setPrice('');
            setCategory('');
          }
        }}
      >
        <label className="form-field" htmlFor={`add-name-${store.id}`}>
          <span>Dish name</span>
          <input id={`add-name-${store.id}`} value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label className="form-field" htmlFor={`add-price-${store.id}`}>
          <span>Price (₩)</span>
          <input
            id={`add-price-${store.id}`}
            inputMode="numeric"
            value={price}
            {...invalidProps(`add-price-${store.id}`, priceError)}
            onChange={(e) => {
              setPrice(e.target.value);
              setPriceError(undefined);
            }}
          />
        </label>
        <FieldError inputId={`add-price-${store.id}`} error={priceError} />
        <label className="form-field" htmlFor={`add-category-${store.id}`}>
          <span>Category</span>
          <input
            id={`add-category-${store.id}`}
            value={category}
            onChange={(e) => setCategory(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary">
          Add dish
        </button>
      </form>
    </section>
  );
}

function PriceEditor({
  item,
  onProblem,
}: {
  item: Store['menu'][number];
  onProblem: (p: ApiProblem | null) => void;
}) {
  const [, update] = useMutation(UpdateMenuItemMutation);
  const [value, setValue] = useState(String(item.price));
  const [error, setError] = useState<string>();
  const changed = value !== String(item.price);
  const inputId = `price-${item.id}`;
  return (
    <form
      className="price-editor"
      onSubmit={async (e) => {
        e.preventDefault();
        // A blank sent as null would mean "price unchanged": nothing saved and nothing said.
        const parsed = parseWon(value, 'price');
        if ('error' in parsed) {
          setError(parsed.error);
          return;
        }
        onProblem(problemOf((await update({ menuItemId: item.id, input: { price: parsed.value } })).error));
      }}
    >
      <label className="sr-only" htmlFor={`price-${item.id}`}>
        Price of {item.name} (₩)
      </label>
      <input
        id={inputId}
        className="price-input"
        inputMode="numeric"
        value={value}
        {...invalidProps(inputId, error)}
        onChange={(e) => {
          setValue(e.target.value);
          setError(undefined);
        }}
      />
      <button
        type="submit"
        className="btn btn-ghost btn-small"
        disabled={!changed}
        aria-label={`Save price of ${item.name}`}
      >
        Save
      </button>
      <FieldError inputId={inputId} error={error} />
    </form>
  );
}
