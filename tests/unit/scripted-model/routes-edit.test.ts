import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRoutes } from '../../../images/egress-proxy/routes/parse.js';
import { allowUrlInRoutes } from '../../fixtures/scripted-model/routes-edit.js';

const URL = 'https://api.example.test/other';

describe('allowUrlInRoutes', () => {
  const table: [string, string, { host: string; paths?: string[] }[]][] = [
    [
      'widens the host route',
      'routes:\n  - host: api.example.test\n    paths: [/allowed]\n',
      [{ host: 'api.example.test', paths: ['/allowed', '/other'] }],
    ],
    [
      'adds a route for a new host',
      'routes:\n  - host: api.github.com\n',
      [{ host: 'api.github.com' }, { host: 'api.example.test', paths: ['/other'] }],
    ],
    [
      'leaves a whole-host route alone',
      'routes:\n  - host: api.example.test\n',
      [{ host: 'api.example.test' }],
    ],
    [
      'is idempotent',
      'routes:\n  - host: api.example.test\n    paths: [/other]\n',
      [{ host: 'api.example.test', paths: ['/other'] }],
    ],
  ];
  for (const [what, before, routes] of table) {
    it(`${what}, and the result passes the proxy's parser`, () => {
      const parsed = parseRoutes(allowUrlInRoutes(before, URL));
      assert.ok(parsed.ok);
      assert.deepEqual(
        parsed.routes.routes.map((r) => ({ host: r.host, ...(r.paths ? { paths: r.paths } : {}) })),
        routes,
      );
    });
  }

  it("keeps the file's comments and the other routes' keys", () => {
    const before =
      '# Routes of bottle "dev".\nroutes:\n  - host: api.example.test # the API\n    paths: [/allowed]\n    methods: [GET]\n';
    const after = allowUrlInRoutes(before, URL);
    assert.match(after, /^# Routes of bottle "dev"\./);
    assert.match(after, /# the API/);
    assert.match(after, /methods: \[ GET \]/);
  });
});
