import { Document, isCollection, isMap, isPair, isSeq, YAMLSeq, type YAMLMap } from 'yaml';
import type { Route } from '../../images/egress-proxy/routes/schema.js';
import { manifestRoute, parseManifestRoute, routeKey } from './manifest-route.js';

/**
 * Sets some hosts' routes in the YAML of a bottle's front matter, changing only their lines.
 * The `yaml` Document gives every route node's place in the text; a route that stays is left
 * byte for byte, a changed one is rewritten where it stood (so the order the proxy matches in,
 * first route wins, is kept), a removed one goes with the comment lines just above it, and a
 * new one is put after the host's last route, or at the end of `egress.routes` (which is
 * added when missing). Shapes this cannot edit line by line (a flow `routes: [{…}]` or
 * `egress: {…}`) are rewritten through the Document, which keeps comments but not every
 * spacing.
 */
export function spliceRoutes(
  yaml: string,
  doc: Document,
  targets: ReadonlyMap<string, readonly Route[]>,
): string {
  const newline = yaml.includes('\r\n') ? '\r\n' : '\n';
  const wanted = [...targets.values()].flat();
  const seq = routesSeq(doc);
  const key = seq ? routesKey(yaml, doc) : undefined;
  if (!seq) return addRoutesKey(yaml, doc, wanted, newline) ?? rewriteDocument(doc, seq, targets);
  if (key && seq.flow && seq.items.length === 0) {
    if (wanted.length === 0) return yaml;
    const items = wanted.map((route) => renderItem(route, `${key.indent}  `, newline)).join('');
    // `routes: []  # note` → `routes:  # note` and the items on the lines after it.
    const after = yaml.slice(seq.range![1], key.lineEnd);
    const ending = after.endsWith('\n') ? '' : newline;
    return `${yaml.slice(0, key.colon + 1)}${after}${ending}${items}${yaml.slice(key.lineEnd)}`;
  }
  const slots = key ? routeSlots(yaml, seq, key.lineEnd) : undefined;
  if (!key || !slots || slots.length === 0) return rewriteDocument(doc, seq, targets);
  const kept = slots.filter((slot) => !targets.has(slot.host)).length;
  if (kept + wanted.length === 0) {
    // Every route goes: `routes:` with nothing under it would be null, not an empty list.
    let out = yaml;
    for (const slot of [...slots].reverse())
      out = out.slice(0, slot.blockStart) + out.slice(slot.end);
    return `${out.slice(0, key.colon + 1)} []${out.slice(key.colon + 1)}`;
  }

  const edits: { start: number; end: number; text: string }[] = [];
  const inserts = new Map<number, string[]>();
  const insert = (at: number, route: Route, indent: string): void => {
    const list = inserts.get(at) ?? [];
    list.push(renderItem(route, indent, newline));
    inserts.set(at, list);
  };
  const last = slots.at(-1)!;
  for (const [host, routes] of targets) {
    const old = slots.filter((slot) => slot.host === host);
    const indent = (old[0] ?? last).indent;
    let anchor = old[0]?.blockStart ?? last.end;
    let i = 0;
    let j = 0;
    const same = (slot: Slot, route: Route): boolean => slot.key === routeKey(route);
    while (i < old.length || j < routes.length) {
      const slot = old[i];
      const route = routes[j];
      if (slot && route && same(slot, route)) {
        anchor = slot.end;
        i++;
        j++;
      } else if (slot && route && routes.slice(j + 1).some((r) => same(slot, r))) {
        insert(anchor, route, indent);
        j++;
      } else if (slot && (!route || old.slice(i + 1).some((s) => same(s, route)))) {
        edits.push({ start: slot.blockStart, end: slot.end, text: '' });
        i++;
      } else if (slot && route) {
        edits.push({
          start: slot.lineStart,
          end: slot.end,
          text: renderItem(route, indent, newline),
        });
        anchor = slot.end;
        i++;
        j++;
      } else {
        insert(anchor, route!, indent);
        j++;
      }
    }
  }
  for (const [at, texts] of inserts) edits.push({ start: at, end: at, text: texts.join('') });
  // From the end, so earlier offsets still hold; at one offset a removal or rewrite goes
  // before an insertion, so the insertion lands in front of what follows it.
  edits.sort((a, b) => b.start - a.start || b.end - b.start - (a.end - a.start));
  let out = yaml;
  for (const edit of edits) out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  return out;
}

/** A route item of `egress.routes` and where it sits in the text. */
interface Slot {
  host: string;
  key: string;
  /** Start of the line holding its `-`. */
  lineStart: number;
  /** Start of the comment lines right above it (its description), or lineStart. */
  blockStart: number;
  /** After the newline ending its last line. */
  end: number;
  /** The spaces before its `-`. */
  indent: string;
}

function routesSeq(doc: Document): YAMLSeq | undefined {
  const egress = doc.get('egress', true);
  if (!isMap(egress)) return undefined;
  const routes = egress.get('routes', true);
  return isSeq(routes) ? routes : undefined;
}

/** Where the `routes:` key of `egress` is: its colon, its indentation, the end of its line. */
function routesKey(
  yaml: string,
  doc: Document,
): { colon: number; indent: string; lineEnd: number } | undefined {
  const egress = doc.get('egress', true);
  if (!isMap(egress) || egress.flow) return undefined;
  const pair = egress.items.find((item) => isPair(item) && String(item.key) === 'routes');
  const range = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
  if (!range) return undefined;
  const colon = yaml.indexOf(':', range[1]);
  const lineStart = yaml.lastIndexOf('\n', range[0]) + 1;
  const indent = yaml.slice(lineStart, range[0]);
  if (colon === -1 || !/^ *$/.test(indent) || /\S/.test(yaml.slice(range[1], colon)))
    return undefined;
  return { colon, indent, lineEnd: lineEnd(yaml, colon) };
}

