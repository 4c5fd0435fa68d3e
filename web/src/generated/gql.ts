/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment DashboardFields on Dashboard {\n    orderId\n    customerId\n    storeId\n    storeName\n    items {\n      menuItemId\n      name\n      quantity\n      unitPrice\n    }\n    total\n    status\n    paymentStatus\n    riderId\n    statusReason\n    sequence\n    changeId\n    placedAt\n    acceptedAt\n    rejectedAt\n    cookingAt\n    readyAt\n    pickedUpAt\n    deliveredAt\n    cancelRequestedAt\n    canceledAt\n    refundedAt\n    updatedAt\n  }\n": typeof types.DashboardFieldsFragmentDoc,
    "\n  fragment MenuItemFields on MenuItem {\n    id\n    name\n    price\n    available\n  }\n": typeof types.MenuItemFieldsFragmentDoc,
    "\n  query Stores {\n    stores {\n      id\n      name\n      description\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n    }\n  }\n": typeof types.StoresDocument,
    "\n  query MyDashboards($first: Int) {\n    myDashboards(first: $first) {\n      ...DashboardFields\n    }\n  }\n": typeof types.MyDashboardsDocument,
    "\n  query MyOrderPage($first: Int, $after: String) {\n    myOrderConnection(first: $first, after: $after) {\n      nodes {\n        id\n        dashboard {\n          ...DashboardFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.MyOrderPageDocument,
    "\n  query MyStores {\n    myStores {\n      id\n      name\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n      ...OwnerStoreFields\n    }\n  }\n": typeof types.MyStoresDocument,
    "\n  query AvailableDeliveries {\n    availableDeliveries {\n      id\n      orderId\n      status\n      createdAt\n      store {\n        id\n        name\n      }\n    }\n  }\n": typeof types.AvailableDeliveriesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n    }\n  }\n": typeof types.PlaceOrderDocument,
    "\n  mutation CancelOrder($orderId: ID!) {\n    cancelOrder(orderId: $orderId) {\n      id\n      status\n      cancelable\n    }\n  }\n": typeof types.CancelOrderDocument,
    "\n  mutation AcceptOrder($orderId: ID!) {\n    acceptOrder(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": typeof types.AcceptOrderDocument,
    "\n  mutation RejectOrder($orderId: ID!, $reason: String!) {\n    rejectOrder(orderId: $orderId, reason: $reason) {\n      orderId\n      status\n    }\n  }\n": typeof types.RejectOrderDocument,
    "\n  mutation StartCooking($orderId: ID!) {\n    startCooking(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": typeof types.StartCookingDocument,
    "\n  mutation MarkReady($orderId: ID!) {\n    markReady(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": typeof types.MarkReadyDocument,
    "\n  mutation SetStoreOpen($storeId: ID!, $open: Boolean!) {\n    setStoreOpen(storeId: $storeId, open: $open) {\n      id\n      open\n    }\n  }\n": typeof types.SetStoreOpenDocument,
    "\n  mutation SetMenuItemAvailable($menuItemId: ID!, $available: Boolean!) {\n    setMenuItemAvailable(menuItemId: $menuItemId, available: $available) {\n      id\n      available\n    }\n  }\n": typeof types.SetMenuItemAvailableDocument,
    "\n  mutation PickUp($orderId: ID!) {\n    pickUp(orderId: $orderId) {\n      id\n      orderId\n      status\n      pickedUpAt\n    }\n  }\n": typeof types.PickUpDocument,
    "\n  mutation CompleteDelivery($orderId: ID!) {\n    completeDelivery(orderId: $orderId) {\n      id\n      orderId\n      status\n      deliveredAt\n    }\n  }\n": typeof types.CompleteDeliveryDocument,
    "\n  subscription MyOrdersChanged($afterChangeId: Int) {\n    myOrdersChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": typeof types.MyOrdersChangedDocument,
    "\n  subscription TicketsChanged($afterChangeId: Int) {\n    ticketsChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": typeof types.TicketsChangedDocument,
    "\n  subscription DeliveryAvailable($afterChangeId: Int) {\n    deliveryAvailable(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": typeof types.DeliveryAvailableDocument,
    "\n  subscription DeliveryOffersChanged($afterChangeId: Int) {\n    deliveryOffersChanged(afterChangeId: $afterChangeId) {\n      orderId\n      available\n      changeId\n    }\n  }\n": typeof types.DeliveryOffersChangedDocument,
    "\n  fragment OwnerStoreFields on Store {\n    id\n    name\n    description\n    category\n    address\n    timeZone\n    minimumOrder\n    deliveryFee\n    open\n    acceptingOrders\n    openingHours {\n      day\n      opens\n      closes\n    }\n    menu {\n      id\n      name\n      description\n      category\n      price\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n": typeof types.OwnerStoreFieldsFragmentDoc,
    "\n  mutation CreateStore($input: CreateStoreInput!) {\n    createStore(input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n": typeof types.CreateStoreDocument,
    "\n  mutation UpdateStore($storeId: ID!, $input: UpdateStoreInput!) {\n    updateStore(storeId: $storeId, input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n": typeof types.UpdateStoreDocument,
    "\n  mutation AddMenuItem($storeId: ID!, $input: MenuItemInput!) {\n    addMenuItem(storeId: $storeId, input: $input) {\n      id\n      store {\n        ...OwnerStoreFields\n      }\n    }\n  }\n": typeof types.AddMenuItemDocument,
    "\n  mutation UpdateMenuItem($menuItemId: ID!, $input: UpdateMenuItemInput!) {\n    updateMenuItem(menuItemId: $menuItemId, input: $input) {\n      id\n      name\n      price\n      category\n      description\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n": typeof types.UpdateMenuItemDocument,
    "\n  mutation ReorderMenu($storeId: ID!, $menuItemIds: [ID!]!) {\n    reorderMenu(storeId: $storeId, menuItemIds: $menuItemIds) {\n      ...OwnerStoreFields\n    }\n  }\n": typeof types.ReorderMenuDocument,
    "\n  mutation RemoveMenuItem($menuItemId: ID!) {\n    removeMenuItem(menuItemId: $menuItemId) {\n      ...OwnerStoreFields\n    }\n  }\n": typeof types.RemoveMenuItemDocument,
    "\n  query StoreConnection($first: Int, $after: String, $search: String, $category: String, $openOnly: Boolean) {\n    storeConnection(first: $first, after: $after, search: $search, category: $category, openOnly: $openOnly) {\n      nodes {\n        id\n        name\n        description\n        category\n        open\n        acceptingOrders\n        ownerId\n        menu {\n          id\n          price\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.StoreConnectionDocument,
    "\n  query OrderExists($id: ID!) {\n    order(id: $id) {\n      id\n    }\n  }\n": typeof types.OrderExistsDocument,
    "\n  query StoreHeader($id: ID!) {\n    store(id: $id) {\n      id\n      name\n      description\n      category\n      open\n      acceptingOrders\n      address\n      minimumOrder\n      deliveryFee\n      menuCategories\n    }\n  }\n": typeof types.StoreHeaderDocument,
    "\n  query StoreMenuPage(\n    $id: ID!\n    $first: Int\n    $after: String\n    $search: String\n    $category: String\n    $availableOnly: Boolean\n  ) {\n    store(id: $id) {\n      id\n      menuItems(first: $first, after: $after, search: $search, category: $category, availableOnly: $availableOnly) {\n        nodes {\n          ...MenuItemFields\n          description\n          category\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.StoreMenuPageDocument,
};
const documents: Documents = {
    "\n  fragment DashboardFields on Dashboard {\n    orderId\n    customerId\n    storeId\n    storeName\n    items {\n      menuItemId\n      name\n      quantity\n      unitPrice\n    }\n    total\n    status\n    paymentStatus\n    riderId\n    statusReason\n    sequence\n    changeId\n    placedAt\n    acceptedAt\n    rejectedAt\n    cookingAt\n    readyAt\n    pickedUpAt\n    deliveredAt\n    cancelRequestedAt\n    canceledAt\n    refundedAt\n    updatedAt\n  }\n": types.DashboardFieldsFragmentDoc,
    "\n  fragment MenuItemFields on MenuItem {\n    id\n    name\n    price\n    available\n  }\n": types.MenuItemFieldsFragmentDoc,
    "\n  query Stores {\n    stores {\n      id\n      name\n      description\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n    }\n  }\n": types.StoresDocument,
    "\n  query MyDashboards($first: Int) {\n    myDashboards(first: $first) {\n      ...DashboardFields\n    }\n  }\n": types.MyDashboardsDocument,
    "\n  query MyOrderPage($first: Int, $after: String) {\n    myOrderConnection(first: $first, after: $after) {\n      nodes {\n        id\n        dashboard {\n          ...DashboardFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.MyOrderPageDocument,
    "\n  query MyStores {\n    myStores {\n      id\n      name\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n      ...OwnerStoreFields\n    }\n  }\n": types.MyStoresDocument,
    "\n  query AvailableDeliveries {\n    availableDeliveries {\n      id\n      orderId\n      status\n      createdAt\n      store {\n        id\n        name\n      }\n    }\n  }\n": types.AvailableDeliveriesDocument,
    "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n    }\n  }\n": types.PlaceOrderDocument,
    "\n  mutation CancelOrder($orderId: ID!) {\n    cancelOrder(orderId: $orderId) {\n      id\n      status\n      cancelable\n    }\n  }\n": types.CancelOrderDocument,
    "\n  mutation AcceptOrder($orderId: ID!) {\n    acceptOrder(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": types.AcceptOrderDocument,
    "\n  mutation RejectOrder($orderId: ID!, $reason: String!) {\n    rejectOrder(orderId: $orderId, reason: $reason) {\n      orderId\n      status\n    }\n  }\n": types.RejectOrderDocument,
    "\n  mutation StartCooking($orderId: ID!) {\n    startCooking(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": types.StartCookingDocument,
    "\n  mutation MarkReady($orderId: ID!) {\n    markReady(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n": types.MarkReadyDocument,
    "\n  mutation SetStoreOpen($storeId: ID!, $open: Boolean!) {\n    setStoreOpen(storeId: $storeId, open: $open) {\n      id\n      open\n    }\n  }\n": types.SetStoreOpenDocument,
    "\n  mutation SetMenuItemAvailable($menuItemId: ID!, $available: Boolean!) {\n    setMenuItemAvailable(menuItemId: $menuItemId, available: $available) {\n      id\n      available\n    }\n  }\n": types.SetMenuItemAvailableDocument,
    "\n  mutation PickUp($orderId: ID!) {\n    pickUp(orderId: $orderId) {\n      id\n      orderId\n      status\n      pickedUpAt\n    }\n  }\n": types.PickUpDocument,
    "\n  mutation CompleteDelivery($orderId: ID!) {\n    completeDelivery(orderId: $orderId) {\n      id\n      orderId\n      status\n      deliveredAt\n    }\n  }\n": types.CompleteDeliveryDocument,
    "\n  subscription MyOrdersChanged($afterChangeId: Int) {\n    myOrdersChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": types.MyOrdersChangedDocument,
    "\n  subscription TicketsChanged($afterChangeId: Int) {\n    ticketsChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": types.TicketsChangedDocument,
    "\n  subscription DeliveryAvailable($afterChangeId: Int) {\n    deliveryAvailable(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n": types.DeliveryAvailableDocument,
    "\n  subscription DeliveryOffersChanged($afterChangeId: Int) {\n    deliveryOffersChanged(afterChangeId: $afterChangeId) {\n      orderId\n      available\n      changeId\n    }\n  }\n": types.DeliveryOffersChangedDocument,
    "\n  fragment OwnerStoreFields on Store {\n    id\n    name\n    description\n    category\n    address\n    timeZone\n    minimumOrder\n    deliveryFee\n    open\n    acceptingOrders\n    openingHours {\n      day\n      opens\n      closes\n    }\n    menu {\n      id\n      name\n      description\n      category\n      price\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n": types.OwnerStoreFieldsFragmentDoc,
    "\n  mutation CreateStore($input: CreateStoreInput!) {\n    createStore(input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n": types.CreateStoreDocument,
    "\n  mutation UpdateStore($storeId: ID!, $input: UpdateStoreInput!) {\n    updateStore(storeId: $storeId, input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n": types.UpdateStoreDocument,
    "\n  mutation AddMenuItem($storeId: ID!, $input: MenuItemInput!) {\n    addMenuItem(storeId: $storeId, input: $input) {\n      id\n      store {\n        ...OwnerStoreFields\n      }\n    }\n  }\n": types.AddMenuItemDocument,
    "\n  mutation UpdateMenuItem($menuItemId: ID!, $input: UpdateMenuItemInput!) {\n    updateMenuItem(menuItemId: $menuItemId, input: $input) {\n      id\n      name\n      price\n      category\n      description\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n": types.UpdateMenuItemDocument,
    "\n  mutation ReorderMenu($storeId: ID!, $menuItemIds: [ID!]!) {\n    reorderMenu(storeId: $storeId, menuItemIds: $menuItemIds) {\n      ...OwnerStoreFields\n    }\n  }\n": types.ReorderMenuDocument,
    "\n  mutation RemoveMenuItem($menuItemId: ID!) {\n    removeMenuItem(menuItemId: $menuItemId) {\n      ...OwnerStoreFields\n    }\n  }\n": types.RemoveMenuItemDocument,
    "\n  query StoreConnection($first: Int, $after: String, $search: String, $category: String, $openOnly: Boolean) {\n    storeConnection(first: $first, after: $after, search: $search, category: $category, openOnly: $openOnly) {\n      nodes {\n        id\n        name\n        description\n        category\n        open\n        acceptingOrders\n        ownerId\n        menu {\n          id\n          price\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.StoreConnectionDocument,
    "\n  query OrderExists($id: ID!) {\n    order(id: $id) {\n      id\n    }\n  }\n": types.OrderExistsDocument,
    "\n  query StoreHeader($id: ID!) {\n    store(id: $id) {\n      id\n      name\n      description\n      category\n      open\n      acceptingOrders\n      address\n      minimumOrder\n      deliveryFee\n      menuCategories\n    }\n  }\n": types.StoreHeaderDocument,
    "\n  query StoreMenuPage(\n    $id: ID!\n    $first: Int\n    $after: String\n    $search: String\n    $category: String\n    $availableOnly: Boolean\n  ) {\n    store(id: $id) {\n      id\n      menuItems(first: $first, after: $after, search: $search, category: $category, availableOnly: $availableOnly) {\n        nodes {\n          ...MenuItemFields\n          description\n          category\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.StoreMenuPageDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment DashboardFields on Dashboard {\n    orderId\n    customerId\n    storeId\n    storeName\n    items {\n      menuItemId\n      name\n      quantity\n      unitPrice\n    }\n    total\n    status\n    paymentStatus\n    riderId\n    statusReason\n    sequence\n    changeId\n    placedAt\n    acceptedAt\n    rejectedAt\n    cookingAt\n    readyAt\n    pickedUpAt\n    deliveredAt\n    cancelRequestedAt\n    canceledAt\n    refundedAt\n    updatedAt\n  }\n"): (typeof documents)["\n  fragment DashboardFields on Dashboard {\n    orderId\n    customerId\n    storeId\n    storeName\n    items {\n      menuItemId\n      name\n      quantity\n      unitPrice\n    }\n    total\n    status\n    paymentStatus\n    riderId\n    statusReason\n    sequence\n    changeId\n    placedAt\n    acceptedAt\n    rejectedAt\n    cookingAt\n    readyAt\n    pickedUpAt\n    deliveredAt\n    cancelRequestedAt\n    canceledAt\n    refundedAt\n    updatedAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MenuItemFields on MenuItem {\n    id\n    name\n    price\n    available\n  }\n"): (typeof documents)["\n  fragment MenuItemFields on MenuItem {\n    id\n    name\n    price\n    available\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Stores {\n    stores {\n      id\n      name\n      description\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n    }\n  }\n"): (typeof documents)["\n  query Stores {\n    stores {\n      id\n      name\n      description\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyDashboards($first: Int) {\n    myDashboards(first: $first) {\n      ...DashboardFields\n    }\n  }\n"): (typeof documents)["\n  query MyDashboards($first: Int) {\n    myDashboards(first: $first) {\n      ...DashboardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyOrderPage($first: Int, $after: String) {\n    myOrderConnection(first: $first, after: $after) {\n      nodes {\n        id\n        dashboard {\n          ...DashboardFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyOrderPage($first: Int, $after: String) {\n    myOrderConnection(first: $first, after: $after) {\n      nodes {\n        id\n        dashboard {\n          ...DashboardFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyStores {\n    myStores {\n      id\n      name\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n      ...OwnerStoreFields\n    }\n  }\n"): (typeof documents)["\n  query MyStores {\n    myStores {\n      id\n      name\n      category\n      open\n      menu {\n        ...MenuItemFields\n      }\n      ...OwnerStoreFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AvailableDeliveries {\n    availableDeliveries {\n      id\n      orderId\n      status\n      createdAt\n      store {\n        id\n        name\n      }\n    }\n  }\n"): (typeof documents)["\n  query AvailableDeliveries {\n    availableDeliveries {\n      id\n      orderId\n      status\n      createdAt\n      store {\n        id\n        name\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n    }\n  }\n"): (typeof documents)["\n  mutation PlaceOrder($input: PlaceOrderInput!) {\n    placeOrder(input: $input) {\n      id\n      status\n      total\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CancelOrder($orderId: ID!) {\n    cancelOrder(orderId: $orderId) {\n      id\n      status\n      cancelable\n    }\n  }\n"): (typeof documents)["\n  mutation CancelOrder($orderId: ID!) {\n    cancelOrder(orderId: $orderId) {\n      id\n      status\n      cancelable\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AcceptOrder($orderId: ID!) {\n    acceptOrder(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation AcceptOrder($orderId: ID!) {\n    acceptOrder(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RejectOrder($orderId: ID!, $reason: String!) {\n    rejectOrder(orderId: $orderId, reason: $reason) {\n      orderId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation RejectOrder($orderId: ID!, $reason: String!) {\n    rejectOrder(orderId: $orderId, reason: $reason) {\n      orderId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartCooking($orderId: ID!) {\n    startCooking(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation StartCooking($orderId: ID!) {\n    startCooking(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkReady($orderId: ID!) {\n    markReady(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation MarkReady($orderId: ID!) {\n    markReady(orderId: $orderId) {\n      orderId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetStoreOpen($storeId: ID!, $open: Boolean!) {\n    setStoreOpen(storeId: $storeId, open: $open) {\n      id\n      open\n    }\n  }\n"): (typeof documents)["\n  mutation SetStoreOpen($storeId: ID!, $open: Boolean!) {\n    setStoreOpen(storeId: $storeId, open: $open) {\n      id\n      open\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMenuItemAvailable($menuItemId: ID!, $available: Boolean!) {\n    setMenuItemAvailable(menuItemId: $menuItemId, available: $available) {\n      id\n      available\n    }\n  }\n"): (typeof documents)["\n  mutation SetMenuItemAvailable($menuItemId: ID!, $available: Boolean!) {\n    setMenuItemAvailable(menuItemId: $menuItemId, available: $available) {\n      id\n      available\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PickUp($orderId: ID!) {\n    pickUp(orderId: $orderId) {\n      id\n      orderId\n      status\n      pickedUpAt\n    }\n  }\n"): (typeof documents)["\n  mutation PickUp($orderId: ID!) {\n    pickUp(orderId: $orderId) {\n      id\n      orderId\n      status\n      pickedUpAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CompleteDelivery($orderId: ID!) {\n    completeDelivery(orderId: $orderId) {\n      id\n      orderId\n      status\n      deliveredAt\n    }\n  }\n"): (typeof documents)["\n  mutation CompleteDelivery($orderId: ID!) {\n    completeDelivery(orderId: $orderId) {\n      id\n      orderId\n      status\n      deliveredAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MyOrdersChanged($afterChangeId: Int) {\n    myOrdersChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"): (typeof documents)["\n  subscription MyOrdersChanged($afterChangeId: Int) {\n    myOrdersChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription TicketsChanged($afterChangeId: Int) {\n    ticketsChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"): (typeof documents)["\n  subscription TicketsChanged($afterChangeId: Int) {\n    ticketsChanged(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DeliveryAvailable($afterChangeId: Int) {\n    deliveryAvailable(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"): (typeof documents)["\n  subscription DeliveryAvailable($afterChangeId: Int) {\n    deliveryAvailable(afterChangeId: $afterChangeId) {\n      ...DashboardFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription DeliveryOffersChanged($afterChangeId: Int) {\n    deliveryOffersChanged(afterChangeId: $afterChangeId) {\n      orderId\n      available\n      changeId\n    }\n  }\n"): (typeof documents)["\n  subscription DeliveryOffersChanged($afterChangeId: Int) {\n    deliveryOffersChanged(afterChangeId: $afterChangeId) {\n      orderId\n      available\n      changeId\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment OwnerStoreFields on Store {\n    id\n    name\n    description\n    category\n    address\n    timeZone\n    minimumOrder\n    deliveryFee\n    open\n    acceptingOrders\n    openingHours {\n      day\n      opens\n      closes\n    }\n    menu {\n      id\n      name\n      description\n      category\n      price\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment OwnerStoreFields on Store {\n    id\n    name\n    description\n    category\n    address\n    timeZone\n    minimumOrder\n    deliveryFee\n    open\n    acceptingOrders\n    openingHours {\n      day\n      opens\n      closes\n    }\n    menu {\n      id\n      name\n      description\n      category\n      price\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateStore($input: CreateStoreInput!) {\n    createStore(input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n"): (typeof documents)["\n  mutation CreateStore($input: CreateStoreInput!) {\n    createStore(input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateStore($storeId: ID!, $input: UpdateStoreInput!) {\n    updateStore(storeId: $storeId, input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateStore($storeId: ID!, $input: UpdateStoreInput!) {\n    updateStore(storeId: $storeId, input: $input) {\n      ...OwnerStoreFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddMenuItem($storeId: ID!, $input: MenuItemInput!) {\n    addMenuItem(storeId: $storeId, input: $input) {\n      id\n      store {\n        ...OwnerStoreFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddMenuItem($storeId: ID!, $input: MenuItemInput!) {\n    addMenuItem(storeId: $storeId, input: $input) {\n      id\n      store {\n        ...OwnerStoreFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateMenuItem($menuItemId: ID!, $input: UpdateMenuItemInput!) {\n    updateMenuItem(menuItemId: $menuItemId, input: $input) {\n      id\n      name\n      price\n      category\n      description\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateMenuItem($menuItemId: ID!, $input: UpdateMenuItemInput!) {\n    updateMenuItem(menuItemId: $menuItemId, input: $input) {\n      id\n      name\n      price\n      category\n      description\n      available\n      options {\n        name\n        priceDelta\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReorderMenu($storeId: ID!, $menuItemIds: [ID!]!) {\n    reorderMenu(storeId: $storeId, menuItemIds: $menuItemIds) {\n      ...OwnerStoreFields\n    }\n  }\n"): (typeof documents)["\n  mutation ReorderMenu($storeId: ID!, $menuItemIds: [ID!]!) {\n    reorderMenu(storeId: $storeId, menuItemIds: $menuItemIds) {\n      ...OwnerStoreFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMenuItem($menuItemId: ID!) {\n    removeMenuItem(menuItemId: $menuItemId) {\n      ...OwnerStoreFields\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMenuItem($menuItemId: ID!) {\n    removeMenuItem(menuItemId: $menuItemId) {\n      ...OwnerStoreFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StoreConnection($first: Int, $after: String, $search: String, $category: String, $openOnly: Boolean) {\n    storeConnection(first: $first, after: $after, search: $search, category: $category, openOnly: $openOnly) {\n      nodes {\n        id\n        name\n        description\n        category\n        open\n        acceptingOrders\n        ownerId\n        menu {\n          id\n          price\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query StoreConnection($first: Int, $after: String, $search: String, $category: String, $openOnly: Boolean) {\n    storeConnection(first: $first, after: $after, search: $search, category: $category, openOnly: $openOnly) {\n      nodes {\n        id\n        name\n        description\n        category\n        open\n        acceptingOrders\n        ownerId\n        menu {\n          id\n          price\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query OrderExists($id: ID!) {\n    order(id: $id) {\n      id\n    }\n  }\n"): (typeof documents)["\n  query OrderExists($id: ID!) {\n    order(id: $id) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StoreHeader($id: ID!) {\n    store(id: $id) {\n      id\n      name\n      description\n      category\n      open\n      acceptingOrders\n      address\n      minimumOrder\n      deliveryFee\n      menuCategories\n    }\n  }\n"): (typeof documents)["\n  query StoreHeader($id: ID!) {\n    store(id: $id) {\n      id\n      name\n      description\n      category\n      open\n      acceptingOrders\n      address\n      minimumOrder\n      deliveryFee\n      menuCategories\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query StoreMenuPage(\n    $id: ID!\n    $first: Int\n    $after: String\n    $search: String\n    $category: String\n    $availableOnly: Boolean\n  ) {\n    store(id: $id) {\n      id\n      menuItems(first: $first, after: $after, search: $search, category: $category, availableOnly: $availableOnly) {\n        nodes {\n          ...MenuItemFields\n          description\n          category\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query StoreMenuPage(\n    $id: ID!\n    $first: Int\n    $after: String\n    $search: String\n    $category: String\n    $availableOnly: Boolean\n  ) {\n    store(id: $id) {\n      id\n      menuItems(first: $first, after: $after, search: $search, category: $category, availableOnly: $availableOnly) {\n        nodes {\n          ...MenuItemFields\n          description\n          category\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;