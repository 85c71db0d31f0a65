// The harness's subcommands: compare (the lab's main job) and gate (the CI regression gate).
import type { Command } from 'commander';
import { registerCompareCommand } from './compare-command.js';
import { registerGateCommand } from './gate-command.js';

export function registerHarnessCommands(program: Command): void {
  registerCompareCommand(program);
  registerGateCommand(program);
}
