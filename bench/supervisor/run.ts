// `npm run bench:supervisor`: the supervisor's machine part on a real bottle (provider none,
// the SDK's MCP client in the agent): proposal → visible in the TUI's model, approve → the
// agent's call returns approved (and the retry succeeds), capability rebuild with a warm cache.
// Each beside a baseline measured in the same rounds. Writes "## Supervisor" in docs/benchmarks.md.
import { cpus, loadavg } from 'node:os';
import { execa } from 'execa';
import { startSupervisedBottle } from '../../tests/e2e/supervisor/fixture.js';
import { inboxRounds } from './inbox.js';
import { remediationRound, type RemediationSample } from './remediation.js';
import { rebuildRound, type RebuildSample } from './rebuild.js';
import { writeSupervisorSection } from './report.js';

const ROUNDS = Number(process.env.CB_BENCH_SUPERVISOR_ROUNDS ?? 15);
const REBUILDS = Number(process.env.CB_BENCH_SUPERVISOR_REBUILDS ?? 4);

async function main(): Promise<void> {
  const loadBefore = loadavg()[0]!;
  process.stderr.write('starting a bottle…\n');
  const bottle = await startSupervisedBottle();
  try {
    process.stderr.write(`inbox: ${ROUNDS} rounds\n`);
    const inbox = await inboxRounds(bottle, ROUNDS);
    process.stderr.write(`approve → answer: ${ROUNDS} rounds (+1 warm-up)\n`);
    await remediationRound(bottle, 0);
    const remediation: RemediationSample[] = [];
    for (let round = 1; round <= ROUNDS; round++)
      remediation.push(await remediationRound(bottle, round));
    process.stderr.write(`capability rebuild: ${REBUILDS} rounds (+2 warm-up builds)\n`);
    await rebuildRound(bottle, 0);
    await rebuildRound(bottle, 1);
    const rebuilds: RebuildSample[] = [];
    for (let round = 2; round < 2 + REBUILDS; round++)
      rebuilds.push(await rebuildRound(bottle, round));
    const docker = (await execa('docker', ['version', '--format', '{{.Server.Version}}'])).stdout;
    const compose = (await execa('docker', ['compose', 'version', '--short'])).stdout;
    await writeSupervisorSection({
      inbox,
      remediation,
      rebuilds,
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadBefore.toFixed(2)} before the run; Docker ${docker}, compose ${compose}, Node ${process.version}`,
    });
  } finally {
    await bottle.destroy();
  }
}

await main();
