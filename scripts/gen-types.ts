/**
 * Generates TypeScript types from the JSON Schemas in schemas/ (GUIDE.md §6: the schema is the one
 * source of truth; no hand-written twin). `npm run gen:types` writes them; `--check` (used by
 * `npm run lint`) fails when a committed file is stale.
 */
import { compileFromFile } from 'json-schema-to-typescript';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const targets: Array<[string, string]> = [
  ['schemas/config.schema.json', 'src/generated/config.ts'],
  ['schemas/dossier.schema.json', 'src/generated/dossier.ts'],
];
const check = process.argv.includes('--check');
let stale = 0;
for (const [schema, out] of targets) {
  const ts = await compileFromFile(root + schema, {
    cwd: root + 'schemas',
    bannerComment: `/* Generated from ${schema} by scripts/gen-types.ts: do not edit. */`,
    additionalProperties: false,
    ignoreMinAndMaxItems: true,
    style: { singleQuote: true, printWidth: 110, trailingComma: 'all' },
  });
  const current = await readFile(root + out, 'utf8').catch(() => '');
  if (current === ts) continue;
  if (check) {
    console.error(`${out} is stale: run npm run gen:types`);
    stale += 1;
  } else {
    await writeFile(root + out, ts);
    console.log(`wrote ${out}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
