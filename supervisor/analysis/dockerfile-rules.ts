import type { AnalysisLevel } from './types.js';

/**
 * What a new or changed Dockerfile instruction can do to the bottle, as patterns over its
 * source text (continuation lines and heredoc bodies included, comment lines dropped). Each
 * rule names the instructions it reads; a pattern is a reason to look, not proof.
 */
export interface DockerfileRule {
  code: string;
  level: AnalysisLevel;
  /** Instructions it applies to; `*` for all. */
  instructions: readonly string[] | '*';
  test: (source: string, args: string) => string | undefined;
  /** The reason, given what the test returned. */
  says: (match: string) => string;
}

const COMMANDS = ['RUN', 'ONBUILD', 'CMD', 'ENTRYPOINT', 'HEALTHCHECK', 'SHELL'] as const;

const DOWNLOADER = String.raw`(?:curl|wget|fetch|aria2c|http|httpie)`;
const SHELL = String.raw`(?:sudo\s+(?:-\S+\s+)*)?(?:env\s+(?:\S+=\S*\s+)*)?(?:xargs\s+(?:-\S+\s+)*)?(?:\S*\/)?(?:(?:ba|da|z|k|a|fi)?sh|python[0-9.]*|perl|ruby|node|php)`;
const PIPE_TO_SHELL = [
  new RegExp(String.raw`\b${DOWNLOADER}\b[^\n;&]*?\|\s*${SHELL}\b`, 'i'),
  new RegExp(String.raw`\b(?:(?:ba|da|z|k)?sh|source|\.)\s+(?:-\S+\s+)*<\(\s*${DOWNLOADER}\b`, 'i'),
  new RegExp(String.raw`\b${SHELL}\s+(?:-\S+\s+)*-c\s+["']?\$\(\s*${DOWNLOADER}\b`, 'i'),
  new RegExp(String.raw`\beval\s+["']?(?:\$\(|\x60)\s*${DOWNLOADER}\b`, 'i'),
  new RegExp(String.raw`\bbase64\s+(?:-d|--decode)\b[^\n;&]{0,512}\|\s*${SHELL}\b`, 'i'),
  // Fetched to a file, then run: `curl -o i x && sh i`.
  new RegExp(String.raw`\b${DOWNLOADER}\b[^\n]{0,512}?(?:&&|;)\s*${SHELL}\s+\S`, 'i'),
  // A language one-liner that downloads and runs.
  /\b(?:python[0-9.]*|perl|ruby|node)\s+-[ce]\s+["'][^\n]{0,512}(?:urlopen|urllib|requests\.get|http\.get|fetch\(|LWP|open-uri)/i,
];

const NET_TOOLS =
  /(?<![\w.+-])(curl|wget|nc|ncat|netcat|socat|nmap|ssh|scp|sftp|telnet|ftp|rsync|openssh-client|openssh-server|dnsutils|bind9-dnsutils|dig|nslookup|tcpdump|tshark|iptables|nftables|proxychains4?|tor|aria2|lftp|websocat)(?![\w+])/gi;

const SETUID = [
  /\bchmod\s+(?:-\S+\s+)*(?:[ugoa]*[+=][rwxXt]*s|0?[2-7][0-7]{3}\b)/i,
  /--chmod=(?:[ugoa]*[+=][rwxXt]*s|0?[2-7][0-7]{3}\b)/i,
  /\bsetcap\b/i,
  /\bchmod\s+(?:-\S+\s+)*[^;&|\n]{0,512},[ugoa]*[+=][rwxXt]*s/i,
  /\binstall\s+(?:-\S+\s+)*-m\s*0?[2-7][0-7]{3}\b/i,
];

const SUDO = [
  /\/etc\/sudoers/i,
  /\/etc\/sudo["']*["']*ers/i,
  /\b(?:apt-get|apt|apk|dnf|yum|microdnf)\b[^;&|\n]{0,512}?\b(?:install|add)\b[^;&|\n]{0,2048}?(?<![\w.+-])(?:sudo|doas)(?![\w+-])/i,
];

const APT_SOURCE =
  /sources\.list|\/etc\/apt\b|apt-key|add-apt-repository|gpg\b[^;&|\n]{0,512}--dearmou?r|\/keyrings\b|signed-by=|\[\s*trusted=yes|--allow-unauthenticated|allow-?insecure|\/etc\/apk\/repositories|\/etc\/yum\.repos\.d|rpm\s+--import/i;

const LOADER =
  /\b(LD_PRELOAD|LD_LIBRARY_PATH|LD_AUDIT|NODE_OPTIONS|PYTHONSTARTUP|PERL5OPT|RUBYOPT|BASH_ENV)\b|ld\.so\.pre["']*load|ld\.so\.conf/;
const PROXY_ENV =
  /\b(HTTPS?_PROXY|NO_PROXY|ALL_PROXY|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|NODE_TLS_REJECT_UNAUTHORIZED|GIT_SSL_NO_VERIFY|PYTHONHTTPSVERIFY)\b/i;

const first = (patterns: readonly RegExp[], text: string) =>
  patterns.map((pattern) => pattern.exec(text)?.[0]).find((match) => match !== undefined);

export const DOCKERFILE_RULES: readonly DockerfileRule[] = [
  {
    code: 'pipe-to-shell',
    level: 'danger',
    instructions: COMMANDS,
    test: (source) => first(PIPE_TO_SHELL, source),
    says: () => 'runs a download as a program (no review of what it fetched)',
  },
  {
    code: 'setuid',
    level: 'danger',
    instructions: '*',
    test: (source) => first(SETUID, source),
    says: (match) =>
      /setcap/i.test(match)
        ? 'grants file capabilities (setcap)'
        : 'makes a set-user-id or set-group-id file',
  },
  {
    code: 'sudo',
    level: 'danger',
    instructions: '*',
    test: (source) => first(SUDO, source),
    says: () => 'installs sudo/doas or edits sudoers: a way back to root',
  },
  {
    code: 'apt-source',
    level: 'danger',
    instructions: '*',
    test: (source) => APT_SOURCE.exec(source)?.[0],
    says: () => 'adds or changes package sources or signing keys',
  },
  {
    code: 'user-root',
    level: 'danger',
    instructions: ['USER'],
    // A variable could be anything (`ARG U=root`, `USER $U`): judged as root.
    test: (_source, args) => (/^["']?(root|0|\$)/i.test(args.trim()) ? args.trim() : undefined),
    says: () =>
      'runs what follows, and the agent if it is last, as root (or a variable that may be)',
  },
  {
    code: 'computed-name',
    level: 'caution',
    instructions: ['ENV', 'ARG'],
    test: (_source, args) => /^\S*\$/.exec(args.trim())?.[0],
    says: () => 'sets a variable whose name is itself built from a variable: read what it becomes',
  },
  {
    code: 'loader-env',
    level: 'danger',
    instructions: '*',
    test: (source) => LOADER.exec(source)?.[0],
    says: (match) => `sets ${match}: code loaded into every program`,
  },
  {
    code: 'proxy-env',
    level: 'caution',
    instructions: ['ENV', 'ARG', ...COMMANDS],
    test: (source) => PROXY_ENV.exec(source)?.[0],
    says: (match) => `changes ${match}: how the agent's tools reach or trust the network`,
  },
  {
    code: 'add-url',
    level: 'caution',
    instructions: ['ADD'],
    test: (_source, args) => /(?:https?|ftp):\/\/\S+|git@\S+/i.exec(args)?.[0],
    says: () => 'fetches from a URL at build time (unreviewed contents)',
  },
  {
    code: 'network-tool',
    level: 'caution',
    instructions: COMMANDS,
    test: (source) => {
      const tools = new Set([...source.matchAll(NET_TOOLS)].map((m) => m[1]!.toLowerCase()));
      return tools.size > 0 ? [...tools].join(', ') : undefined;
    },
    says: (tools) => `installs or runs network tools (${tools})`,
  },
];
