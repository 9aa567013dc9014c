// The subcommands of `febm-gpu`, in the order --help lists them. A new one
// is a Command (cli/command.ts) added here.

import { benchCommand } from './bench';
import type { Command } from './command';
import { jobCommand } from './job';
import { reproduceCommand } from './reproduce';
import { sampleCommand } from './sample';
import { trainCommand } from './train';

export const COMMANDS: readonly Command[] = [trainCommand, sampleCommand, reproduceCommand, benchCommand, jobCommand];
