import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import {
  startSupervisedBottle,
  waitForProposal,
  withPath,
  type SupervisedBottle,
} from '../supervisor/fixture.js';

// Threat row: "tricking the operator: … terminal escapes or bidi text in a justification". The
// agent files a proposal whose justification (and routes.yaml comment) would, if printed raw,
// retitle the operator's terminal (OSC 0), write its clipboard (OSC 52), clear and recolour the
// screen (CSI, also as the 8-bit C1 CSI), reverse a line (bidi overrides) or style it (blessed
// tags). tmux interprets whatever reaches it, so a capture that shows the escapes as visible
// `\u{…}` text, and an unchanged pane title, proves they were escaped, not obeyed.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `import { runCli } from ${JSON.stringify(`${ROOT}launcher/cli.ts`)}; process.exitCode = await runCli(process.argv.slice(1));`;
const SOCKET = `cb-e2e-attack-tui-${process.pid}`;
const SESSION = 'supervise';
const HOSTILE = [
  'I need /notes {red-fg}{bold}APPROVED BY SECURITY{/bold}{/red-fg}',
  '\x1b]0;pwned-title\x07\x1b]52;c;cHduZWQ=\x07\x1b[2J\x1b[31mred\x1b[0m \x9b31m c1',
  'bidi \u202egnp.exe\u202c and \u2066isolate\u2069 end',
].join(' ');

const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args]);
const screen = async () => (await tmux('capture-pane', '-p', '-t', SESSION)).stdout;

async function waitForScreen(what: string, check: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 90_000;
  let text = '';
  while (Date.now() < deadline) {
    text = await screen();
    if (check(text)) return text;
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`the screen never showed ${what}; last screen:\n${text}`);
}

/** The detail pane's text with its wrapped lines joined back (blessed wraps mid-word). */
function detailText(text: string): string {
  return text
    .split('\n')
    .map((line) => (line.split('││')[1] ?? '').replace(/│\s*$/, '').trimEnd())
    .join('');
}

let bottle: SupervisedBottle;
let proposal = '';

describe('attack: hostile text shown to the operator', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    await execa('tmux', ['-V']);
    bottle = await startSupervisedBottle();
    const routes = withPath(await bottle.liveRoutes(), '/notes').replace(
      /^routes:/m,
      '# reviewed \u202eyb devorppa\u202c\nroutes:',
    );
    // The agent's call blocks until a decision; the bottle's teardown ends it.
    bottle
      .callTool('egress-proxy-block', { routes_yaml: routes, justification: HOSTILE })
      .catch(() => {});
    proposal = await waitForProposal(bottle, 'egress-proxy-block');
    await tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '160',
      // Tall enough for the whole detail pane: analysis, replay, the agent's words and the diff.
      '-y',
      '60',
      '-c',
      ROOT,
      '-e',
      `CLAUDE_BOTTLE_HOME=${bottle.home}`,
      '-e',
      'CLAUDE_BOTTLE_OPERATOR=e2e-operator',
      '-e',
      'LANG=C.UTF-8',
      '-e',
      'NCURSES_NO_UTF8_ACS=1',
      `node --import tsx --input-type=module -e '${CLI}' supervise; sleep 3600`,
    );
    await tmux('set-option', '-t', SESSION, 'set-titles', 'on');
  });
  after(async () => {
    await execa('tmux', ['-L', SOCKET, 'kill-server'], { reject: false });
    await bottle?.destroy();
  });

  it('tricking the operator: the TUI shows escapes, bidi and blessed tags as visible text', async () => {
    const shown = detailText(
      await waitForScreen('the hostile justification', (s) => s.includes('APPROVED BY SECURITY')),
    );
    // Blessed would have turned these into colour and eaten the braces.
    assert.match(shown, /\{red-fg\}\{bold\}APPROVED BY SECURITY\{\/bold\}\{\/red-fg\}/);
    assert.match(shown, /\\u\{1b\}\]0;pwned-title\\u\{7\}/, 'OSC 0 shown, not obeyed');
    assert.match(shown, /\\u\{1b\}\]52;c;/, 'OSC 52 shown, not obeyed');
    assert.match(shown, /\\u\{1b\}\[2J/);
    assert.match(shown, /\\u\{9b\}31m/, 'the 8-bit CSI too');
    assert.match(shown, /\\u\{202e\}gnp\.exe\\u\{202c\}/);
    assert.match(shown, /\\u\{2066\}isolate\\u\{2069\}/);
    const title = await tmux('display-message', '-p', '-t', SESSION, '#{pane_title}');
    assert.doesNotMatch(title.stdout, /pwned/);
  });

  it('tricking the operator: the diff of the proposed file escapes a bidi override in a comment', async () => {
    const shown = await waitForScreen('the diff', (s) => s.includes('/notes'));
    assert.match(shown, /\+\s+- \/notes/);
    assert.match(shown, /reviewed \\u\{202e\}yb devorppa\\u\{202c\}/);
  });

  it('tricking the operator: the headless verbs print no raw control character either', async () => {
    const listed = await bottle.cli('proposals', '--bottle', bottle.slug);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(proposal));
    assert.match(listed.stdout, /\\u\{1b\}/);
    const json = await bottle.cli('proposals', '--json', '--bottle', bottle.slug);
    // eslint-disable-next-line no-control-regex
    const raw = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;
    for (const output of [listed.stdout, json.stdout]) assert.doesNotMatch(output, raw);
    const parsed = JSON.parse(json.stdout) as { proposals: { justification: string }[] };
    assert.equal(parsed.proposals[0]?.justification, HOSTILE, 'the JSON still parses back exactly');
  });
});
