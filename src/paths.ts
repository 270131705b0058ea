import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project root (where `schemas/` and `mappings/` live), found by walking up from this file,
 * so the same code runs from `src/` under tsx and from `dist/src/` when built.
 */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('lienthong: project root (package.json + schemas/) not found');
}

export const ROOT = findRoot();
export const repoPath = (...parts: string[]): string => join(ROOT, ...parts);
