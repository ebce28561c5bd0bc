export { loadManifests, type LoadOptions } from './load.js';
export { resolveSecrets, expandPath, type SecretValues } from './secrets.js';
export { describeSecretSource, type SecretSource } from './secret-source.js';
export { selectAgentAndBottle, type Selection } from './select.js';
export * from './schema.js';
export {
  PROVIDERS,
  providerOf,
  type AgentProvider,
  type AgentProviderField,
  type Provider,
} from './agent-provider.js';
export type * from './types.js';
export {
  CODEX_LOGIN_SECRET,
  CREDENTIAL_KINDS,
  credentialOf,
  credentialSecretName,
  type CredentialKind,
  type ProviderCredential,
} from './auth-token.js';
