import { graphql } from './generated';

/** Every field of a dashboard row the screens show; live feeds and queries select the same. */
export const DashboardFieldsFragment = graphql(`
  fragment DashboardFields on Dashboard {
    orderId
    customerId
    storeId
    storeName
    items {
      menuItemId
      name
      quantity
      unitPrice
    }
    total
    status
    paymentStatus
    riderId
    statusReason
    sequence
    changeId
    placedAt
    acceptedAt
    rejectedAt
    cookingAt
    readyAt
    pickedUpAt
    deliveredAt
    cancelRequestedAt
    canceledAt
    refundedAt
    updatedAt
  }
`);

/** A dish as the customer's menu and the owner's switches show it. */
export const MenuItemFieldsFragment = graphql(`
  fragment MenuItemFields on MenuItem {
    id
    name
    price
    available
  }
`);

export const StoresQuery = graphql(`
  query Stores {
    stores {
      id
      name
      description
      category
      open
      menu {
        ...MenuItemFields
      }
    }
  }
`);

export const MyDashboardsQuery = graphql(`
  query MyDashboards($first: Int) {
    myDashboards(first: $first) {
      ...DashboardFields
    }
  }
`);

/** The customer's orders a page at a time, newest first, each with its dashboard row. */
export const MyOrderPageQuery = graphql(`
  query MyOrderPage($first: Int, $after: String) {
    myOrderConnection(first: $first, after: $after) {
      nodes {
        id
        dashboard {
          ...DashboardFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const MyStoresQuery = graphql(`
  query MyStores {
    myStores {
      id
      name
      category
      open
      menu {
        ...MenuItemFields
      }
      ...OwnerStoreFields
    }
  }
`);

export const AvailableDeliveriesQuery = graphql(`
  query AvailableDeliveries {
    availableDeliveries {
      id
      orderId
      status
      createdAt
      store {
        id
        name
      }
    }
  }
`);

export const PlaceOrderMutation = graphql(`
  mutation PlaceOrder($input: PlaceOrderInput!) {
    placeOrder(input: $input) {
      id
      status
      total
    }
  }
`);

export const CancelOrderMutation = graphql(`
  mutation CancelOrder($orderId: ID!) {
    cancelOrder(orderId: $orderId) {
      id
      status
      cancelable
    }
  }
`);

export const AcceptOrderMutation = graphql(`
  mutation AcceptOrder($orderId: ID!) {
    acceptOrder(orderId: $orderId) {
      orderId
      status
    }
  }
`);

export const RejectOrderMutation = graphql(`
  mutation RejectOrder($orderId: ID!, $reason: String!) {
    rejectOrder(orderId: $orderId, reason: $reason) {
      orderId
      status
    }
  }
`);

export const StartCookingMutation = graphql(`
  mutation StartCooking($orderId: ID!) {
    startCooking(orderId: $orderId) {
      orderId
      status
    }
  }
`);

export const MarkReadyMutation = graphql(`
  mutation MarkReady($orderId: ID!) {
    markReady(orderId: $orderId) {
      orderId
      status
    }
  }
`);

export const SetStoreOpenMutation = graphql(`
  mutation SetStoreOpen($storeId: ID!, $open: Boolean!) {
    setStoreOpen(storeId: $storeId, open: $open) {
      id
      open
    }
  }
`);

export const SetMenuItemAvailableMutation = graphql(`
  mutation SetMenuItemAvailable($menuItemId: ID!, $available: Boolean!) {
    setMenuItemAvailable(menuItemId: $menuItemId, available: $available) {
      id
      available
    }
  }
`);

export const PickUpMutation = graphql(`
  mutation PickUp($orderId: ID!) {
    pickUp(orderId: $orderId) {
      id
      orderId
      status
      pickedUpAt
    }
  }
`);

export const CompleteDeliveryMutation = graphql(`
  mutation CompleteDelivery($orderId: ID!) {
    completeDelivery(orderId: $orderId) {
      id
      orderId
      status
      deliveredAt
    }
  }
`);

export const MyOrdersChangedSubscription = graphql(`
  subscription MyOrdersChanged($afterChangeId: Int) {
    myOrdersChanged(afterChangeId: $afterChangeId) {
      ...DashboardFields
    }
  }
`);

export const TicketsChangedSubscription = graphql(`
  subscription TicketsChanged($afterChangeId: Int) {
    ticketsChanged(afterChangeId: $afterChangeId) {
      ...DashboardFields
    }
  }
`);

export const DeliveryAvailableSubscription = graphql(`
  subscription DeliveryAvailable($afterChangeId: Int) {
    deliveryAvailable(afterChangeId: $afterChangeId) {
      ...DashboardFields
    }
  }
`);

/** Jobs becoming free or taken (by anyone): how a rider's board drops a job another rider took. */
export const DeliveryOffersChangedSubscription = graphql(`
  subscription DeliveryOffersChanged($afterChangeId: Int) {
    deliveryOffersChanged(afterChangeId: $afterChangeId) {
      orderId
      available
      changeId
    }
  }
`);

/** The owner console's store editor: the store's terms and its full menu, in menu order. */
export const OwnerStoreFieldsFragment = graphql(`
  fragment OwnerStoreFields on Store {
    id
    name
    description
    category
    address
    timeZone
    minimumOrder
    deliveryFee
    open
    acceptingOrders
    openingHours {
      day
      opens
      closes
    }
    menu {
      id
      name
      description
      category
      price
      available
      options {
        name
        priceDelta
      }
    }
  }
`);

export const CreateStoreMutation = graphql(`
  mutation CreateStore($input: CreateStoreInput!) {
    createStore(input: $input) {
      ...OwnerStoreFields
    }
  }
`);

export const UpdateStoreMutation = graphql(`
  mutation UpdateStore($storeId: ID!, $input: UpdateStoreInput!) {
    updateStore(storeId: $storeId, input: $input) {
      ...OwnerStoreFields
    }
  }
`);

export const AddMenuItemMutation = graphql(`
  mutation AddMenuItem($storeId: ID!, $input: MenuItemInput!) {
    addMenuItem(storeId: $storeId, input: $input) {
      id
      store {
        ...OwnerStoreFields
      }
    }
  }
`);

export const UpdateMenuItemMutation = graphql(`
  mutation UpdateMenuItem($menuItemId: ID!, $input: UpdateMenuItemInput!) {
    updateMenuItem(menuItemId: $menuItemId, input: $input) {
      id
      name
      price
      category
      description
      available
      options {
        name
        priceDelta
      }
    }
  }
`);

export const ReorderMenuMutation = graphql(`
  mutation ReorderMenu($storeId: ID!, $menuItemIds: [ID!]!) {
    reorderMenu(storeId: $storeId, menuItemIds: $menuItemIds) {
      ...OwnerStoreFields
    }
  }
`);

export const RemoveMenuItemMutation = graphql(`
  mutation RemoveMenuItem($menuItemId: ID!) {
    removeMenuItem(menuItemId: $menuItemId) {
      ...OwnerStoreFields
    }
  }
`);

/** A page of the customer's store list: filtered by `search`, `category` and `openOnly`. */
export const StoreConnectionQuery = graphql(`
  query StoreConnection($first: Int, $after: String, $search: String, $category: String, $openOnly: Boolean) {
    storeConnection(first: $first, after: $after, search: $search, category: $category, openOnly: $openOnly) {
      nodes {
        id
        name
        description
        category
        open
        acceptingOrders
        ownerId
        menu {
          id
          price
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/**
 * Whether an order exists and is the caller's, from the order context itself: the dashboard read
 * model lags a just-placed order, so its absence there says nothing.
 */
export const OrderExistsQuery = graphql(`
  query OrderExists($id: ID!) {
    order(id: $id) {
      id
    }
  }
`);

/** One store's header for its page: terms, whether it takes orders, its menu sections. */
export const StoreHeaderQuery = graphql(`
  query StoreHeader($id: ID!) {
    store(id: $id) {
      id
      name
      description
      category
      open
      acceptingOrders
      address
      minimumOrder
      deliveryFee
      menuCategories
    }
  }
`);

/** A page of one store's menu, filtered by `search`, `category` and `availableOnly`. */
export const StoreMenuPageQuery = graphql(`
  query StoreMenuPage(
    $id: ID!
    $first: Int
    $after: String
    $search: String
    $category: String
    $availableOnly: Boolean
  ) {
    store(id: $id) {
      id
      menuItems(first: $first, after: $after, search: $search, category: $category, availableOnly: $availableOnly) {
        nodes {
          ...MenuItemFields
          description
          category
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);
