// The one check of an upstream URL (`submit --upstream`, the `upstream:` config key, `swebench gateway --upstream`):
// an http(s) URL without credentials. Credentials in the URL would never be sent (the gateway authenticates with
// a Bearer key, as vLLM and OpenAI expect), so they are refused rather than silently dropped.
import { ConfigError } from '../errors.js';

const EXAMPLE = 'e.g. http://127.0.0.1:8000/v1';

/** Why `url` cannot be an upstream, or undefined when it can. Never echoes the credentials. */
export function upstreamUrlProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `expected an http(s) URL such as http://127.0.0.1:8000/v1`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `expected an http(s) URL such as http://127.0.0.1:8000/v1, got a ${u.protocol} URL`;
  if (u.username !== '' || u.password !== '') {
    return 'the URL carries credentials (user:password@), which are never sent upstream: put the API key in an environment variable and pass its name with --upstream-api-key-env (`upstream_api_key_env:` in a config file)';
  }
  return undefined;
}

/** Throws a ConfigError naming `source` (the flag or file) when `url` is not a usable upstream. */
export function checkUpstreamUrl(url: string, source: string): string {
  const problem = upstreamUrlProblem(url);
  if (problem) throw new ConfigError(problem, { source, hint: `Pass an http(s) URL without credentials, ${EXAMPLE}.` });
  return url;
}
