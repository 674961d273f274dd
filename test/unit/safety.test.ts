import { describe, expect, it, vi } from 'vitest';
import { isLoopback, assertHostAllowed, sleep } from '../../src/safety.js';

describe('loopback guard', () => {
  it.each(['127.0.0.1', '127.9.9.9', 'localhost', 'api.localhost', '[::1]', '::ffff:127.0.0.1'])('%s is loopback', (h) => expect(isLoopback(h)).toBe(true));
  it.each(['example.com', '10.0.0.1', '0.0.0.0', '[::]', '128.0.0.1', 'localhost.example.com'])('%s is not loopback', (h) => expect(isLoopback(h)).toBe(false));
  it('an explicitly allowed host passes, others are refused with HOST_NOT_ALLOWED', () => {
    expect(() => assertHostAllowed(new URL('http://staging.internal:8080'), ['staging.internal'])).not.toThrow();
    expect(() => assertHostAllowed(new URL('http://prod.internal'), ['staging.internal'])).toThrow(expect.objectContaining({ code: 'HOST_NOT_ALLOWED' }));
  });
});

describe('abortable sleep', () => {
  it('resolves after the delay, or at once when aborted, and leaves no timer behind', async () => {
    vi.useFakeTimers();
    try {
      const never = new AbortController().signal;
      let done = false;
      const p = sleep(1000, never).then(() => (done = true));
      await vi.advanceTimersByTimeAsync(999);
      expect(done).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await p;
      expect(done).toBe(true);

      const ac = new AbortController();
      const q = sleep(60_000, ac.signal);
      ac.abort();
      await q;
      expect(vi.getTimerCount()).toBe(0);
      await sleep(60_000, ac.signal); // already aborted: at once
    } finally {
      vi.useRealTimers();
    }
  });
});
