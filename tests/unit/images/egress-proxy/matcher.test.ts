import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostMatches, matchRoute, pathHasPrefix } from '../../../../images/egress-proxy/matcher.js';
import { parseRoutesOrThrow } from '../../../../images/egress-proxy/routes/parse.js';

const { routes } = parseRoutesOrThrow(`routes:
  - host: api.github.com
    paths: [/repos/acme/, /user]
    methods: [GET]
  - host: api.github.com
    paths: [/repos/acme/]
    methods: [POST]
  - host: "*.example.com"
  - host: localhost:8443
`);

describe('hostMatches', () => {
  const table: [string, string, number, boolean][] = [
    ['api.github.com', 'api.github.com', 443, true],
    ['api.github.com', 'api.github.com', 80, true],
    ['api.github.com', 'api.github.com', 8443, false],
    ['api.github.com', 'evil-api.github.com', 443, false],
    ['*.example.com', 'a.example.com', 443, true],
    ['*.example.com', 'a.b.example.com', 443, true],
    ['*.example.com', 'example.com', 443, false],
    ['*.example.com', 'badexample.com', 443, false],
    ['localhost:8443', 'localhost', 8443, true],
    ['localhost:8443', 'localhost', 443, false],
    ['[::1]:8443', '::1', 8443, true],
  ];
  for (const [pattern, host, port, expected] of table) {
    it(`${pattern} ${expected ? 'covers' : 'does not cover'} ${host}:${port}`, () => {
      assert.equal(hostMatches(pattern, host, port), expected);
    });
  }
});

describe('pathHasPrefix', () => {
  it('treats a prefix without a trailing slash as a whole segment', () => {
    assert.ok(pathHasPrefix('/user', '/user'));
    assert.ok(pathHasPrefix('/user/emails', '/user'));
    assert.ok(!pathHasPrefix('/users', '/user'));
    assert.ok(pathHasPrefix('/repos/acme/x', '/repos/acme/'));
    assert.ok(!pathHasPrefix('/repos/acme', '/repos/acme/'));
  });
});

describe('matchRoute', () => {
  const target = (host: string, path: string, method = 'GET', port = 443) => ({
    host,
    port,
    path,
    method,
  });
  it('lets the first fully matching rule win', () => {
    const get = matchRoute(routes, target('api.github.com', '/repos/acme/x'));
    assert.ok(get.allowed && get.index === 0);
    const post = matchRoute(routes, target('api.github.com', '/repos/acme/x', 'POST'));
    assert.ok(post.allowed && post.index === 1);
  });
  it('explains each rule that named the host when none applies', () => {
    const result = matchRoute(routes, target('api.github.com', '/user', 'POST'));
    assert.equal(result.allowed, false);
    assert.match(
      !result.allowed ? result.reason : '',
      /routes\[0\] .* allows only methods GET; routes\[1\] .* allows only paths starting with \/repos\/acme\//,
    );
  });
  it('says no rule names an unlisted host', () => {
    const result = matchRoute(routes, target('evil.test', '/'));
    assert.ok(!result.allowed);
    assert.match(result.reason, /no rule in routes\.yaml names the host evil\.test:443/);
  });
});
