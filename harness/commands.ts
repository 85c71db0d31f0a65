// The harness's subcommands (compare, gate) are registered here by the harness issue.
import type { Command } from 'commander';

export function registerHarnessCommands(_program: Command): void {}
