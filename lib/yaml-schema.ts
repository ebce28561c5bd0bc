import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { didYouMean } from './did-you-mean.js';

/** One problem in a YAML document, located for a human: `file:line key.path: message`. */
export interface YamlIssue {
  file: string;
  line: number | undefined;
  path: string;
  message: string;
}

export type YamlParseResult<T> = { ok: true; value: T } | { ok: false; issues: YamlIssue[] };

export interface YamlParseOptions {
  /** Named in every issue. */
  file: string;
  /** Added to every line number (front matter starts after the opening `---`). */
  lineOffset?: number;
}

/**
 * The project's one YAML + zod loader: YAML syntax errors keep their line, schema errors are
 * located on the node they concern, unknown keys get a did-you-mean from the schema itself.
 */
export function parseYamlWithSchema<S extends z.ZodType>(
  text: string,
  schema: S,
  options: YamlParseOptions,
): YamlParseResult<z.output<S>> {
  const offset = options.lineOffset ?? 0;
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      issues: doc.errors.map((error) => ({
        file: options.file,
        line: counterLine(lineCounter, error.pos[0]) + offset,
        path: '',
        message: `invalid YAML: ${firstLine(error.message)} → fix the syntax on that line`,
      })),
    };
  }
  const result = schema.safeParse(doc.toJS({ maxAliasCount: 50 }) ?? {});
  if (result.success) return { ok: true, value: result.data };
  const issues: YamlIssue[] = [];
  for (const issue of result.error.issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const known = knownKeysAt(schema, path);
        const guess = didYouMean(key, known);
        const hint = guess
          ? `did you mean "${guess}"?`
          : known.length > 0
            ? `known keys here: ${known.join(', ')}`
            : 'remove it';
        issues.push({
          file: options.file,
          line: lineOf(doc, lineCounter, [...path, key], true, offset),
          path: formatPath([...path, key]),
          message: `unknown key "${key}" → ${hint}`,
        });
      }
      continue;
    }
    issues.push({
      file: options.file,
      // A key's own line: a block value starts on the next line, where nobody would look.
      line: lineOf(doc, lineCounter, path, typeof path.at(-1) === 'string', offset),
      path: formatPath(path),
      message: issue.message,
    });
  }
  return { ok: false, issues };
}

/** The line a key path sits on in YAML text, for problems found after parsing. */
export function lineAt(
  text: string,
  path: readonly (string | number)[],
  lineOffset = 0,
): number | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  return lineOf(doc, lineCounter, path, typeof path.at(-1) === 'string', lineOffset);
}

export function formatYamlIssue(issue: YamlIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`;
  return `${where} ${issue.path || '(top level)'}: ${issue.message}`;
}

export function formatPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, part) =>
      typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part,
    '',
  );
}

function counterLine(counter: LineCounter, offset: number): number {
  return counter.linePos(offset).line;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}

/** The line of the deepest node that exists on the path (the key itself for unknown keys). */
function lineOf(
  doc: Document,
  counter: LineCounter,
  path: readonly (string | number)[],
  preferKey: boolean,
  offset: number,
): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const prefix = path.slice(0, depth);
    if (preferKey && depth === path.length && depth > 0) {
      const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
      if (isMap(parent)) {
        const pair = parent.items.find(
          (item) => isScalar(item.key) && item.key.value === prefix.at(-1),
        );
        const start = (pair?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
        if (start !== undefined) return counter.linePos(start).line + offset;
      }
      continue;
    }
    const node = depth === 0 ? doc.contents : doc.getIn(prefix, true);
    const start = (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
    if (start !== undefined) return counter.linePos(start).line + offset;
  }
  return undefined;
}

/** Walks zod 4 schema internals to list the keys an object at `path` accepts. */
export function knownKeysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  let current: unknown = schema;
  for (const part of [...path, null]) {
    current = unwrap(current);
    if (part === null) break;
    const def = defOf(current);
    if (def?.type === 'object' && typeof part === 'string')
      current = (def.shape as Record<string, unknown>)[part];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return [];
  }
  const def = defOf(current);
  return def?.type === 'object' ? Object.keys(def.shape as object) : [];
}

interface ZodDefLike {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: unknown): ZodDefLike | undefined {
  return (schema as { _zod?: { def?: ZodDefLike } } | undefined)?._zod?.def;
}

function unwrap(schema: unknown): unknown {
  let current = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(current);
    if (!def) return current;
    if (
      def.type === 'optional' ||
      def.type === 'default' ||
      def.type === 'nullable' ||
      def.type === 'readonly' ||
      def.type === 'catch' ||
      def.type === 'prefault'
    )
      current = def.innerType;
    else if (def.type === 'pipe') current = defOf(def.out)?.type === 'transform' ? def.in : def.out;
    else if (def.type === 'lazy') current = (def.getter as () => unknown)();
    else return current;
  }
  return current;
}
