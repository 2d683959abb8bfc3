// An upstream URL with credentials (http://user:pass@host/v1) would have its credentials dropped (the gateway sends
// a Bearer key), so it is refused at the edge, by `submit` (flag and config file) and `swebench gateway` alike,
// with the way to pass a key, and without echoing the credentials.
import { describe, expect, it } from 'vitest';
import { gatewayOptionsFromFlags } from '../../../src/cli/gateway.js';
import { parseConfigText, validateFlagLayer } from '../../../src/config/load.js';
import { ConfigError, EXIT_CODES } from '../../../src/errors.js';

const WITH_CREDENTIALS = ['http://user:s3cret-pass@127.0.0.1:8000/v1', 'https://only-user@api.example.com/v1', 'http://:s3cret-pass@127.0.0.1:8000'];

function thrown(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('did not throw');
}

function expectRefused(err: ConfigError, source: RegExp): void {
  expect(err.exitCode).toBe(EXIT_CODES.config);
  expect(err.message).toMatch(source);
  expect(err.message).toMatch(/carries credentials.*--upstream-api-key-env/);
  expect(`${err.message} ${err.hint ?? ''}`).not.toMatch(/s3cret-pass|only-user/);
}

describe('upstream URLs with credentials are refused at the edge', () => {
  it.each(WITH_CREDENTIALS)('submit --upstream %s', (url) => {
    expectRefused(thrown(() => validateFlagLayer({ upstream: url })), /^--upstream: /);
  });

  it.each(WITH_CREDENTIALS)('upstream: %s in a config file', (url) => {
    expectRefused(thrown(() => parseConfigText(`harness: [noop]\nupstream: ${url}\n`, 'run.yaml')), /^run\.yaml: upstream \(line 2\): /);
  });

  it.each(WITH_CREDENTIALS)('swebench gateway --upstream %s', (url) => {
    expectRefused(thrown(() => gatewayOptionsFromFlags({ upstream: url, host: '127.0.0.1', port: '0', recordsDir: '/tmp/r' }, {})), /^--upstream: /);
  });

  it('keeps accepting plain http(s) URLs and refusing other schemes', () => {
    for (const url of ['http://127.0.0.1:8000/v1', 'https://api.example.com/prefix/v1/']) {
      expect(validateFlagLayer({ upstream: url }).upstream).toBe(url);
      expect(gatewayOptionsFromFlags({ upstream: url, host: '127.0.0.1', port: '0', recordsDir: '/tmp/r' }, {}).upstreamUrl).toBe(url);
    }
    expect(thrown(() => validateFlagLayer({ upstream: 'ftp://127.0.0.1/v1' })).message).toMatch(/^--upstream: expected an http\(s\) URL/);
    expect(thrown(() => validateFlagLayer({ upstream: 'localhost:8000' })).message).toMatch(/^--upstream: expected an http\(s\) URL/);
  });
});
