import { createHash } from 'node:crypto';
import type { Contender } from './contenders.js';
import { probe } from './harness.js';
import { BENCH_SECRET, type BenchRule } from './processes.js';

/**
 * Before anything is timed, every proxy must enforce the same rule: the allowed route answers
 * 200 and the upstream saw the injected credential; another path and another method get 403;
 * and, DLP on, an allowed POST whose body carries the secret verbatim gets 403.
 */
export async function checkRule(
  contender: Contender,
  named: (path: string) => URL,
  rule: BenchRule,
): Promise<void> {
  const agent = contender.route.agent(false);
  const expected = createHash('sha256').update(`${rule.scheme} ${BENCH_SECRET}`).digest('hex');
  const leaky = Buffer.from(`{"note":"pasted by mistake: ${BENCH_SECRET}"}`);
  try {
    const allowed = await probe(agent, named('/1k?auth'));
    const denied = await probe(agent, named('/denied'));
    const method = await probe(agent, named('/1k'), 'DELETE');
    const secret = await probe(agent, named('/upload'), 'POST', leaky);
    const problems = [
      allowed.status === 200 ? '' : `GET /1k answered ${allowed.status}`,
      allowed.headers['x-auth-sha256'] === expected
        ? ''
        : 'the upstream did not see the credential',
      denied.status === 403 ? '' : `GET /denied answered ${denied.status}`,
      method.status === 403 ? '' : `DELETE /1k answered ${method.status}`,
      secret.status === 403
        ? ''
        : `POST /upload with the secret in its body answered ${secret.status}`,
    ].filter(Boolean);
    if (problems.length > 0) {
      throw new Error(`${contender.name} does not enforce the bench rule: ${problems.join('; ')}`);
    }
  } finally {
    agent.destroy();
  }
}
