#!/usr/bin/env node
// mkvss-lab: one command line for the lab: `serve` starts one server, `compare` runs the lab's main
// job, `diff` sets two compare runs side by side and `gate` is the CI regression gate. The commands
// live in cli/; the work they start lives in servers/ and harness/, which never import cli/.
import { Command } from 'commander';
import { EXIT_OK, EXIT_USAGE } from '../harness/exit-codes.js';
import { registerServeCommand } from './serve-command.js';

const program = new Command();
program
  .name('mkvss-lab')
  .description('Blocking vs event-loop HTTP key-value servers, measured side by side.')
  .showHelpAfterError('(run with --help for usage)')
  .configureOutput({ outputError: (str, write) => write(str) })
  .exitOverride((err) => {
    // commander exits 1 on usage errors; a usage error here is EXIT_USAGE (like the gate's contract).
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) process.exit(EXIT_OK);
    process.exit(EXIT_USAGE);
  });

registerServeCommand(program);
// A server process (the harness starts one per measurement: `mkvss-lab serve KIND`) loads only
// what serving needs. The other commands import the whole harness, chart rendering on a native
// canvas library with its own threads among it: ~0.54 s of imports (measured) and their memory,
// which would count in every measured server's start-up, RSS and thread count.
if (process.argv[2] !== 'serve') {
  const [{ registerCompareCommand }, { registerGateCommand }, { registerDiffCommand }] = await Promise.all([
    import('./compare-command.js'),
    import('./gate-command.js'),
    import('./diff-command.js'),
  ]);
  registerCompareCommand(program);
  registerGateCommand(program);
  registerDiffCommand(program);
}

await program.parseAsync(process.argv);
