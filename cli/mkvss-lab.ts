#!/usr/bin/env node
// mkvss-lab: one command line for the lab. `serve` starts one server; the harness adds
// `compare` and `gate`.
import { Command } from 'commander';
import { EXIT_OK, EXIT_USAGE } from './exit-codes.js';
import { registerServeCommand } from './serve-command.js';
import { registerHarnessCommands } from '../harness/commands.js';

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
registerHarnessCommands(program);

await program.parseAsync(process.argv);