/**
 * `egress.routes` where there is none: after the last top-level key, or as the first key of a
 * block `egress:` map. Undefined for shapes a line edit cannot place it in.
 */
function addRoutesKey(
  yaml: string,
  doc: Document,
  routes: readonly Route[],
  newline: string,
): string | undefined {
  const render = (indent: string): string =>
    routes.map((route) => renderItem(route, indent, newline)).join('');
  const contents = doc.contents;
  const egress = isMap(contents) ? contents.get('egress', true) : undefined;
  if (egress === undefined) {
    if (contents !== null && (!isMap(contents) || contents.flow)) return undefined;
    const first = (contents?.items[0]?.key as { range?: [number, number, number] } | undefined)
      ?.range?.[0];
    if (first !== undefined && yaml.lastIndexOf('\n', first - 1) + 1 !== first) return undefined;
    const separator = yaml === '' || yaml.endsWith('\n') ? '' : newline;
    return `${yaml}${separator}egress:${newline}  routes:${newline}${render('    ')}`;
  }
  if (!isMap(egress) || egress.flow) return undefined;
  const first = (egress.items[0]?.key as { range?: [number, number, number] } | undefined)
    ?.range?.[0];
  if (first === undefined) return undefined;
  const lineStart = yaml.lastIndexOf('\n', first - 1) + 1;
  const indent = yaml.slice(lineStart, first);
  if (!/^ +$/.test(indent)) return undefined;
  return `${yaml.slice(0, lineStart)}${indent}routes:${newline}${render(`${indent}  `)}${yaml.slice(lineStart)}`;
}

/** Each route item's place, or undefined when the sequence is not one block list of maps. */
function routeSlots(yaml: string, seq: YAMLSeq, afterKey: number): Slot[] | undefined {
  if (seq.flow) return undefined;
  let limit = afterKey;
  const slots: Slot[] = [];
  for (const item of seq.items) {
    if (!isMap(item) || !item.range) return undefined;
    const route = parseManifestRoute(item.toJSON());
    if (!route) return undefined;
    let dash = item.range[0] - 1;
    while (dash >= 0 && /\s/.test(yaml[dash]!)) dash--;
    if (yaml[dash] !== '-') return undefined;
    const lineStart = yaml.lastIndexOf('\n', dash) + 1;
    const indent = yaml.slice(lineStart, dash);
    if (!/^[ ]*$/.test(indent)) return undefined;
    const end = lineEnd(yaml, (item.flow ? item.range[2] : item.range[1]) - 1);
    slots.push({
      host: route.host,
      key: routeKey(route),
      lineStart,
      blockStart: commentsAbove(yaml, lineStart, limit),
      end,
      indent,
    });
    limit = end;
  }
  return slots;
}

/** After the newline ending the line that holds `offset` (or the end of the text). */
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', Math.max(offset, 0));
  return newline === -1 ? text.length : newline + 1;
}

function commentsAbove(yaml: string, lineStart: number, limit: number): number {
  let start = lineStart;
  while (start > limit) {
    const previous = yaml.lastIndexOf('\n', start - 2) + 1;
    if (previous < limit || !/^\s*#/.test(yaml.slice(previous, start - 1))) break;
    start = previous;
  }
  return start;
}

/** `- host: …` lines for one route, its lists and auth on one line each as the examples write them. */
function renderItem(route: Route, indent: string, newline: string): string {
  const doc = new Document();
  doc.contents = flowNested(doc, route);
  const body = doc.toString({ lineWidth: 0, flowCollectionPadding: false }).trimEnd().split('\n');
  return body
    .map((line, index) => `${indent}${index === 0 ? '- ' : '  '}${line}${newline}`)
    .join('');
}

function flowNested(doc: Document, route: Route): YAMLMap {
  const node = doc.createNode(manifestRoute(route));
  for (const item of node.items) if (isCollection(item.value)) item.value.flow = true;
  return node;
}

/** The Document way: same result, comments kept, spacing as `yaml` prints it. */
function rewriteDocument(
  doc: Document,
  seq: YAMLSeq | undefined,
  targets: ReadonlyMap<string, readonly Route[]>,
): string {
  const items: unknown[] = [];
  const placed = new Set<string>();
  const place = (host: string): void => {
    placed.add(host);
    for (const route of targets.get(host)!) {
      const reuse = seq?.items.find(
        (item) =>
          isMap(item) &&
          parseManifestRoute(item.toJSON()) !== undefined &&
          routeKey(parseManifestRoute(item.toJSON())!) === routeKey(route),
      );
      items.push(reuse ?? flowNested(doc, route));
    }
  };
  for (const item of seq?.items ?? []) {
    const route = isMap(item) ? parseManifestRoute(item.toJSON()) : undefined;
    if (!route || !targets.has(route.host)) items.push(item);
    else if (!placed.has(route.host)) place(route.host);
  }
  for (const host of targets.keys()) if (!placed.has(host)) place(host);
  const routes = new YAMLSeq();
  routes.items = items;
  routes.flow = items.length === 0;
  doc.setIn(['egress', 'routes'], routes);
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}
