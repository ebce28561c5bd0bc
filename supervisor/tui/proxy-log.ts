import { composeLogs } from '../../launcher/compose.js';
import { openBottle } from '../queue/bottles.js';
import { line, type Style, type StyledLine } from './lines.js';
import { sanitize } from './sanitize.js';

const DECISION_STYLES: Record<string, Style> = {
  allow: 'ok',
  deny: 'error',
  error: 'warning',
  tunnel: 'dim',
};

/**
 * The proxy's `docker compose logs` output as readable lines: decision records become
 * `time decision status method host/path (reason)`, its own log events `time event`, and
 * anything else is shown as it is. Hosts and paths are the agent's, so all of it is made safe.
 */
export function formatProxyLog(text: string): StyledLine[] {
  const lines: StyledLine[] = [];
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    // compose writes its own erase-line sequences even with --no-color, then "<service>-<n> | ".
    // (A record cannot carry a raw ESC: the proxy writes JSON, which escapes controls.)
    // eslint-disable-next-line no-control-regex
    const body = raw.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/^[\w.-]+\s+\|\s?/, '');
    lines.push(formatRecord(body));
  }
  return lines.length > 0 ? lines : [line('(no proxy log lines yet)', 'dim')];
}

function formatRecord(body: string): StyledLine {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return line(sanitize(body));
    record = parsed as Record<string, unknown>;
  } catch {
    return line(sanitize(body));
  }
  const text = (key: string): string => (typeof record[key] === 'string' ? record[key] : '');
  const time = text('ts').slice(11, 19) || '--:--:--';
  const decision = text('decision');
  if (decision) {
    const status = typeof record.status === 'number' ? String(record.status) : '';
    const why = [text('reason'), text('detector')].filter(Boolean).join(', ');
    const route = text('route') ? `  route ${text('route')}` : '';
    return line(
      sanitize(
        `${time}  ${decision.padEnd(6)} ${status.padStart(3)}  ${text('method')} ${text('host')}${text('path')}${why ? `  (${why})` : ''}${route}`,
      ),
      DECISION_STYLES[decision] ?? 'plain',
    );
  }
  const event = text('event');
  if (event) return line(sanitize(`${time}  ${text('level') || 'info'}  ${event}`), 'dim');
  return line(sanitize(body));
}

/** The last `tail` lines of a bottle's egress-proxy log (through launcher/compose.ts), formatted. */
export async function readProxyLog(
  home: string,
  slug: string,
  env: NodeJS.ProcessEnv,
  tail: number,
): Promise<StyledLine[]> {
  let text = '';
  const sink = { write: (chunk: string) => (text += chunk) };
  try {
    const bottle = await openBottle(home, slug);
    await composeLogs({ file: bottle.layout.composeFile, env }, ['egress-proxy'], {
      follow: false,
      tail,
      stdout: sink,
      stderr: sink,
    });
  } catch (error) {
    text += `\n${error instanceof Error ? error.message : String(error)}`;
  }
  return formatProxyLog(text);
}
