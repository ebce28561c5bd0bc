// Fails when relative imports between the project's TypeScript files form a cycle.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const folders = ['lib', 'launcher', 'mcp', 'supervisor', 'images'];
const files = folders.flatMap((folder) => walk(join(root, folder)));
const graph = new Map(files.map((file) => [file, importsOf(file)]));

const state = new Map();
const cycles = [];
for (const file of files) visit(file, []);
if (cycles.length > 0) {
  for (const cycle of cycles)
    console.error(`import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`);
  process.exit(1);
}
console.error(`check-cycles: ${files.length} files, no import cycles`);

function visit(file, stack) {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'open') {
    cycles.push([...stack.slice(stack.indexOf(file)), file]);
    return;
  }
  state.set(file, 'open');
  for (const next of graph.get(file) ?? []) visit(next, [...stack, file]);
  state.set(file, 'done');
}

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const found = [];
  for (const match of text.matchAll(
    /^\s*(?:import|export)\s(?!type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm,
  )) {
    const target = resolve(dirname(file), match[1].replace(/\.js$/, '.ts'));
    found.push(target);
  }
  return found.filter((target) => files.includes(target));
}

function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : walk(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}
