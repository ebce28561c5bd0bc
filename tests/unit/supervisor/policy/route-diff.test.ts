import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RouteSchema, type Route } from '../../../../images/egress-proxy/routes/schema.js';
import { diffRoutes } from '../../../../supervisor/policy/route-diff.js';

const route = (input: Record<string, unknown>): Route => RouteSchema.parse(input);

test('identical routes give no items', () => {
  const routes = [route({ host: 'api.github.com', methods: ['GET'] })];
  assert.deepEqual(diffRoutes(routes, routes), []);
});

test('an added host, a widened path and a removed host are each one item', () => {
  const planned = [
    route({ host: 'api.github.com', paths: ['/repos/a/'], methods: ['GET'] }),
    route({ host: 'old.example.com' }),
  ];
  const live = [
    route({ host: 'api.github.com', paths: ['/repos/'], methods: ['GET', 'POST'] }),
    route({
      host: 'pypi.org',
      auth: { header: 'Authorization', scheme: 'Bearer', secret: 'pypi' },
    }),
  ];
  const items = diffRoutes(planned, live);
  assert.deepEqual(
    items.map((item) => [item.change, item.host]),
    [
      ['widened', 'api.github.com'],
      ['added', 'pypi.org'],
      ['removed', 'old.example.com'],
    ],
  );
  assert.match(items[0]!.detail, /paths \/repos\/a\/ → \/repos\//);
  assert.match(items[1]!.detail, /auth Authorization Bearer secret=pypi/);
});

test('a changed credential is "changed", not "widened"', () => {
  const planned = [route({ host: 'x.example.com', auth: { header: 'x-api-key', secret: 'a' } })];
  const live = [route({ host: 'x.example.com', auth: { header: 'x-api-key', secret: 'b' } })];
  const [item] = diffRoutes(planned, live);
  assert.equal(item?.change, 'changed');
  assert.match(item.detail, /secret=a → x-api-key secret=b/);
});

test('several routes of one host are paired in file order: equal ones give no item', () => {
  const get = route({ host: 'api.github.com', methods: ['GET'] });
  const post = route({ host: 'api.github.com', paths: ['/repos/a/issues'], methods: ['POST'] });
  assert.deepEqual(diffRoutes([get, post], [get, post]), []);
  const wider = route({ host: 'api.github.com', paths: ['/repos/a/'], methods: ['POST'] });
  assert.deepEqual(
    diffRoutes([get, post], [get, wider, route({ host: 'api.github.com', methods: ['PUT'] })]).map(
      (item) => [item.change, item.host],
    ),
    [
      ['widened', 'api.github.com'],
      ['added', 'api.github.com'],
    ],
  );
  assert.deepEqual(
    diffRoutes([get, post], [get]).map((item) => [item.change, item.planned]),
    [['removed', post]],
  );
});
