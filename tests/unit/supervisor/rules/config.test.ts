import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isBottleError } from '../../../../lib/errors.js';
import { loadSuperviseConfig } from '../../../../supervisor/tui/config.js';
import { tempTree, type TempTree } from '../../../helpers/temp-home.js';

// supervisor.rules in $CLAUDE_BOTTLE_HOME/config.yaml, read by the real loader from a real file.

const rule = (fields: string) =>
  `supervisor:\n  rules:\n    - name: npm-read\n      tool: egress-proxy-block\n${fields}`;
const HOSTS = '      hosts: ["*.npmjs.test"]\n';
const METHODS = '      methods: [GET, HEAD]\n';

let tree: TempTree;
let n = 0;

async function load(text: string) {
  const home = tree.path(`home-${n++}`);
  await tree.write(`home-${n - 1}/config.yaml`, text);
  return loadSuperviseConfig(home);
}

/** The CONFIG_INVALID message for `text`, which must name `line` and match `message`. */
async function invalid(text: string, line: number, message: RegExp): Promise<void> {
  await assert.rejects(load(text), (error: unknown) => {
    assert.ok(isBottleError(error), String(error));
    assert.equal(error.code, 'CONFIG_INVALID');
    assert.match(error.message, new RegExp(`config\\.yaml:${line} `), error.message);
    assert.match(error.message, message);
    assert.doesNotMatch(error.message, /"code":|invalid_value|\[\s*\{/, 'no raw zod dump');
    assert.match(error.hint ?? '', /Operator rules/);
    return true;
  });
}

describe('config.yaml supervisor.rules', () => {
  before(async () => {
    tree = await tempTree();
  });
  after(() => tree.remove());

  it('reads a rule: hosts lower-cased, methods upper-cased, bottles optional', async () => {
    const config = await load(
      `${rule('      hosts: ["*.NPMJS.test", registry.yarnpkg.test]\n      methods: [get, head]\n      bottles: [dev-1]\n')}  notify_cmd: "true"\n`,
    );
    assert.deepEqual(config.supervisor?.rules, [
      {
        name: 'npm-read',
        tool: 'egress-proxy-block',
        hosts: ['*.npmjs.test', 'registry.yarnpkg.test'],
        methods: ['GET', 'HEAD'],
        bottles: ['dev-1'],
      },
    ]);
  });

  const CASES: [what: string, text: string, line: number, message: RegExp][] = [
    ...['capability-block', 'gitleaks-allow', 'egress-token-allow'].map(
      (tool): [string, string, number, RegExp] => [
        `tool ${tool}`,
        rule(HOSTS + METHODS).replace('tool: egress-proxy-block', `tool: ${tool}`),
        4,
        new RegExp(
          `tool "${tool}" cannot be decided by a rule: rules approve only egress-proxy-block; capability-block, gitleaks-allow and egress-token-allow always wait for a person`,
        ),
      ],
    ),
    [
      'a write method',
      rule(`${HOSTS}      methods: [GET, POST]\n`),
      6,
      /read-only methods \(GET, HEAD, OPTIONS\)/,
    ],
    ['an unknown method', rule(`${HOSTS}      methods: [FETCH]\n`), 6, /method must be one of/],
    ['no methods', rule(`${HOSTS}      methods: []\n`), 6, /methods lists at least one method/],
    ['methods missing', rule(HOSTS), 3, /methods is required: the read-only methods/],
    [
      'a top-level-domain wildcard',
      rule(`      hosts: ["*.org"]\n${METHODS}`),
      5,
      /never covers a whole top-level domain/,
    ],
    [
      'a URL for a host',
      rule(`      hosts: ["https://registry.npmjs.test"]\n${METHODS}`),
      5,
      /host must be an exact name/,
    ],
    ['a bare *', rule(`      hosts: ["*"]\n${METHODS}`), 5, /host must be an exact name/],
    ['no hosts', rule(`      hosts: []\n${METHODS}`), 5, /hosts lists at least one host pattern/],
    [
      'a name that is not a slug',
      rule(HOSTS + METHODS).replace('name: npm-read', 'name: "npm read!"'),
      3,
      /a rule name is lowercase letters/,
    ],
    [
      'a bottle that is not a slug',
      rule(`${HOSTS}${METHODS}      bottles: ["../x"]\n`),
      7,
      /a bottle slug/,
    ],
    [
      'a misspelt key',
      rule(`${HOSTS}      method: [GET]\n`),
      6,
      /unknown key "method" → did you mean "methods"\?/,
    ],
    [
      'a name used twice',
      `${rule(HOSTS + METHODS)}    - name: npm-read\n      tool: egress-proxy-block\n${HOSTS}${METHODS}`,
      7,
      /rule name "npm-read" is used twice/,
    ],
  ];
  for (const [what, text, line, message] of CASES) {
    it(`refuses ${what} with CONFIG_INVALID naming the line`, () => invalid(text, line, message));
  }
});
