import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { assertDockerAvailable, dockerSuite } from '../../helpers/docker.js';
import type { AgentToolResult } from '../../helpers/agent-mcp.js';
import { startSupervisedBottle, withPath, type SupervisedBottle } from './fixture.js';

// `claude-bottle supervise` in a real terminal (tmux) over a real bottle: the agent files
// proposals through the real MCP server from inside its container; the operator reads the
// screen and presses keys, exactly as a person would.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = `import { runCli } from ${JSON.stringify(`${ROOT}launcher/cli.ts`)}; process.exitCode = await runCli(process.argv.slice(1));`;
const SOCKET = `cb-e2e-tui-${process.pid}`;
const SESSION = 'supervise';
const HOSTILE =
  'I need /first for {bold}blessed tags{/bold} \x1b[31mred\x1b[0m\x1b]0;pwned\x07 done';
/** Set to write docs/images/supervisor-tui.{txt,png} from this run (needs aha and chromium). */
const DOCS_CAPTURE = process.env.CLAUDE_BOTTLE_DOCS_CAPTURE === '1';

const tmux = (...args: string[]) => execa('tmux', ['-L', SOCKET, ...args]);
const screen = async (...flags: string[]) =>
  (await tmux('capture-pane', '-p', ...flags, '-t', SESSION)).stdout;
const press = (...keys: string[]) => tmux('send-keys', '-t', SESSION, ...keys);
const type = (text: string) => tmux('send-keys', '-t', SESSION, '-l', text);

/** Polls the screen until `check` holds; the deadline only bounds a failure. */
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

let bottle: SupervisedBottle;

