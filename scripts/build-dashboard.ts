/**
 * Puts the dashboard's static files (src/serve/dashboard/public: the page and
 * its stylesheet) beside its compiled script in dist/serve/dashboard/public,
 * the one folder `agentctl serve` serves them from. Run by `npm run build`
 * after `tsc -p tsconfig.dashboard.json`.
 */
import { cpSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const to = resolve(root, 'dist/serve/dashboard/public');
cpSync(resolve(root, 'src/serve/dashboard/public'), to, { recursive: true });
process.stdout.write(`wrote ${to}\n`);
