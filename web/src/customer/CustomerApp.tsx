import { type ReactElement, useCallback, useState } from 'react';
import type { ScreenProps } from '../App';
import type { LiveClient } from '../live/LiveClient';
import { type Row, useDashboards } from '../live/useDashboards';
import { MyOrdersChangedSubscription } from '../operations';
import { AppShell } from '../ui/AppShell';
import { type Cart, saveCart, savedCart } from './cart';
import { OrderList } from './OrderList';
import { OrderPage } from './OrderPage';
import { StoreList } from './StoreList';
import { StorePage } from './StorePage';

const subscribeMyOrders = (live: LiveClient, onRow: (r: Row) => void, onError: (m: string) => void) =>
  live.feed(MyOrdersChangedSubscription, (d) => d.myOrdersChanged, { row: onRow, error: onError });

/** The customer's screens: stores, a store's menu with the cart, orders, one order live. */
export function CustomerApp({ identity, live, path, onSignOut }: ScreenProps) {
  const dashboards = useDashboards(live, subscribeMyOrders);
  // Kept in the tab, so a reload or a deep link does not empty it.
  const [cart, setCartState] = useState<Cart>(() => savedCart(identity.sub));
  const setCart = useCallback(
    (next: Cart) => {
      setCartState(next);
      saveCart(identity.sub, next);
    },
    [identity.sub],
  );
  const storeMatch = /^\/customer\/stores\/([^/]+)$/.exec(path);
  const orderMatch = /^\/customer\/orders\/([^/]+)$/.exec(path);
  const onOrders = path.startsWith('/customer/orders');
  const active = Object.values(dashboards.rows).filter(
    (r) => !['DELIVERED', 'REJECTED', 'CANCELED'].includes(r.status),
  ).length;

  let page: ReactElement;
  if (storeMatch?.[1]) {
    page = <StorePage storeId={decodeURIComponent(storeMatch[1])} cart={cart} setCart={setCart} />;
  } else if (orderMatch?.[1]) {
    const id = decodeURIComponent(orderMatch[1]);
    page = <OrderPage orderId={id} row={dashboards.rows[id]} loaded={dashboards.loaded} />;
  } else if (onOrders) {
    page = <OrderList live={dashboards.rows} />;
  } else {
    page = <StoreList cart={cart} />;
  }
  return (
    <AppShell
      identity={identity}
      live={live}
      onSignOut={onSignOut}
      nav={[
        { href: '/customer', label: 'Stores', current: !onOrders },
        {
          href: '/customer/orders',
          // The live rows are the newest 50 and what changed since: past a full snapshot older
          // orders may be in progress too, so the count is a floor and says so.
          label: active ? `Orders (${active}${dashboards.complete ? '' : '+'} active)` : 'Orders',
          current: onOrders,
        },
      ]}
    >
      {page}
    </AppShell>
  );
}
