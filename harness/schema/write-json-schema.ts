// `npm run schema`: writes harness/schema/report.schema.json from the TypeBox definition in
// report-schema.ts (the one definition of report.json). Commit the result; a test fails when the
// committed file and the definition differ.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportJsonSchemaText } from './report-schema.js';

// Run from dist/harness/schema/: the committed file lives in the source tree.
const target = fileURLToPath(new URL('../../../harness/schema/report.schema.json', import.meta.url));
writeFileSync(target, reportJsonSchemaText());
process.stdout.write(`wrote ${target}\n`);
