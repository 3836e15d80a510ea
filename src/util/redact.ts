/** What stands in for a secret in every output hybridcfg writes (audit lines, logs, verify reports). */
export const REDACTED = '[redacted]';

/** Names of settings and fields whose values are secrets (a static machineKey, a connection string). */
export const SECRET_NAME = /secret|password|passwd|pwd|privatekey|private_key|apikey|api_key|token|credential|connectionstring|machinekey|validationkey|decryptionkey/i;
