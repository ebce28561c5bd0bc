import { egressProxyCommandSpec } from '../../images/egress-proxy/command.js';

/** `claude-bottle egress-proxy`: the same flags and startProxy as the image's entrypoint. */
export const egressProxyCommand = egressProxyCommandSpec;
