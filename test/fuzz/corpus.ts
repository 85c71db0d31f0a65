// The seed corpus: raw request bytes captured from real clients (capture-corpus.mjs) and
// hand-written edge cases, one file per case in corpus/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

export interface CorpusEntry {
  name: string;
  bytes: Buffer;
}

export function loadCorpus(): CorpusEntry[] {
  const entries = readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.bin'))
    .sort()
    .map((f) => ({ name: f.replace(/\.bin$/, ''), bytes: readFileSync(path.join(CORPUS_DIR, f)) }));
  if (entries.length === 0) throw new Error(`the fuzz corpus in ${CORPUS_DIR} is empty: run node test/fuzz/capture-corpus.mjs`);
  return entries;
}
