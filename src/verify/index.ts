/** What other parts of hybridcfg use of verify (the session's verify, the views). */
export { runVerify, type VerifyOptions } from './run';
export { VERIFY_FORMAT_VERSION, type VerifyReport, type MailboxResult, type Diagnosis } from './types';
export { readCredential, verifySection } from './credentials';
