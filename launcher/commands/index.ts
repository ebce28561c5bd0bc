import type { Command } from '../../lib/cli-args.js';
import { caInitCommand } from './ca-init.js';
import { doctorCommand } from './doctor.js';
import { egressProxyCommand } from './egress-proxy.js';
import { listCommand } from './list.js';
import { logsCommand } from './logs.js';
import { manifestCheckCommand } from './manifest-check.js';
import { mcpCommand } from './mcp.js';
import { resumeCommand } from './resume.js';
import { startCommand } from './start.js';
import { stopCommand } from './stop.js';
import { auditCommand } from '../../supervisor/commands/audit.js';
import { evidenceCommand } from '../../supervisor/commands/evidence.js';
import { approveCommand, rejectCommand } from '../../supervisor/commands/decide-verbs.js';
import { grantsCommand, revokeCommand } from '../../supervisor/commands/grants.js';
import { proposalsCommand } from '../../supervisor/commands/proposals.js';
import { routesEditCommand } from '../../supervisor/commands/routes-edit.js';
import { superviseCommand } from '../../supervisor/commands/supervise.js';
import { policyDiffCommand } from '../../supervisor/policy/command.js';

/** Every CLI verb, in the order `--help` lists them. */
export const COMMANDS: readonly Command<never>[] = [
  startCommand,
  listCommand,
  stopCommand,
  resumeCommand,
  logsCommand,
  superviseCommand,
  proposalsCommand,
  approveCommand,
  rejectCommand,
  grantsCommand,
  revokeCommand,
  routesEditCommand,
  auditCommand,
  evidenceCommand,
  policyDiffCommand,
  manifestCheckCommand,
  doctorCommand,
  caInitCommand,
  egressProxyCommand,
  mcpCommand,
] as unknown as readonly Command<never>[];
