import { type Caller, canSeePayment as personCanSeePayment, forbidden } from '@baemin/platform';
import type { PaymentRow } from './db/schema.js';

/** The payment's customer and its store's owner may see it; nobody else (the platform's payment rule). */
export function canSeePayment(
  caller: Caller | null,
  payment: Pick<PaymentRow, 'customerId' | 'ownerId'>,
): boolean {
  return personCanSeePayment(caller, payment);
}

/** FORBIDDEN unless {@link canSeePayment}. */
export function assertCanSeePayment(
  caller: Caller | null,
  payment: Pick<PaymentRow, 'customerId' | 'ownerId'>,
): void {
  if (!canSeePayment(caller, payment)) throw forbidden('Only the customer and the store owner see a payment');
}
