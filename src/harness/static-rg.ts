// A static `rg` for bundles of CLIs that download ripgrep from GitHub when none is on PATH (opencode, kilo): qwen-code
// vendors static-pie ripgrep builds (no libc dependency, checked with `file`/`ldd`) in its npm tarball (33 MB,
// installed with --omit=optional), shipped without the exec bit.
import type { BundleSpec } from './types.js';

/** The package the static `rg` comes from (an extra package of the bundle). */
export const STATIC_RG_PACKAGE = '@qwen-code/qwen-code@0.24.4';

/** Host arch → qwen's vendored ripgrep dir. */
const RG_DIRS: Record<string, string> = { x64: 'x64-linux', arm64: 'arm64-linux' };

/** The BundleSpec parts that put the static `rg` at `bin/rg` (with its licence) for `arch`. */
export function staticRg(arch: string): Required<Pick<BundleSpec, 'copy' | 'extraPackages'>> {
  const dir = `extra/node_modules/@qwen-code/qwen-code/vendor/ripgrep`;
  return {
    copy: [
      { from: `${dir}/${RG_DIRS[arch] ?? RG_DIRS.x64!}/rg`, to: 'bin/rg', mode: 0o755 },
      { from: `${dir}/COPYING`, to: 'share/ripgrep/COPYING' },
    ],
    extraPackages: [STATIC_RG_PACKAGE],
  };
}
