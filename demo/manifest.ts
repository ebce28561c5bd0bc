/**
 * The demo's bottle and agent, written into the temporary home: the real Claude Code CLI whose
 * model is local, one API route with an injected credential, one git remote behind git-gate.
 */
export const DEMO_HOSTS = {
  model: 'api.anthropic.test',
  api: 'api.example.test',
  git: 'git.example.test',
} as const;

export function demoBottle(input: {
  cliVersion: string;
  deployKey: string;
  gitRemote: string;
}): string {
  return `---
description: The demo bottle (scripts/demo.sh); every host it reaches is a local container
agent_provider: { name: claude, base_url: "https://${DEMO_HOSTS.model}", version: "${input.cliVersion}" }
auth_token: anthropic
secrets:
  anthropic: env:DEMO_ANTHROPIC_KEY
  api: env:DEMO_API_TOKEN
  deploy: file:${input.deployKey}
supervise:
  token_allow_timeout_seconds: 600
egress:
  upstream_ca: test-ca.crt
  routes:
    - host: ${DEMO_HOSTS.api}
      paths: [/hello]
      methods: [GET]
      auth: { header: Authorization, scheme: Bearer, secret: api }
      private: true
git:
  user: { name: Demo Agent, email: agent@demo.test }
  remotes:
    - name: origin
      url: ${input.gitRemote}
      identity: deploy
---
The demo bottle. \`api.example.test\`, \`git.example.test\` and the model are containers the
demo starts on this bottle's egress network.
`;
}

export function demoAgent(): string {
  return `---
description: The demo agent (Claude Code driven by the scripted model)
bottle: demo
---
Walk through the claude-bottle demo: fetch, ask for what is refused, push, extend the image.
`;
}

export const DEMO_PROMPT = 'Run the claude-bottle demo tour.';
