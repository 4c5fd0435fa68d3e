import { describe, expect, it } from 'vitest';
import { type DeliveryFacts, decide } from '../src/deliveryStateMachine.js';

const none: DeliveryFacts = { status: null, riderId: null };
const available: DeliveryFacts = { status: 'AVAILABLE', riderId: null };
const pickedBy1: DeliveryFacts = { status: 'PICKED_UP', riderId: 'rider-1' };
const deliveredBy1: DeliveryFacts = { status: 'DELIVERED', riderId: 'rider-1' };

describe('decide', () => {
  it('lets any rider pick up an AVAILABLE delivery', () => {
    expect(decide(available, 'pickUp', 'rider-1')).toEqual({ ok: true, next: 'PICKED_UP' });
    expect(decide(available, 'pickUp', 'rider-9')).toEqual({ ok: true, next: 'PICKED_UP' });
  });

  it('refuses pickUp in every other state, with the current status', () => {
    expect(decide(none, 'pickUp', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'NOT_READY',
    });
    expect(decide(pickedBy1, 'pickUp', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'PICKED_UP',
    });
    expect(decide(pickedBy1, 'pickUp', 'rider-2')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'PICKED_UP',
    });
    expect(decide(deliveredBy1, 'pickUp', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'DELIVERED',
    });
  });

  it('completes only a PICKED_UP delivery, only for the rider who picked it up', () => {
    expect(decide(pickedBy1, 'completeDelivery', 'rider-1')).toEqual({ ok: true, next: 'DELIVERED' });
    expect(decide(pickedBy1, 'completeDelivery', 'rider-2')).toEqual({ ok: false, error: 'FORBIDDEN' });
    expect(decide(deliveredBy1, 'completeDelivery', 'rider-2')).toEqual({ ok: false, error: 'FORBIDDEN' });
  });

  it('refuses completing before pickup, before ready, or twice', () => {
    expect(decide(none, 'completeDelivery', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'NOT_READY',
    });
    expect(decide(available, 'completeDelivery', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'AVAILABLE',
    });
    expect(decide(deliveredBy1, 'completeDelivery', 'rider-1')).toEqual({
      ok: false,
      error: 'INVALID_TRANSITION',
      currentStatus: 'DELIVERED',
    });
  });
});
