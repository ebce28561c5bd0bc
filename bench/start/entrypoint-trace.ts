// The agent entrypoint alone, traced with a timestamp per command: the same image, capabilities
// and CA mount as in a bottle, on the default bridge, without HTTP_PROXY (so the proxy wait is
// not in it: that one is measured in the bottle as proxy "listening" → ready file). Beside it,
// `update-ca-certificates` timed in the same image, the step the CA install used to run.
import { join } from 'node:path';
import { execa } from 'execa';
import { createCa } from '../../images/egress-proxy/ca.js';
import type { EntrypointStep, EntrypointTrace } from './samples.js';
import { median } from './stats.js';

const CAPS = ['NET_ADMIN', 'CHOWN', 'SETUID', 'SETGID', 'SETPCAP'];

export async function traceEntrypoint(agentImage: string, root: string): Promise<EntrypointTrace> {
  const ca = join(root, 'entrypoint-ca');
  await createCa(ca);
  const caCert = join(ca, 'ca.crt');
  const traced = await execa(
    'docker',
    [
      'run',
      '--rm',
      '--cap-drop',
      'ALL',
      ...CAPS.flatMap((c) => ['--cap-add', c]),
      '--security-opt',
      'no-new-privileges:true',
      '-e',
      'AGENT_UID=1000',
      '-e',
      'AGENT_GID=1000',
      '-v',
      `${caCert}:/etc/claude-bottle/ca.crt:ro`,
      '--entrypoint',
      'bash',
      agentImage,
      '-c',
      'PS4="+ \\$EPOCHREALTIME "; set -x; . /opt/claude-bottle/entrypoint.sh true',
    ],
    { reject: false },
  );
  const updateCa: number[] = [];
  for (let i = 0; i < 3; i++) {
    const run = await execa(
      'docker',
      [
        'run',
        '--rm',
        '-v',
        `${caCert}:/usr/local/share/ca-certificates/claude-bottle.crt:ro`,
        '--entrypoint',
        'bash',
        agentImage,
        '-c',
        't=$EPOCHREALTIME; update-ca-certificates >/dev/null 2>&1; echo "$t $EPOCHREALTIME"',
      ],
      { reject: false },
    );
    const [from, to] = run.stdout.trim().split(' ').map(Number);
    updateCa.push(((to ?? NaN) - (from ?? NaN)) * 1000);
  }
  return { steps: entrypointProfile(traced.stderr), updateCaMs: median(updateCa) };
}

/** Per-command durations from a `set -x` trace whose PS4 is "+ $EPOCHREALTIME ". */
export function entrypointProfile(trace: string): EntrypointStep[] {
  const lines = trace
    .split('\n')
    .map((line) => /^(\++) (\d+\.\d+) (.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ t: Number(m[2]) * 1000, cmd: m[3]!.slice(0, 70) }));
  const steps: EntrypointStep[] = [];
  for (let i = 0; i + 1 < lines.length; i++)
    steps.push({ step: lines[i]!.cmd, ms: lines[i + 1]!.t - lines[i]!.t });
  if (lines.length > 1) steps.push({ step: 'TOTAL', ms: lines.at(-1)!.t - lines[0]!.t });
  return steps;
}
