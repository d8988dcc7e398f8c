import { describe, expect, it } from 'vitest';
import { classify, NetkeepError } from '../../src/errors.ts';

describe('failure classification', () => {
  it('classifies socket errors and keeps NetkeepErrors as they are', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(classify(refused).failureClass).toBe('connect_refused');
    expect(classify(refused).transient).toBe(true);
    const auth = Object.assign(new Error('All configured authentication methods failed'), { level: 'client-authentication' });
    expect(classify(auth).failureClass).toBe('auth_failed');
    expect(classify(auth).transient).toBe(false);
    const own = new NetkeepError('host_key_changed', 'the key changed');
    expect(classify(own)).toBe(own);
    expect(own.toLine()).toBe('host key changed: the key changed');
  });
});
