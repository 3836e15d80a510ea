/** What other parts of hybridcfg use of verify (the session's verify, the views). */
export { runVerify, type VerifyOptions } from './run';
export { readCredential, verifySection } from './credentials';
export { entraInputFrom, mergeVerifyFacts, type EntraNotChecked } from './entra';
export {
  VERIFY_FORMAT_VERSION,
  type VerifyReport,
  type MailboxResult,
  type Diagnosis,
  type EntraInput,
  type EntraReport,
  type VerifyFacts,
} from './types';
