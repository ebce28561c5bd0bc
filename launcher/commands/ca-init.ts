import { caInitCommandSpec } from '../../images/egress-proxy/ca-command.js';

/** `claude-bottle ca init DIR`: the verb lives with the proxy, which owns the CA format. */
export const caInitCommand = caInitCommandSpec;
