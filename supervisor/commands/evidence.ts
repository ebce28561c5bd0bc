import type { Command } from '../../lib/cli-args.js';

const options = {
  out: { type: 'string' },
  verify: { type: 'string' },
  logs: { type: 'string' },
  'public-key': { type: 'string' },
} as const;

export const evidenceCommand: Command<typeof options> = {
  name: 'evidence',
  summary: 'export one signed, hash-chained evidence trail of a bottle (or --verify one)',
  help: `usage: claude-bottle evidence <slug> [--out FILE] [--logs FILE]
       claude-bottle evidence --verify FILE [--public-key KEY]

Exports everything a bottle's state says happened, as one JSON Lines file in time order:
the egress proxy's decisions and git-gate's operations (from the running containers' logs),
git-gate's findings, the proposals (pending and archived), the operator's decisions, the
engines' results, the supervisor's audit lines and the agent's tool calls from its
transcript. Each line is {seq, at, source, kind, data, prev_sha256, sha256}, chained by
sha256; the last line signs the head (count, last sha256, slug, time) with this home's
Ed25519 key ($CLAUDE_BOTTLE_HOME/keys/evidence-ed25519.pem, created on first use, 0600).
The public key is printed on stderr and carried in the signature line. A part that is
missing (a stopped bottle's logs, no transcript) is named in a note line.

Secrets are kept out: secret files are never read, headers and bodies are never logged,
and the bottle's env: secret values, private key blocks and well-known token formats are
redacted. A file: secret's value is not known to it, so only its token format can be caught.

options:
  --out FILE         write the bundle to FILE (a new file; never overwritten) instead of stdout
  --logs FILE        read the proxy's and gate's lines from FILE, a saved
                     \`claude-bottle logs <slug>\`, instead of the engine (for a stopped bottle)
  --verify FILE      check a bundle: the chain, the signed head and the signature; exit 0
                     with a one-line summary, or AUDIT_INVALID (exit 1) naming the line that
                     broke (INPUT_INVALID when FILE is not a bundle at all)
  --public-key KEY   with --verify: the key the bundle must be signed with (a PEM file, or
                     base64 of its DER SPKI); without it the bundle must be signed by this
                     home's key (anyone can re-sign a rewritten bundle with a key of their own)
`,
  options,
  positionals: [0, 1],
  async run(args, io) {
    const { BottleError } = await import('../../lib/errors.js');
    const { resolveHome } = await import('../../lib/home.js');
    const home = resolveHome(io.env, io.cwd);
    const slug = args.positionals[0];
    if (args.values.verify !== undefined) {
      if (slug !== undefined || args.values.out !== undefined || args.values.logs !== undefined) {
        throw new BottleError('USAGE', 'evidence --verify FILE takes no slug, --out or --logs', {
          hint: 'run `claude-bottle evidence --verify FILE [--public-key KEY]`',
        });
      }
      const { verifyEvidenceFile } = await import('../evidence/verify-file.js');
      io.stdout.write(
        `${await verifyEvidenceFile(args.values.verify, home, args.values['public-key'])}\n`,
      );
      return 0;
    }
    if (slug === undefined) {
      throw new BottleError('USAGE', 'evidence: name a bottle, or --verify FILE', {
        hint: 'run `claude-bottle evidence <slug> [--out FILE]`; `claude-bottle list` shows the slugs',
      });
    }
    if (args.values['public-key'] !== undefined) {
      throw new BottleError('USAGE', '--public-key goes with --verify', {
        hint: 'run `claude-bottle evidence --verify FILE --public-key KEY`',
      });
    }
    const { exportEvidence, writeBundleFile } = await import('../evidence/export.js');
    const result = await exportEvidence({
      home,
      slug,
      env: io.env,
      cwd: io.cwd,
      ...(args.values.logs === undefined ? {} : { logsFile: args.values.logs }),
    });
    if (args.values.out !== undefined) await writeBundleFile(args.values.out, result.text);
    else io.stdout.write(result.text);
    io.stderr.write(
      [
        `evidence: ${result.lines} line(s) for ${slug}${args.values.out ? ` in ${args.values.out}` : ''}, ${result.redactions} redaction(s), ${result.notes.length} note(s)`,
        `evidence: signed with ${result.key.created ? 'a new' : "this home's"} Ed25519 key ${result.key.fingerprint}`,
        `evidence: public key (base64 DER SPKI): ${result.key.publicKeyBase64}`,
        '',
      ].join('\n'),
    );
    return 0;
  },
};
