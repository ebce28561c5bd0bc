// tmux capture-pane -e keeps the terminal's line-drawing mode switches (ESC ( 0 … ESC ( B, and
// SO/SI), which aha does not understand: turn the line-drawing letters into their box characters.
import { readFileSync } from 'node:fs';

const BOX: Record<string, string> = {
  j: '┘',
  k: '┐',
  l: '┌',
  m: '└',
  n: '┼',
  q: '─',
  t: '├',
  u: '┤',
  v: '┴',
  w: '┬',
  x: '│',
  '~': '·',
  a: '▒',
  '`': '◆',
  f: '°',
  g: '±',
  y: '≤',
  z: '≥',
  '{': 'π',
  '|': '≠',
  '}': '£',
};
const text = readFileSync(process.argv[2] ?? 0, 'latin1');
const input = Buffer.from(text, 'latin1').toString('utf8');
let out = '';
let drawing = false;
for (let i = 0; i < input.length; i++) {
  const c = input[i]!;
  if (c === '\x1b' && input[i + 1] === '(' && (input[i + 2] === '0' || input[i + 2] === 'B')) {
    drawing = input[i + 2] === '0';
    i += 2;
  } else if (c === '\x0e' || c === '\x0f') drawing = c === '\x0e';
  else if (c === '\x1b') {
    // copy a whole escape sequence untouched
    // eslint-disable-next-line no-control-regex -- escape sequences are what this reads
    const m = /^\x1b\[[0-9;?]*[ -/]*[@-~]/.exec(input.slice(i));
    const seq = m ? m[0] : c;
    out += seq;
    i += seq.length - 1;
  } else out += (drawing && BOX[c]) || c;
}
process.stdout.write(out);
