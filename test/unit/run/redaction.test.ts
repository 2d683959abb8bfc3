// Secrets never reach a written file: tokens the gateway mints are redacted by their shape, the seal secret once a
// sealer is made from it, and agent.log is redacted as it streams, even when a token arrives split across chunks.
import { describe, expect, it } from 'vitest';
import { randomToken } from '../../../src/gateway/auth.js';
import { createSealer } from '../../../src/gateway/seal.js';
import { createStreamRedactor, redact, redactValue, registerSecret } from '../../../src/logger.js';

describe('redaction', () => {
  it('redacts every minted session token by its shape, without registering each one', () => {
    const tokens = Array.from({ length: 50 }, () => randomToken('sk-swebench-'));
    const text = `env: OPENAI_API_KEY=${tokens[7]} and ${tokens[42]}\n`;
    expect(redact(text)).toBe('env: OPENAI_API_KEY=[REDACTED] and [REDACTED]\n');
    // the prefix alone, or a shorter body, is not a token
    expect(redact('sk-swebench-abc')).toBe('sk-swebench-abc');
  });

  it('redacts the seal secret once a sealer is made from it', () => {
    const secret = 'seal-secret-for-the-redaction-test';
    expect(redact(`x ${secret} y`)).toBe(`x ${secret} y`);
    createSealer(secret);
    expect(redact(`x ${secret} y`)).toBe('x [REDACTED] y');
  });

  it('redacts a stream whatever the chunk boundaries, and loses nothing else', () => {
    const token = randomToken('sk-swebench-');
    registerSecret('upstream-key-0123456789');
    const text = `start\nPYAGENT_API_KEY=${token}\n{"apiKey":"${token}","up":"upstream-key-0123456789"}\nend`;
    const want = 'start\nPYAGENT_API_KEY=[REDACTED]\n{"apiKey":"[REDACTED]","up":"[REDACTED]"}\nend';
    for (const size of [1, 2, 3, 7, 13, 40, 1000]) {
      const r = createStreamRedactor();
      let out = '';
      for (let i = 0; i < text.length; i += size) out += r.push(text.slice(i, i + size));
      out += r.end();
      expect(out, `chunks of ${size}`).toBe(want);
    }
  });

  it('redactValue redacts strings at any depth (keys included) and leaves other values alone', () => {
    const token = randomToken('sk-swebench-');
    const value = { a: [`k=${token}`, 3, null, { [token]: true, deep: { s: token } }], n: 1.5, b: false };
    expect(redactValue(value)).toEqual({ a: ['k=[REDACTED]', 3, null, { '[REDACTED]': true, deep: { s: '[REDACTED]' } }], n: 1.5, b: false });
  });
});
