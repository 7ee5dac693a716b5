// Adds lockfile entries for platform-specific optional dependencies that npm left out.
//
// Why: the package registry reachable here serves only the Linux builds of packages
// such as @swc/core-* and @unrs/resolver-binding-*; npm drops the ones it cannot fetch
// from package-lock.json, and `npm ci` then refuses the lockfile as out of sync. The
// entries added here carry the package's os/cpu/libc (read from its name), so npm ci
// on any machine skips the ones that do not fit, as it would with a complete lockfile.
// Run after `npm install` whenever dependencies change: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './lib/common.mjs';

const OS = [
  'darwin',
  'linux',
  'win32',
  'android',
  'freebsd',
  'openbsd',
  'netbsd',
  'sunos',
  'aix',
  'openharmony',
  'wasi',
];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64', 'mips64el', 'wasm32'];

/** @param {string} name */
function platformOf(name) {
  const tokens = name.split('/').pop()?.split('-') ?? [];
  const os = tokens.find((t) => OS.includes(t));
  const cpu = tokens.find((t) => CPU.includes(t));
  const libc =
    tokens.includes('musl') || tokens.includes('musleabihf')
      ? 'musl'
      : tokens.includes('gnu') || tokens.includes('gnueabihf')
        ? 'glibc'
        : undefined;
  return { os, cpu, libc };
}

const lockPath = join(repoRoot, 'package-lock.json');
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const packages = lock.packages;
let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [dep, range] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (packages[key] || packages[`${path}/${key}`]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && !cpu) continue; // not a platform binary: leave it to npm
    const version = String(range).replace(/^[\^~=]/, '');
    packages[key] = {
      version,
      ...(cpu ? { cpu: [cpu] } : {}),
      ...(os ? { os: [os] } : {}),
      ...(libc ? { libc: [libc] } : {}),
      optional: true,
    };
    added += 1;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
);
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: added ${added} platform-specific optional entries`);
