import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/config.js';
import { testHooks } from '../src/testHooks.js';

describe('testHooks', () => {
  it('outside production: each hook reads its variable only when switched on', () => {
    const hooks = testHooks({
      NODE_ENV: 'test',
      ROUTER_TEST_HOOKS: '1',
      PAYMENT_FAULT_MODE: 'slow',
      FAULT_KILL_AFTER_HANDLE: 'OrderPlaced',
    });
    expect(hooks.enabled).toBe(true);
    expect(hooks.value('ROUTER_TEST_HOOKS')).toBe('1');
    expect(hooks.value('PAYMENT_FAULT_MODE')).toBe('slow');
    expect(hooks.value('FAULT_KILL_AFTER_HANDLE')).toBe('OrderPlaced');

    const off = testHooks({
      ROUTER_TEST_HOOKS: '0',
      PAYMENT_FAULT_MODE: 'none',
      FAULT_KILL_AFTER_HANDLE: '',
    });
    expect(off.enabled).toBe(true);
    expect(off.value('ROUTER_TEST_HOOKS')).toBeUndefined();
    expect(off.value('PAYMENT_FAULT_MODE')).toBeUndefined();
    expect(off.value('FAULT_KILL_AFTER_HANDLE')).toBeUndefined();
  });

  it('in production: hooks are off, and any hook switched on is a one-line ConfigError naming it', () => {
    const production = testHooks({
      NODE_ENV: 'production',
      ROUTER_TEST_HOOKS: '0',
      PAYMENT_FAULT_MODE: 'none',
    });
    expect(production.enabled).toBe(false);
    expect(production.value('PAYMENT_FAULT_MODE')).toBeUndefined();

    for (const [name, value] of [
      ['ROUTER_TEST_HOOKS', '1'],
      ['PAYMENT_FAULT_MODE', 'error'],
      ['FAULT_KILL_AFTER_HANDLE', 'TicketReady'],
    ] as const) {
      const refuse = () => testHooks({ NODE_ENV: 'production', [name]: value });
      expect(refuse).toThrow(ConfigError);
      expect(refuse).toThrow(`${name} is a test hook and cannot be set with NODE_ENV=production`);
    }
  });
});
