/** What other parts of hybridcfg use of verify (apply --verify, the CLI command). */
export { runVerify, type VerifyOptions } from './run';
export { renderVerifyJson, renderVerifyText } from './render';
export { VERIFY_FORMAT_VERSION, type VerifyReport, type MailboxResult, type Diagnosis } from './types';