describe('claude-bottle supervise (tmux) on a real bottle', dockerSuite, () => {
  before(async () => {
    assertDockerAvailable();
    await execa('tmux', ['-V']);
    bottle = await startSupervisedBottle();
    await tmux(
      'new-session',
      '-d',
      '-s',
      SESSION,
      '-x',
      '160',
      '-y',
      '45',
      '-c',
      ROOT,
      '-e',
      `CLAUDE_BOTTLE_HOME=${bottle.home}`,
      '-e',
      'CLAUDE_BOTTLE_OPERATOR=e2e-operator',
      '-e',
      'LANG=C.UTF-8',
      // Box lines as UTF-8 rather than the terminal's alternate charset, so captures read well.
      '-e',
      'NCURSES_NO_UTF8_ACS=1',
      // The editor `m` opens: an edit made without a person at the keyboard.
      '-e',
      'EDITOR=sed -i s#/third#/third-edited#',
      `node --import tsx --input-type=module -e '${CLI}' supervise; echo SUPERVISE-EXIT=$?; sleep 3600`,
    );
  });
  after(async () => {
    await execa('tmux', ['-L', SOCKET, 'kill-server'], { reject: false });
    await bottle?.destroy();
  });

  it('shows agent text literally, answers a replaced proposal as superseded, approves one proposal and rejects another with a typed reason', async () => {
    const live = await bottle.liveRoutes();
    await waitForScreen('the TUI with no proposal', (s) => s.includes('No proposal waiting.'));

    // Filed while the TUI runs: it must pick them up from the queue on its own.
    const replaced: Promise<AgentToolResult> = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/replaced'),
      justification: 'I need /replaced for the changelog',
    });
    await waitForScreen('the first proposal', (s) =>
      s.includes('I need /replaced for the changelog'),
    );
    const first: Promise<AgentToolResult> = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/first'),
      justification: HOSTILE,
    });
    // A newer routes.yaml from the same agent replaces the undecided older one: the TUI
    // archives it and its call is answered, nothing of it applied.
    const superseded = await replaced;
    assert.equal(superseded.structured?.status, 'superseded', superseded.text);
    assert.equal(superseded.structured?.applied, false);
    assert.match(superseded.text, /was superseded by agent-/);
    const shown = await waitForScreen(
      'the hostile justification, literally, as the one proposal',
      (s) =>
        s.includes('proposals (1)') &&
        s.includes('{bold}blessed tags{/bold}') &&
        !s.includes('I need /replaced'),
    );
    assert.match(shown, /AGENT'S WORDS, UNVERIFIED/);
    assert.match(shown, /\\u\{1b\}/, 'the escape sequence is shown, not obeyed');
    assert.match(shown, /\+\s+- \/first/, 'the diff against the live routes');
    if (DOCS_CAPTURE) await captureForDocs('supervisor-tui');

    // The selected proposal was replaced under it: the first a may only confirm the move.
    await press('a');
    const acted = await waitForScreen('the approval or the moved-selection notice', (s) =>
      /press a again|0 pending/.test(s),
    );
    if (acted.includes('press a again')) await press('a');
    const approved = await first;
    assert.equal(approved.structured?.status, 'approved', approved.text);
    assert.equal(approved.structured?.applied, true);
    assert.match(await bottle.liveRoutes(), /- \/first/);
    await waitForScreen('nothing left', (s) => s.includes('0 pending'));

    const second: Promise<AgentToolResult> = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(await bottle.liveRoutes(), '/second'),
      justification: 'I need /second for the release notes',
    });
    await waitForScreen('the next proposal', (s) =>
      s.includes('I need /second for the release notes'),
    );

    // The list moved the selection onto the other proposal: the first r only confirms that.
    await press('r');
    const asked = await waitForScreen('the reason prompt or the moved-selection notice', (s) =>
      /Reject: why\?|press r again/.test(s),
    );
    if (!asked.includes('Reject: why?')) {
      await press('r');
      await waitForScreen('the reason prompt', (s) => s.includes('Reject: why?'));
    }
    const reason = 'use the mirror at pkg.internal instead';
    await type(reason);
    await waitForScreen('the typed reason', (s) => s.includes(reason));
    await press('Enter');
    const rejected = await second;
    assert.equal(rejected.structured?.status, 'rejected', rejected.text);
    assert.equal(rejected.structured?.reason, reason);
    await waitForScreen('nothing pending', (s) => s.includes('0 pending'));

    const decided = await bottle.cli('proposals', '--all', '--json', '--bottle', bottle.slug);
    const { proposals } = JSON.parse(decided.stdout) as {
      proposals: { status: string; decision?: { decided_by: string } }[];
    };
    assert.deepEqual(proposals.map((p) => p.status).sort(), ['approved', 'rejected', 'superseded']);
    for (const p of proposals.filter((p) => p.status !== 'superseded'))
      assert.equal(p.decision?.decided_by, 'e2e-operator (tui)');
  });

  it("m opens the proposed file in $EDITOR with the screen suspended and applies the confirmed edit; l shows the proxy's decisions", async () => {
    const live = await bottle.liveRoutes();
    const third = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(live, '/third'),
      justification: 'I need /third',
    });
    await waitForScreen('the third proposal', (s) => s.includes('I need /third'));
    // It arrived into an empty list: the first m only confirms the selection.
    await press('m');
    const opened = await waitForScreen('the edit to confirm or the moved-selection notice', (s) =>
      /Apply your edited routes\.yaml|press m again/.test(s),
    );
    if (!opened.includes('Apply your edited')) await press('m');
    const confirm = await waitForScreen('the edited diff', (s) =>
      s.includes('Apply your edited routes.yaml'),
    );
    assert.match(confirm, /\+\s+- \/third-edited/);
    await press('y');
    const answer = await third;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    assert.equal(answer.structured?.applied, true);
    const routes = await bottle.liveRoutes();
    assert.match(routes, /- \/third-edited$/m);
    assert.doesNotMatch(routes, /- \/third$/m, "the operator's file, not the agent's, is live");

    const fetched = await bottle.asAgent(
      "curl -s -o /dev/null -w '%{http_code}' https://api.example.test/third-edited",
    );
    assert.equal(fetched.stdout, '200');
    await press('l');
    await waitForScreen('the proxy decision for that request', (s) =>
      /allow\s+200\s+GET api\.example\.test\/third-edited/.test(s),
    );
    await press('Escape');
    await waitForScreen('the panes again', (s) => s.includes('0 pending'));
  });

  it('g approves for a time: once admits the retried request and nothing after it', async () => {
    const curl = async (path: string) =>
      (
        await bottle.asAgent(
          `curl -s -m 15 -o /dev/null -w '%{http_code}' https://api.example.test${path}`,
        )
      ).stdout;
    assert.equal(await curl('/fourth'), '403');
    const fourth = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(await bottle.liveRoutes(), '/fourth'),
      justification: 'I need /fourth, once',
    });
    await waitForScreen(
      'the fourth proposal and its replay',
      (s) => s.includes('I need /fourth, once') && /replay: 1 of the agent's refused/.test(s),
    );
    await press('g');
    const asked = await waitForScreen('the lifetime question or the moved-selection notice', (s) =>
      /for how long\?|press g again/.test(s),
    );
    if (!asked.includes('for how long?')) await press('g');
    await waitForScreen('the lifetime question', (s) => s.includes('for how long?'));
    if (DOCS_CAPTURE) await captureForDocs('supervisor-tui-grant');
    await type('once');
    await press('Enter');
    const answer = await fourth;
    assert.equal(answer.structured?.status, 'approved', answer.text);
    await waitForScreen('the outcome with its grant', (s) =>
      /granted once \(g-[0-9a-f]{12}/.test(s),
    );
    const listed = await bottle.cli('grants', bottle.slug);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      /once: 1[45]m\d*s? left, 1 of 1 use left {2}by e2e-operator \(tui\)/,
    );
    if (DOCS_CAPTURE)
      await writeFile(
        `${ROOT}docs/images/grants.txt`,
        `$ claude-bottle grants ${bottle.slug}\n${listed.stdout}`,
      );
    assert.equal(await curl('/fourth'), '200', 'the retried request');
    assert.equal(await curl('/fourth'), '403', 'and nothing after it');

    // The supervisor saw the use in the proxy's ledger and removed the spent rule by itself.
    for (let i = 0; (await bottle.liveRoutes()).includes('grant:'); i++) {
      assert.ok(i < 100, 'the spent once-rule is removed from routes.yaml');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const audit = await bottle.cli('audit', bottle.slug, '--json');
    assert.match(audit.stdout, /"result": "grant-used"/);

    // g → permanent: the manifest diff first, y approves and writes it.
    const fifth = bottle.callTool('egress-proxy-block', {
      routes_yaml: withPath(await bottle.liveRoutes(), '/fifth'),
      justification: 'I need /fifth for good',
    });
    await waitForScreen('the fifth proposal', (s) => s.includes('I need /fifth for good'));
    await press('g');
    const again = await waitForScreen('the lifetime question or the moved-selection notice', (s) =>
      /for how long\?|press g again/.test(s),
    );
    if (!again.includes('for how long?')) await press('g');
    await waitForScreen('the lifetime question', (s) => s.includes('for how long?'));
    await type('permanent');
    await press('Enter');
    const diff = await waitForScreen('the manifest diff to confirm', (s) =>
      s.includes('Approve for good and write'),
    );
    assert.match(diff, /\+\s+paths: \[\/hello, .*\/fifth/);
    await press('y');
    assert.equal((await fifth).structured?.status, 'approved');
    await waitForScreen('the manifest written', (s) =>
      /granted permanently \(g-[0-9a-f]{12}\); wrote /.test(s),
    );
    assert.match(await readFile(`${bottle.home}/bottles/e2e.md`, 'utf8'), /\/fifth/);
    assert.equal(await curl('/fifth'), '200');

    await press('q');
    const after = await waitForScreen('the TUI to exit', (s) => s.includes('SUPERVISE-EXIT='));
    assert.match(after, /SUPERVISE-EXIT=0/);
  });
});

/** docs/images/<name>.txt (plain) and .png (the coloured capture, through aha and chromium). */
async function captureForDocs(name: string): Promise<void> {
  const images = `${ROOT}docs/images`;
  await mkdir(images, { recursive: true });
  await writeFile(`${images}/${name}.txt`, `${(await screen()).trimEnd()}\n`);
  const html = await execa('aha', ['--black', '--title', 'claude-bottle supervise'], {
    input: await screen('-e', '-N'),
  });
  const page = `${bottle.tree.path(`${name}.html`)}`;
  await writeFile(
    page,
    html.stdout.replace(
      '</head>',
      '<style>body{margin:12px;font:13px/15px "DejaVu Sans Mono",monospace}pre{margin:0}</style></head>',
    ),
  );
  await execa('chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--disable-background-networking',
    '--hide-scrollbars',
    `--screenshot=${images}/${name}.png`,
    '--window-size=1280,700',
    `file://${page}`,
  ]);
}
